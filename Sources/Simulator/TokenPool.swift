import Synchronization

/// The drivers' cards of one simulation, shared by all its stations. A card charging at one
/// station is not presented at another until that session ends — a real card is in one place
/// at a time — so a simulated fleet never looks like a cloned card to the CSMS's fraud checks
/// (signal `concurrentUse`), however few cards the scenario lists.
public final class TokenPool: Sendable {
    /// Each card in use and who holds it ("station/connector").
    private let holders = Mutex<[String: String]>([:])

    public init() {}

    /// Takes the first card of `preference` that nobody holds, for `holder`; nil when every one
    /// is charging somewhere (the driver does not arrive).
    public func borrow(preferring preference: [String], holder: String) -> String? {
        holders.withLock { held in
            guard let card = preference.first(where: { held[$0] == nil }) else { return nil }
            held[card] = holder
            return card
        }
    }

    /// Gives back the card `holder` took, when its session ends.
    public func giveBack(holder: String) {
        holders.withLock { held in
            for (card, owner) in held where owner == holder { held[card] = nil }
        }
    }

    /// Gives back every card held at `station` (its sessions ended with a reboot or a drop).
    public func giveBackAll(station: String) {
        holders.withLock { held in
            let prefix = station + "/"
            for (card, owner) in held where owner.hasPrefix(prefix) { held[card] = nil }
        }
    }

    /// The cards in use now.
    public var inUse: Int { holders.withLock { $0.count } }
}
