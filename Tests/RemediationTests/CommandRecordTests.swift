import Audit
import CPMS
import Foundation
@testable import Remediation
import Store
import StoreTesting
import Testing

/// A command's write-ahead record and its audit entry are written in one transaction: both or neither.
@Suite struct CommandRecordTests {
    let key = Array("k".utf8)
    let now = "2026-12-04T10:00:00.000Z"

    func scratch() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vigil-commands-\(UUID().uuidString).sqlite").path
    }

    @Test(arguments: TestEngine.all) func aCommandAndItsEntryAreDurableTogether(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "commands")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let command = NewCommand(decisionId: nil, rule: "r1", station: "CP-1", connector: nil, site: nil,
                                              action: "reset", argument: "Soft", status: .pending)
        let id = try #require(try await CommandStore(host: store).insertCommand(command, now: now, audit: AuditSigning(key: key, now: now)) { id in
            AuditRecord(kind: "command", actor: "executor", station: "CP-1", rule: "r1", action: "reset soft", outcome: "sending",
                        details: "#\(id)")
        })
        #expect(try await AuditStore(host: store).auditPage(afterId: 0, limit: 10).map(\.record.details) == ["#\(id)"])

        let other = try test.connect()
        switch engine {
        case .sqlite:
            try other.execute("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit refused'); END")
        case .postgresql:
            try other.execute("""
                CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$;
                CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit();
                """)
        }
        await #expect(throws: (any Error).self) {
            _ = try await CommandStore(host: store).insertCommand(command, now: now, audit: AuditSigning(key: key, now: now)) { id in
                AuditRecord(kind: "command", actor: "executor", details: "#\(id)")
            }
        }
        #expect(try await CommandStore(host: store).commands().map(\.id) == [id])
    }
}
