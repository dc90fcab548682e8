import Audit
@testable import CPMS
import Foundation
@testable import Remediation
import RuleEngine
import Store
import StoreTesting
import Testing

/// `vigil remediation commands` says where each command's verification stands, and
/// `vigil remediation stats` counts every outcome with the registry's vendor, model and firmware,
/// never cutting a value — read from a real store.
@Suite struct CommandReportTests {
    let now = "2026-12-04T10:00:00.000Z"

    func scratch() throws -> (StationStore, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-report-\(UUID().uuidString).sqlite").path
        return (try StationStore(path: path), path)
    }

    func command(_ station: String, _ status: CommandStatus, code: String? = "Generic OCPP InternalError", argument: String = "Soft",
                 verifyUntil: String? = nil) -> NewCommand {
        NewCommand(decisionId: nil, rule: "soft-reset-stuck-internal-error", station: station, connector: 1, site: nil,
                   action: "reset", argument: argument, status: status, code: code, verifyUntil: verifyUntil)
    }

    @Test func eachCommandSaysWhereItsVerificationStands() async throws {
        let (store, path) = try scratch()
        defer { removeSQLiteFiles(path) }
        let records = CommandStore(host: store)
        let later = "2026-12-04T10:05:00.000Z"
        let noCheck = try #require(try await records.insertCommand(command("CP-1", .accepted), now: now))
        let open = try #require(try await records.insertCommand(command("CP-1", .accepted, verifyUntil: later), now: now))
        let worked = try #require(try await records.insertCommand(command("CP-1", .accepted, verifyUntil: later), now: now))
        try await records.setVerified(commandId: worked, true,
                                      by: "event e-812: statusChanged seen 240s before the verification deadline")
        let didNot = try #require(try await records.insertCommand(command("CP-1", .accepted, verifyUntil: later), now: now))
        try await records.setVerified(commandId: didNot, false, by: "rung 1 not verified within 5m")
        let rejected = try #require(try await records.insertCommand(command("CP-1", .rejected, verifyUntil: later), now: now))
        let lapsed = try #require(try await records.insertCommand(command("CP-1", .timedOut, verifyUntil: "2026-12-04T09:59:00.000Z"), now: now))
        // A record written before checks were kept: no claim either way.
        let old = try SQLiteDatabase(path: path).insert("""
            INSERT INTO remediation_commands (created_at, rule, station, action, status) VALUES (?, 'r', 'CP-1', 'reset', 'accepted')
            """, now)

        let rows = try await records.commands()
        let said = Dictionary(uniqueKeysWithValues: rows.map { ($0.id, CommandVerification($0, now: now).description) })
        #expect(said[noCheck] == "no check defined")
        #expect(said[open] == "pending (until 2026-12-04T10:05:00.000Z)")
        #expect(said[worked] == "verified (by event e-812: statusChanged seen 240s before the verification deadline)")
        #expect(said[didNot] == "failed (rung 1 not verified within 5m)")
        #expect(said[rejected] == "not checked (the command was rejected)")
        #expect(said[lapsed] == "no verdict recorded (the check ended 2026-12-04T09:59:00.000Z)")
        #expect(said[old] == "not recorded (an older command record)")

        let line = CommandReport.line(try #require(rows.first { $0.id == open }), now: now)
        #expect(line == "#\(open)  \(now)  soft-reset-stuck-internal-error  reset Soft  CP-1/1  accepted  "
            + "verification: pending (until 2026-12-04T10:05:00.000Z)")
        let object = CommandReport.object(try #require(rows.first { $0.id == worked }), now: now)
        #expect(object["verification"] as? String == "verified")
        #expect(object["verifiedBy"] as? String == "event e-812: statusChanged seen 240s before the verification deadline")
        #expect(object["status"] as? String == "accepted")
    }

    @Test func statsCountEveryOutcomeWithTheRegistrysVendorModelAndFirmware() async throws {
        let (store, path) = try scratch()
        defer { removeSQLiteFiles(path) }
        _ = try await store.recordBoot(id: "CP-1", vendor: "ABB", model: "Terra AC", serial: nil, firmware: "1.7.2", ocppVersion: "ocpp1.6",
                                       reason: nil, registrationForUnknown: "accepted", now: now)
        let records = CommandStore(host: store)
        var ids: [CommandStatus: Int] = [:]
        for status in [CommandStatus.accepted, .accepted, .accepted, .rejected, .timedOut, .notConnected, .refused, .failed] {
            ids[status] = try await records.insertCommand(command("CP-1", status, verifyUntil: "2026-12-04T10:05:00.000Z"), now: now)
        }
        let first = try await records.commands().first { $0.status == .accepted }!.id
        try await records.setVerified(commandId: first, true, by: "event e-1: statusChanged")
        try await records.setVerified(commandId: first + 1, false, by: "rung 1 not verified within 5m")
        // A station the registry knows nothing of, and a command without a catalogue entry.
        _ = try await records.insertCommand(command("CP-9", .held, code: nil, argument: "Hard"), now: now)

        let stats = try await records.remediationStats()
        #expect(stats.count == 2)
        let abb = try #require(stats.first)
        #expect([abb.vendor, abb.model, abb.firmware, abb.code, abb.action] == ["ABB", "Terra AC", "1.7.2", "Generic OCPP InternalError", "reset Soft"])
        #expect(abb.total == 8)
        #expect(abb.counts == [.accepted: 3, .rejected: 1, .timedOut: 1, .notConnected: 1, .refused: 1, .failed: 1])
        #expect(abb.verified == 1 && abb.notVerified == 1 && abb.successRate == 0.5)
        let unknown = try #require(stats.last)
        #expect([unknown.vendor, unknown.model, unknown.firmware, unknown.code, unknown.action] == ["-", "-", "-", "-", "reset Hard"])
        #expect(unknown.counts == [.held: 1] && unknown.successRate == nil)

        let lines = CommandReport.statsTable(stats)
        #expect(lines == [
            "VENDOR  MODEL     FIRMWARE  CODE                        ACTION      TOTAL  ACCEPTED  REJECTED  TIMED OUT  NOT CONNECTED  REFUSED  FAILED  HELD  VERIFIED  NOT VERIFIED  RATE",
            "ABB     Terra AC  1.7.2     Generic OCPP InternalError  reset Soft      8         3         1          1              1        1       1     0         1             1   50%",
            "-       -         -         -                           reset Hard      1         0         0          0              0        0       0     1         0             0     -",
        ])
        let object = CommandReport.statsObject(abb)
        #expect((object["counts"] as? [String: Int])?["rejected"] == 1)
        #expect((object["counts"] as? [String: Int])?["expired"] == 0)
        #expect(object["total"] as? Int == 8)
        // What nobody knows is left out of the JSON, never "-".
        let nobody = CommandReport.statsObject(try #require(stats.last))
        #expect(nobody["vendor"] == nil && nobody["firmware"] == nil && nobody["code"] == nil && nobody["action"] as? String == "reset Hard")
    }

