import Audit
import CPMS
import Foundation
import Store

/// The audit entry of an operator's one-shot CLI command (a silence, a retry, a token unblocked):
/// appended to the trail and signed at once with the audit key (`--audit-key FILE`, else
/// `VIGIL_AUDIT_KEY`, else the key beside the database), as such a command has no timer or
/// shutdown to sign it later. Without a readable key the entry is appended unsigned and the next
/// serve that holds the key signs it.
enum OneShotAudit {
    ///
    /// The change it records is already made (the stores of the change and of the trail are
    /// written separately): a failure to write the entry says so, rather than reading as if
    /// nothing had happened.
    static func record(_ record: AuditRecord, store: StationStore, arguments: Arguments) async throws {
        do {
            let key = try AuditKey.load(path: AuditKey.path(option: arguments.value("audit-key"), database: arguments.database), create: false)
            let now = StoreTime.format(Date())
            let audit = AuditStore(host: store)
            try await audit.appendAudit([record], key: key, now: now)
            if let key { try await audit.checkpointAudit(key: key, now: now) }
        } catch {
            throw CommandFailure(description: "the change was made (\(record.action ?? record.kind)), but its audit entry could not be "
                                 + "written: \(error); record it by running the command again once the database is writable")
        }
    }
}
