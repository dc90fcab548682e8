import Audit
import Foundation
import Remediation
import Store
import StoreTesting
import Testing
@testable import CPMS

/// A decision and its audit entry are written in one transaction: both or neither (the command
/// record's twin test is in RemediationTests, `CommandRecordTests`).
@Suite struct AuditedWritesTests {
    let key = Array("k".utf8)
    let now = "2026-12-04T10:00:00.000Z"

    func scratch() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vigil-audited-\(UUID().uuidString).sqlite").path
    }

    func decision(_ rule: String) -> DecisionRecord {
        DecisionRecord(at: now, rule: rule, ruleHash: "h", mode: "live", kind: "act", target: "station:CP-1", station: "CP-1", connector: nil,
                       site: nil, rung: nil, action: "reset soft", eventIds: "e1", reason: "faulted", json: "{}")
    }

    @Test func decisionsAndTheirEntriesAreDurableTogether() async throws {
        let path = scratch()
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        let ids = try await DecisionStore(host: store).appendDecisions([decision("r1")], audit: ({ _ in [AuditRecord(kind: "decision", actor: "rules", rule: "r1",
                                                                                          outcome: "act", details: "{}")] },
                                                                           AuditSigning(key: key, now: now)))
        #expect(ids.count == 1)
        #expect(try await AuditStore(host: store).auditPage(afterId: 0, limit: 10).map(\.record.rule) == ["r1"])

        // When the entry cannot be written, the decision is not on record either.
        let other = try SQLiteDatabase(path: path)
        try other.execute("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit refused'); END")
        await #expect(throws: (any Error).self) {
            _ = try await DecisionStore(host: store).appendDecisions([decision("r2")], audit: ({ _ in [AuditRecord(kind: "decision", actor: "rules", rule: "r2",
                                                                                      outcome: "act", details: "{}")] },
                                                                       AuditSigning(key: key, now: now)))
        }
        #expect(try await DecisionStore(host: store).decisions().map(\.rule) == ["r1"])
        #expect(try await AuditStore(host: store).auditPage(afterId: 0, limit: 10).count == 1)
    }
}
