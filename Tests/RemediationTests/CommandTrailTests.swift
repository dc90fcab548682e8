import Audit
@testable import Remediation
import Testing

/// A command record is compared with the steps its audit entries record: status, verdict,
/// decision, rule hash, action, station and rule must agree; entries that do not name a
/// command are not steps.
@Suite struct CommandTrailTests {
    func row(_ status: CommandStatus, verified: Bool? = nil, decision: Int? = 5, ruleHash: String? = "abc") -> CommandRow {
        CommandRow(id: 7, decisionId: decision, createdAt: "2026-12-05T08:00:00.000Z", rule: "r", station: "CP-1", connector: 1,
                   site: nil, action: "reset", argument: "Soft", status: status, expiresAt: nil, detail: nil, code: nil,
                   verified: verified, ruleHash: ruleHash)
    }

    func step(_ entry: Int, _ status: String) -> CommandTrail.Step {
        CommandTrail.Step(entryId: entry, command: 7, decision: 5, ruleHash: "abc", status: status, note: "")
    }

    @Test func detailsRoundTripThroughAnEntry() throws {
        let details = CommandTrail.details(command: 7, decision: 5, ruleHash: "abc", status: "accepted", note: "answered Accepted in 32 ms")
        #expect(details == #"{"command":7,"decision":5,"note":"answered Accepted in 32 ms","ruleHash":"abc","status":"accepted"}"#)
        let entry = AuditEntry(id: 3, at: "2026-12-05T08:00:01.000Z",
                               record: AuditRecord(kind: "outcome", actor: "CP-1", station: "CP-1", outcome: "accepted", details: details),
                               previousHash: "", hash: "")
        #expect(CommandTrail.step(entry) == CommandTrail.Step(entryId: 3, command: 7, decision: 5, ruleHash: "abc", status: "accepted",
                                                             note: "answered Accepted in 32 ms", station: "CP-1", at: "2026-12-05T08:00:01.000Z"))
        var other = entry
        other.record.kind = "decision"
        #expect(CommandTrail.step(other) == nil)
        other = entry
        other.record.details = "#7 answered Accepted"   // an entry written before entries named commands
        #expect(CommandTrail.step(other) == nil)
    }

    @Test func aRecordThatAgreesWithItsTrailHasNoFindings() {
        #expect(CommandTrail.check(row(.accepted, verified: true), steps: [step(2, "sending"), step(3, "accepted"), step(6, "verified")]).isEmpty)
        #expect(CommandTrail.check(row(.pending), steps: [step(2, "sending")]).isEmpty)   // sent, not answered yet
        #expect(CommandTrail.check(row(.rejected), steps: []).isEmpty)                    // older than the trail's command entries
    }

    @Test func editsOfTheRecordAreFound() {
        let steps = [step(2, "sending"), step(3, "rejected")]
        let problems = CommandTrail.check(row(.accepted, verified: true), steps: steps).map(\.problem)
        #expect(problems == ["the record says accepted; the audit trail says rejected (entry #3)",
                             "the record says verified; the audit trail has no verification"])
        #expect(CommandTrail.check(row(.rejected, decision: 9), steps: steps).map(\.problem)
                == ["the record names decision #9; the audit trail names #5 (entry #2)"])
        #expect(CommandTrail.check(row(.rejected, ruleHash: "def"), steps: steps).map(\.problem)
                == ["the record's rule hash def differs from the audit trail's abc (entry #2)"])
        #expect(CommandTrail.check(row(.accepted, verified: false), steps: [step(2, "sending"), step(3, "accepted"), step(6, "verified")])
                .map(\.problem) == ["the record says not verified; the audit trail says verified (entry #6)"])
        #expect(CommandTrail.check(row(.accepted), steps: [step(2, "sending"), step(3, "accepted"), step(6, "notVerified")])
                .map(\.problem) == ["the record has no verdict; the audit trail says notVerified (entry #6)"])
        // What was sent, where and by which rule: the audit's case, a ChangeAvailability for a
        // ground fault edited into "reset hard" on another station.
        var sent = step(2, "sending")
        (sent.action, sent.station, sent.rule) = ("disableConnector", "CP-2", "safety")
        #expect(CommandTrail.check(row(.pending), steps: [sent]).map(\.problem) == [
            "the record says reset Soft; the audit trail says disableConnector (entry #2)",
            "the record names station CP-1; the audit trail names CP-2 (entry #2)",
            "the record names rule r; the audit trail names safety (entry #2)",
        ])
        (sent.action, sent.station, sent.rule) = ("reset Soft", "CP-1", "r")
        #expect(CommandTrail.check(row(.pending), steps: [sent]).isEmpty)
    }

    /// The connector (named by the first entry since this release) and the record's time: a
    /// disable moved to another port, or a command moved by a day, no longer passes.
    @Test func theConnectorAndTheTimeOfTheRecordAreCompared() throws {
        let details = CommandTrail.details(command: 7, decision: 5, ruleHash: "abc", status: "sending", note: "", connector: .some(2))
        #expect(details == #"{"command":7,"connector":2,"decision":5,"note":"","ruleHash":"abc","status":"sending"}"#)
        #expect(CommandTrail.details(command: 7, decision: nil, ruleHash: nil, status: "sending", note: "", connector: .some(nil))
                == #"{"command":7,"connector":0,"note":"","status":"sending"}"#)
        let entry = AuditEntry(id: 2, at: "2026-12-05T08:00:00.004Z",
                               record: AuditRecord(kind: "command", actor: "executor", station: "CP-1", rule: "r", action: "reset Soft",
                                                   outcome: "sending", details: details),
                               previousHash: "", hash: "")
        let first = try #require(CommandTrail.step(entry))
        #expect(first.connector == 2 && first.namesConnector && first.at == "2026-12-05T08:00:00.004Z")
        #expect(CommandTrail.check(row(.pending), steps: [first]).map(\.problem)
                == ["the record names connector 1; the audit trail names connector 2 (entry #2)"])
        var whole = row(.pending)
        whole.connector = 0
        #expect(CommandTrail.check(whole, steps: [first]).map(\.problem)
                == ["the record names the whole station; the audit trail names connector 2 (entry #2)"])
        var moved = row(.pending)
        moved.connector = 2
        #expect(CommandTrail.check(moved, steps: [first]).isEmpty)
        moved.createdAt = "2026-12-04T08:00:00.000Z"
        #expect(CommandTrail.check(moved, steps: [first]).map(\.problem)
                == ["the record was created at 2026-12-04T08:00:00.000Z; the audit trail recorded it at 2026-12-05T08:00:00.004Z (entry #2)"])
        // An entry of an earlier release names no connector: the record's is not judged.
        var older = first
        (older.connector, older.namesConnector) = (nil, false)
        #expect(CommandTrail.check(row(.pending), steps: [older]).isEmpty)
    }
}
