import Testing
@testable import Simulator

/// The simulation's cards: one place at a time, so a simulated fleet never looks like a cloned card.
struct TokenPoolTests {
    @Test func aCardChargingAtOneStationIsNotPresentedAtAnother() {
        let pool = TokenPool()
        #expect(pool.borrow(preferring: ["A", "B"], holder: "CP-1/1") == "A")
        #expect(pool.borrow(preferring: ["A", "B"], holder: "CP-2/1") == "B")
        #expect(pool.borrow(preferring: ["A", "B"], holder: "CP-3/1") == nil, "every card is charging somewhere: the driver does not arrive")
        pool.giveBack(holder: "CP-1/1")
        #expect(pool.borrow(preferring: ["B", "A"], holder: "CP-3/1") == "A")
        #expect(pool.inUse == 2)
    }

    @Test func aRebootGivesBackEveryCardHeldAtTheStationOnly() {
        let pool = TokenPool()
        _ = pool.borrow(preferring: ["A"], holder: "CP-1/1")
        _ = pool.borrow(preferring: ["B"], holder: "CP-1/2")
        _ = pool.borrow(preferring: ["C"], holder: "CP-10/1")
        pool.giveBackAll(station: "CP-1")
        #expect(pool.inUse == 1, "CP-10's card stays held: the prefix is the whole station id")
        #expect(pool.borrow(preferring: ["C", "A"], holder: "CP-2/1") == "A")
    }
}
