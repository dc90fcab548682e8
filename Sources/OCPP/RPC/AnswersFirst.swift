/// Keeps a connection's answers ahead of the CALLs they caused. When a charger reports a
/// fault, the rules may decide to reset it within the same few milliseconds the store takes
/// to record the report; without this the Reset could reach the charger before the answer
/// to its StatusNotification, and firmware that handles one exchange at a time mistakes
/// the Reset for a broken reply. A CALL Vigil wants to send waits for the answers that were
/// being worked on when it was submitted (not for later ones, so a chatty charger cannot
/// starve it). A pure state machine: the connection actor sends what it returns.
public struct AnswersFirst<Frame> {
    private var answering: [Int] = []
    private var started = 0
    private var held: [(after: Int, frame: Frame)] = []

    public init() {}

    /// Frames waiting for answers to go out first.
    public var heldCount: Int { held.count }

    /// The charger's CALL number `n` is being answered from now on; returns `n`.
    public mutating func beginAnswer() -> Int {
        started += 1
        answering.append(started)
        return started
    }

    /// The answer to CALL `number` has been written; returns the frames now free to go, in
    /// the order they were submitted.
    public mutating func endAnswer(_ number: Int) -> [Frame] {
        answering.removeAll { $0 == number }
        let oldest = answering.min() ?? Int.max
        var free: [Frame] = []
        while let first = held.first, first.after < oldest {
            free.append(first.frame)
            held.removeFirst()
        }
        return free
    }

    /// Vigil wants to send `frame`: returns it when no answer is being worked on, or holds it
    /// until those in progress are written (and returns nothing). A frame never overtakes
    /// one held before it.
    public mutating func submit(_ frame: Frame) -> Frame? {
        // Nothing is held while no answer is in progress: the last `endAnswer` freed it all.
        guard let newest = answering.max() else { return frame }
        held.append((max(newest, held.last?.after ?? 0), frame))
        return nil
    }

    /// Gives up the order: everything held, to send now (a handler is itself calling the
    /// charger and would otherwise wait for its own answer; or the connection is closing).
    public mutating func releaseAll() -> [Frame] {
        defer { held = [] }
        return held.map(\.frame)
    }
}