    @Test func theExecutorRecordsTheCheckAndTheEventThatVerifiedIt() async throws {
        let (store, path) = try scratch()
        defer { removeSQLiteFiles(path) }
        _ = try await store.declareStation(id: "CP-1")
        let auditor = Auditor(store: store, key: Array("k".utf8)) { _, _, _ in }
        let clock = try #require(StoreTime.parse(now))
        let executor = RemediationExecutor(store: store, commands: CommandService(connections: ConnectionRegistry()), auditor: auditor,
                                           clock: { clock }, log: { _, _, _ in }, feedback: { _ in },
                                           alerts: RecordingAlerts { _ in })
        let target = RuleTarget(key: "CP-1/1", station: "CP-1", connector: 1)
        func decision(_ kind: Decision.Kind, _ action: DecidedAction?, evidence: [String], reason: String) -> Decision {
            Decision(time: clock, rule: "soft-reset-stuck-internal-error", ruleHash: String(repeating: "a", count: 64), mode: .enforce,
                     kind: kind, target: target, rung: 0, action: action, eventIds: evidence, reason: reason)
        }
        var reset = DecidedAction(type: .reset, resetType: "soft", allowDuringSession: true)
        reset.verifyUntil = clock.addingTimeInterval(300)
        await executor.handle([StoredDecision(id: 1, decision: decision(.act, reset, evidence: ["e-1"], reason: "rung 1 of 1"))])
        let recorded = try #require(try await CommandStore(host: store).commands().first)
        #expect(recorded.checkRecorded && recorded.verifyUntil == "2026-12-04T10:05:00.000Z")
        #expect(CommandVerification(recorded, now: now) == .pending(until: "2026-12-04T10:05:00.000Z"))

        // The station came back and accepted it; then the event the check waited for arrived.
        try await CommandStore(host: store).updateCommand(id: recorded.id, status: .accepted, detail: nil, now: now)
        await executor.handle([StoredDecision(id: 2, decision: decision(.verified, nil, evidence: ["e-1", "e-812"],
                                                                        reason: "statusChanged seen 240s before the verification deadline"))])
        let verified = try #require(try await CommandStore(host: store).commands().first)
        #expect(CommandVerification(verified, now: now).description
            == "verified (by event e-812: statusChanged seen 240s before the verification deadline)")
    }
}
