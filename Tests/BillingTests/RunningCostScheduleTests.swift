import Testing
@testable import Billing

/// When a running session is due a CostUpdated: its first report, then at most once per
/// interval; never again for a day once its station said it does not support CostUpdated.
@Suite struct RunningCostScheduleTests {
    static let t0 = ContinuousClock.now

    /// The schedule's answers to claims of (session, seconds after t0), in order.
    static func answers(_ schedule: inout RunningCostSchedule, _ claims: [(Int, Int64)]) -> [Bool] {
        claims.map { session, seconds in schedule.claim(session: session, at: t0 + .seconds(seconds)) }
    }

    @Test func atMostOnePerIntervalPerSession() {
        var schedule = RunningCostSchedule(interval: .seconds(300))
        // Session 2 is its own; session 1 is due again 300 s after its last claim.
        let answers = Self.answers(&schedule, [(1, 0), (1, 60), (2, 60), (1, 299), (1, 300), (1, 301)])
        #expect(answers == [true, false, true, false, true, false])
    }

    @Test func aReleasedClaimMayBeTakenAgain() {
        var schedule = RunningCostSchedule(interval: .seconds(300))
        let first = Self.answers(&schedule, [(1, 0)])
        schedule.release(session: 1)
        let second = Self.answers(&schedule, [(1, 1)])
        #expect(first + second == [true, true])
    }

    @Test func unsupportedStopsTheSessionsUpdatesForADay() {
        var schedule = RunningCostSchedule(interval: .seconds(300))
        let first = Self.answers(&schedule, [(1, 0)])
        schedule.markUnsupported(session: 1, at: Self.t0 + .seconds(1))
        let later = Self.answers(&schedule, [(1, 600), (1, 86_400), (1, 86_401)])
        #expect(first + later == [true, false, false, true])
    }

    /// Ended sessions are never announced; their claims go once they are older than the interval.
    @Test func oldClaimsAreSweptSoTheTableStaysBounded() {
        var schedule = RunningCostSchedule(interval: .seconds(300))
        let early = Self.answers(&schedule, (0..<1_000).map { ($0, 0) })
        #expect(schedule.count == 1_000)
        let late = Self.answers(&schedule, (1_000..<1_100).map { ($0, 400) })
        #expect(schedule.count == 100)   // swept when it reached 1,024: the first thousand were stale
        let again = Self.answers(&schedule, [(5, 400)])   // a stale claim says no more than none
        #expect((early + late + again).allSatisfy { $0 })
    }
}
