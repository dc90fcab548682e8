import RuleEngine

/// A decision as stored, with its row id (what the executor keys its idempotency on).
public struct StoredDecision: Sendable {
    public var id: Int?
    public var decision: Decision

    public init(id: Int?, decision: Decision) {
        self.id = id
        self.decision = decision
    }
}
