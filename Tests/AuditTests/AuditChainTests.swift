import Audit
import Foundation
import Store
import Testing
@testable import CPMS

/// The hash chain over a real SQLite store: an intact history verifies; editing, deleting,
/// reordering or truncating it is caught at the first bad entry.
@Suite struct AuditChainTests {
    let key = Array("test-key-0123456789".utf8)

    func history(entries count: Int) async throws -> (StationStore, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-audit-\(UUID().uuidString).sqlite").path
        let store = try StationStore(path: path)
        for index in 1...count {
            try await store.appendAudit([AuditRecord(kind: index % 2 == 0 ? "command" : "decision", actor: "rules", station: "CP-\(index % 3)",
                                                     rule: "stuck", action: "reset soft", outcome: "accepted",
                                                     details: "entry \(index)\nwith a second line, a \\ and \"quotes\"")],
                                        key: key, now: "2026-01-01T00:00:\(String(format: "%02d", index % 60)).000Z")
        }
        return (store, path)
    }

    func verdict(_ store: StationStore, key: [UInt8]? = nil) async throws -> AuditChain.Verdict {
        AuditChain.verify(entries: try await store.auditPage(afterId: 0, limit: 10_000), checkpoints: try await store.auditCheckpoints(),
                          key: key ?? self.key)
    }

    /// Runs SQL against the file behind the store's back, as an attacker with file access would.
    func tamper(_ path: String, _ sql: String) throws {
        let database = try SQLiteDatabase(path: path)
        for statement in sql.split(separator: ";") where !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            try database.run(String(statement))
        }
    }

    @Test func anIntactHistoryVerifiesWithItsCheckpoints() async throws {
        let (store, path) = try await history(entries: 120)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try await verdict(store) == .intact(entries: 120, checkpoints: 2))
    }

    @Test func anEditedEntryIsNamed() async throws {
        let (store, path) = try await history(entries: 60)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try tamper(path, "UPDATE audit_log SET outcome = 'rejected' WHERE id = 17")
        #expect(try await verdict(store) == .broken(entryId: 17, reason: "its content does not match its hash (the entry was edited)"))
    }

    @Test func anEditThatRecomputesTheHashBreaksTheNextLink() async throws {
        let (store, path) = try await history(entries: 60)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var entry = try #require(try await store.auditPage(afterId: 16, limit: 1).first)
        entry.record.outcome = "rejected"
        let forged = AuditChain.hash(id: entry.id, at: entry.at, record: entry.record, previousHash: entry.previousHash)
        try tamper(path, "UPDATE audit_log SET outcome = 'rejected', hash = '\(forged)' WHERE id = 17")
        #expect(try await verdict(store) == .broken(entryId: 18, reason: "its previous-hash does not match entry 17's hash (an entry before it was changed, removed or moved)"))
    }

    @Test func aDeletedEntryIsNamed() async throws {
        let (store, path) = try await history(entries: 60)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try tamper(path, "DELETE FROM audit_log WHERE id = 30")
        #expect(try await verdict(store) == .broken(entryId: 31, reason: "entry 30 is missing before it (deleted or reordered)"))
    }

    @Test func reorderedEntriesAreCaught() async throws {
        let (store, path) = try await history(entries: 60)
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Swap the contents of entries 10 and 11 (ids stay in order, their texts move).
        try tamper(path, """
            UPDATE audit_log SET id = -10 WHERE id = 10; UPDATE audit_log SET id = 10 WHERE id = 11; UPDATE audit_log SET id = 11 WHERE id = -10;
            """)
        guard case .broken(let id, _) = try await verdict(store) else {
            Issue.record("a reordered history verified")
            return
        }
        #expect(id == 10)
    }

    @Test func truncatingTheNewestEntriesIsCaughtByACheckpoint() async throws {
        let (store, path) = try await history(entries: 60)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await store.checkpointAudit(key: key, now: "2026-01-01T01:00:00.000Z")
        try tamper(path, "DELETE FROM audit_log WHERE id > 55")
        #expect(try await verdict(store) == .broken(entryId: 60, reason: "checkpoint 2 names entry 60, which is gone (the history was truncated)"))
    }

    @Test func aForgedCheckpointFailsItsSignature() async throws {
        let (store, path) = try await history(entries: 60)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try await verdict(store, key: Array("another key".utf8)) == .broken(entryId: 50, reason: "checkpoint 1 has a bad signature (forged, or another key)"))
    }

    @Test func theCanonicalTextKeepsFieldsApart() {
        let a = AuditRecord(kind: "x", actor: "y", station: "a\nb", details: "c")
        let b = AuditRecord(kind: "x", actor: "y", station: "a", site: "b", details: "c")
        #expect(AuditEntry.canonical(id: 1, at: "t", record: a, previousHash: "p") != AuditEntry.canonical(id: 1, at: "t", record: b, previousHash: "p"))
        #expect(AuditChain.hash(id: 1, at: "t", record: a, previousHash: "p").count == 64)
    }
}
