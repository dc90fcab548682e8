import Synchronization

/// One save of the rule state, as the runner and the save's task both see it: still encoding,
/// writing, or abandoned by an awaited save that took its place (`RuleRunner.saveState`). The
/// stage changes once, atomically, so a save either writes or is abandoned, never both. Only a
/// periodic save can be abandoned: an awaited one has a caller waiting for it to be stored.
final class StateSaveTicket: Sendable {
    private static let encoding = 0, writing = 1, abandoned = 2
    private let stage = Atomic<Int>(StateSaveTicket.encoding)
    private let abandonable: Bool

    init(abandonable: Bool = true) {
        self.abandonable = abandonable
    }

    /// The save has its JSON and may write it: false when it was abandoned meanwhile.
    func startWriting() -> Bool {
        stage.compareExchange(expected: Self.encoding, desired: Self.writing, ordering: .acquiringAndReleasing).exchanged
    }

    /// Abandons the save if it is still encoding (it will write nothing): false when it is
    /// already writing (or done) or cannot be abandoned, and must be waited for.
    func abandon() -> Bool {
        abandonable && stage.compareExchange(expected: Self.encoding, desired: Self.abandoned, ordering: .acquiringAndReleasing).exchanged
    }
}
