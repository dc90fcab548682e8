import Audit
import CPMS
import RuleEngine
import Foundation

/// Appends to the audit trail on behalf of the running service: entries go to the store in
/// order with the chain kept linear by the store's single writer; checkpoints are signed with
/// the configured key. A failure to write is logged loudly and never stops the service.
public struct Auditor: Sendable {
    public let store: StationStore
    public let key: [UInt8]?
    let clock: @Sendable () -> Date
    let log: RuleRunner.Logger

    public init(store: StationStore, key: [UInt8]?, clock: @escaping @Sendable () -> Date = { Date() }, log: @escaping RuleRunner.Logger) {
        self.store = store
        self.key = key
        self.clock = clock
        self.log = log
    }

    public func record(_ records: [AuditRecord]) async {
        guard !records.isEmpty else { return }
        do { try await store.appendAudit(records, key: key, now: RuleRunner.timestamp(clock())) } catch {
            log("error", "cannot write the audit trail", ["error": "\(error)", "entries": String(records.count)])
        }
    }

    public func record(_ entry: AuditRecord) async { await record([entry]) }

    /// Signs a checkpoint at the newest entry (at shutdown).
    public func checkpoint() async {
        guard let key else { return }
        do { try await store.checkpointAudit(key: key, now: RuleRunner.timestamp(clock())) } catch {
            log("error", "cannot sign an audit checkpoint", ["error": "\(error)"])
        }
    }
}

/// A decision as stored, with its row id (what the executor keys its idempotency on).
public struct StoredDecision: Sendable {
    public var id: Int?
    public var decision: Decision

    public init(id: Int?, decision: Decision) {
        self.id = id
        self.decision = decision
    }
}
