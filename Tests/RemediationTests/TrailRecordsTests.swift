import Audit
import CPMS
import Foundation
@testable import Remediation
import Store
import StoreTesting
import Testing

/// Every decision and command the audit trail names must still have its record: one deleted
/// outside Vigil is reported (`vigil audit verify`), one present is not.
@Suite struct TrailRecordsTests {
    let key = Array("k".utf8)
    let now = "2026-12-04T10:00:00.000Z"

    @Test(arguments: TestEngine.all) func aCommandDeletedOutsideVigilIsReportedWithTheEntriesNamingIt(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "trailrecords")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let commands = CommandStore(host: store)
        var ids: [Int] = []
        for rule in ["kept", "deleted"] {
            let command = NewCommand(decisionId: nil, rule: rule, station: "CP-1", connector: 1, site: nil, action: "reset", argument: "Soft",
                                     status: .pending)
            ids.append(try #require(try await commands.insertCommand(command, now: now, audit: AuditSigning(key: key, now: now)) { id in
                AuditRecord(kind: "command", actor: "executor", station: "CP-1", rule: rule, action: "reset Soft", outcome: "sending",
                            details: CommandTrail.details(command: id, decision: nil, ruleHash: nil, status: "sending", note: "", connector: .some(1)))
            }))
        }
        let audit = AuditStore(host: store)
        try await audit.appendAudit([AuditRecord(kind: "outcome", actor: "CP-1", station: "CP-1", action: "reset Soft", outcome: "accepted",
                                                 details: CommandTrail.details(command: ids[1], decision: nil, ruleHash: nil, status: "accepted",
                                                                               note: "answered"))], key: key, now: now)
        let entries = try await audit.auditPage(afterId: 0, limit: 10)
        #expect(try await TrailRecords.missing(named: entries, in: store).isEmpty)

        try test.connect().run("DELETE FROM remediation_commands WHERE id = ?", ids[1])
        let missing = try await TrailRecords.missing(named: entries, in: store)
        #expect(missing == [TrailRecords.Missing(kind: .command, id: ids[1], entries: [entries[1].id, entries[2].id])])
        #expect(missing.first?.description == "command #\(ids[1]) (audit entries #\(entries[1].id), #\(entries[2].id))")
    }

    @Test func decisionsAreNamedByTheirEntrysIdAndOtherEntriesNameNothing() {
        func entry(_ id: Int, kind: String, details: String) -> AuditEntry {
            AuditEntry(id: id, at: now, record: AuditRecord(kind: kind, actor: "rules", details: details), previousHash: "", hash: "")
        }
        let named = TrailRecords.named(in: [entry(1, kind: "decision", details: #"{"decisionId":12,"rule":"r"}"#),
                                            entry(2, kind: "operator", details: #"{"decisionId":13}"#),
                                            entry(3, kind: "command", details: "#7 sent (an entry from before commands were named)"),
                                            entry(4, kind: "verification", details: #"{"command":7,"status":"verified","note":""}"#)])
        #expect(named.decisions == [12: [1]] && named.commands == [7: [4]])
    }
}
