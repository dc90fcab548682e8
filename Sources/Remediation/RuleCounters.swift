import Synchronization

/// What the rule runner has seen and decided since the process started, for `/metrics`:
/// events evaluated by kind, decisions recorded by rule and kind. Label values are bounded by
/// the event kinds and the loaded rules.
public final class RuleCounters: Sendable {
    /// One snapshot.
    public struct Counts: Sendable, Equatable {
        public var eventsByKind: [String: Int] = [:]
        /// Keyed by rule, then decision kind.
        public var decisions: [String: [String: Int]] = [:]
    }

    private let counts = Mutex(Counts())

    public init() {}

    public var snapshot: Counts { counts.withLock { $0 } }

    func evaluated(kind: String) {
        counts.withLock { $0.eventsByKind[kind, default: 0] += 1 }
    }

    func decided(rule: String, kind: String) {
        counts.withLock { $0.decisions[rule, default: [:]][kind, default: 0] += 1 }
    }
}
