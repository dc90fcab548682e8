import Audit
import DomainEvents
import Foundation
import Store

extension AlertTrail {
    /// The entries about alerts (kind `alert`) or silences (kind `operator`) written since
    /// `oldest` (an hour early, for clock steps), grouped by the id their details name under
    /// `key` (`alert`, `delivery`, `silence`), oldest first.
    public static func entries(named key: String, kind: String, since oldest: String?,
                               from host: any DatabaseHost) async throws -> [Int: [AuditEntry]] {
        guard let oldest else { return [:] }
        let from = UTCTimestamp.parse(oldest).map { AlertStore.time($0.addingTimeInterval(-3_600)) }
        var grouped: [Int: [AuditEntry]] = [:]
        for entry in try await AuditStore(host: host).auditEntries(AuditQuery(from: from, kind: kind, limit: 10_000_000)) {
            guard let details = object(entry), let id = details[key] as? Int else { continue }
            if key == "alert", details["delivery"] != nil { continue }
            grouped[id, default: []].append(entry)
        }
        return grouped
    }

    /// Problems found for each row shown, by its id: `check` against its entries, and entries
    /// whose content no longer matches their hash.
    public static func findings<Row>(_ rows: [Row], id: (Row) -> Int, entries: [Int: [AuditEntry]],
                                     check: (Row, [AuditEntry]) -> [String]) -> [Int: [String]] {
        var findings: [Int: [String]] = [:]
        for row in rows {
            let own = entries[id(row)] ?? []
            var problems = own.filter { entry in
                AuditChain.hash(id: entry.id, at: entry.at, record: entry.record, previousHash: entry.previousHash,
                                encoding: entry.encoding) != entry.hash
            }.map { "audit entry #\($0.id) no longer matches its hash (edited; run `vigil audit verify`)" }
            problems += check(row, own)
            if !problems.isEmpty { findings[id(row)] = problems }
        }
        return findings
    }
}
