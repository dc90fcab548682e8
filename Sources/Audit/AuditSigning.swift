/// What appending audit entries needs besides the records: the checkpoint key, the time and
/// the cadence. Writes that record an action take it (Remediation's `DecisionStore.appendDecisions`, `CommandStore.insertCommand`) to
/// append their audit entries in their own transaction: the record and its entry are durable
/// together, never one without the other, and cost one commit.
public struct AuditSigning: Sendable {
    public let key: [UInt8]?
    public let now: String
    public let cadence: AuditChain.Cadence

    public init(key: [UInt8]?, now: String, cadence: AuditChain.Cadence = .standard) {
        self.key = key
        self.now = now
        self.cadence = cadence
    }
}
