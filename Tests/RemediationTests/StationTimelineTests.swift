@testable import Alerts
import Audit
@testable import CPMS
import Foundation
@testable import Remediation
import Testing

/// `StationTimeline.merge`, pure over the rows it is given: time order to the millisecond
/// whatever form a time was stored in, ties by source then row, audit entries matched to the
/// records they back and shown once, other stations' entries left out, a command's CALL and
/// its answer linked, the window and the limit, and the text line.
@Suite struct StationTimelineTests {
    let now = "2026-12-04T10:00:00.000Z"

    func entry(_ id: Int, _ at: String, kind: String, station: String? = "CP-1", action: String? = nil, outcome: String? = nil,
               details: String) -> AuditEntry {
        AuditEntry(id: id, at: at, record: AuditRecord(kind: kind, actor: kind == "operator" ? "dana" : "executor", station: station,
                                                       action: action, outcome: outcome, details: details),
                   previousHash: String(repeating: "0", count: 64), hash: String(repeating: "1", count: 64))
    }

    func step(_ id: Int, _ at: String, status: String, kind: String = "command", command: Int = 7, station: String? = "CP-1") -> AuditEntry {
        entry(id, at, kind: kind, station: station, action: "reset soft", outcome: status,
              details: CommandTrail.details(command: command, decision: 3, ruleHash: "abcdef0123456789", status: status, note: "n\(id)"))
    }

    func command(status: CommandStatus = .accepted) -> CommandRow {
        CommandRow(id: 7, decisionId: 3, createdAt: "2026-12-04T09:00:01.000Z", rule: "stuck", station: "CP-1", connector: 1, site: nil,
                   action: "reset", argument: "soft", status: status, expiresAt: nil, detail: nil, code: nil, verified: true,
                   checkRecorded: true, verifyUntil: "2026-12-04T09:05:00.000Z", verifiedBy: "event e2", ruleHash: "abcdef0123456789")
    }

    func decision() -> DecisionRow {
        DecisionRow(id: 3, at: "2026-12-04T09:00:00.500Z", rule: "stuck", kind: "act", target: "CP-1/1", action: "reset soft",
                    reason: "rung 1", mode: "enforce", json: "{\"rule\":\"stuck\"}", ruleHash: "abcdef0123456789aa", eventIds: "e1")
    }

    /// The loop of the interop test, by hand: fault, decision, command, its CALL, the answer, the verdict.
    func loop() -> StationTimeline.Rows {
        var rows = StationTimeline.Rows(station: "CP-1")
        rows.statusReports = [
            .init(id: 1, evse: 1, connector: 1, status: "Faulted", errorCode: "InternalError", vendorErrorCode: "E-17",
                  chargerTime: "2026-12-04T08:59:58Z", receivedAt: "2026-12-04T09:00:00.000Z"),
            .init(id: 2, evse: 1, connector: 1, status: "Available", errorCode: "NoError", receivedAt: "2026-12-04T09:00:05.000Z"),
        ]
        rows.decisions = [decision()]
        rows.commands = [command()]
        rows.frames = [
            .init(id: 10, incoming: false, at: "2026-12-04T09:00:01.002Z", text: #"[2,"m1","Reset",{"type":"Soft"}]"#),
            .init(id: 11, incoming: true, at: "2026-12-04T09:00:01.020Z", text: #"[3,"m1",{"status":"Accepted"}]"#),
        ]
        rows.audit = [
            entry(20, "2026-12-04T09:00:00.500Z", kind: "decision", details: "{\"decisionId\":3,\"rule\":\"stuck\"}"),
            step(21, "2026-12-04T09:00:01.000Z", status: "sending"),
            step(22, "2026-12-04T09:00:01.021Z", status: "accepted", kind: "outcome"),
            step(23, "2026-12-04T09:00:06.000Z", status: "verified", kind: "verification"),
        ]
        return rows
    }

    @Test func theLoopReadsInOrderEachLineWithItsEntry() {
        let items = StationTimeline.merge(loop(), now: now)
        #expect(items.map(\.source) == [.status, .decision, .command, .frame, .frame, .command, .status, .verification])
        #expect(items.map(\.auditEntry) == [nil, 20, 21, nil, nil, 22, nil, 23])
        #expect(items[2].text.contains("command #7 reset soft CP-1/1 by rule stuck: accepted; verification: verified (by event e2)"))
        #expect(items[2].fields["auditEntries"] == .numbers([21, 22, 23]))
        #expect(items[3].text.hasSuffix("— carried command #7 reset soft") && items[3].fields["commandId"] == .number(7))
        #expect(items[4].text.hasSuffix("— answer to command #7 reset soft") && items[4].fields["answers"] == .number(10))
        #expect(items[0].text == "EVSE 1/1 Faulted InternalError (vendor code E-17); charger time 2026-12-04T08:59:58Z")
        #expect(items[1].text.contains("by rule stuck (version abcdef012345)") && items[1].text.hasSuffix("evidence: events e1"))
    }

    /// A fast loop: the command's record, its CALL and the charger's answer in one millisecond.
    /// The command was recorded before its CALL went out, so it reads first; the CALL and its
    /// answer keep their order; a charger's own frame of that millisecond still leads.
    @Test func aCallInTheMillisecondOfItsCommandFollowsTheCommand() {
        var rows = loop()
        rows.commands = [CommandRow(id: 7, decisionId: 3, createdAt: "2026-12-04T09:00:01.000Z", rule: "stuck", station: "CP-1", connector: 1,
                                    site: nil, action: "reset", argument: "soft", status: .accepted, expiresAt: nil, detail: nil, code: nil,
                                    verified: true, checkRecorded: true, verifyUntil: "2026-12-04T09:05:00.000Z", verifiedBy: "event e2",
                                    ruleHash: "abcdef0123456789")]
        rows.frames = [
            .init(id: 9, incoming: true, at: "2026-12-04T09:00:01.000Z", text: #"[2,"h1","Heartbeat",{}]"#),
            .init(id: 10, incoming: false, at: "2026-12-04T09:00:01.000Z", text: #"[2,"m1","Reset",{"type":"Soft"}]"#),
            .init(id: 11, incoming: true, at: "2026-12-04T09:00:01.000Z", text: #"[3,"m1",{"status":"Accepted"}]"#),
        ]
        let items = StationTimeline.merge(rows, now: now).filter { $0.at == "2026-12-04T09:00:01.000Z" }
        #expect(items.map(\.source) == [.frame, .command, .frame, .frame])
        #expect(items.map { $0.fields["frameId"] } == [.number(9), nil, .number(10), .number(11)])
    }

    @Test func timesOfEveryStoredFormOrderAsInstantsAndTiesKeepSourceThenRowOrder() {
        var rows = StationTimeline.Rows(station: "CP-1")
        rows.statusReports = [.init(id: 2, evse: 1, connector: 1, status: "Available", receivedAt: "2026-12-04T09:00:00.000Z"),
                              .init(id: 1, evse: 1, connector: 1, status: "Charging", receivedAt: "2026-12-04T09:00:00Z")]
        rows.frames = [.init(id: 5, incoming: true, at: "2026-12-04T10:00:00+01:00", text: "[2,\"a\",\"Heartbeat\",{}]"),
                       .init(id: 4, incoming: true, at: "2026-12-04T08:59:59.999Z", text: "[2,\"b\",\"Heartbeat\",{}]")]
        let items = StationTimeline.merge(rows, now: now)
        // Whole seconds and an offset are the same instant as 09:00:00.000Z: frame first, then status rows by id.
        #expect(items.map { $0.fields["frameId"] ?? $0.fields["statusId"] } == [.number(4), .number(5), .number(1), .number(2)])
        #expect(items.map(\.at) == ["2026-12-04T08:59:59.999Z", "2026-12-04T09:00:00.000Z", "2026-12-04T09:00:00.000Z", "2026-12-04T09:00:00.000Z"])
    }

    @Test func theWindowIsInclusiveToTheMillisecondAndTheLimitKeepsTheNewest() {
        let rows = loop()
        let window = StationTimeline.merge(rows, from: "2026-12-04T09:00:01.000Z", to: "2026-12-04T09:00:01.020Z", now: now)
        #expect(window.map(\.source) == [.command, .frame, .frame])
        let newest = StationTimeline.merge(rows, limit: 2, now: now)
        #expect(newest.map(\.source) == [.status, .verification])
        #expect(StationTimeline.merge(rows, limit: 0, now: now).isEmpty)
    }

    @Test func entriesOfOtherStationsAndUnrelatedFleetEntriesAreLeftOut() {
        var rows = StationTimeline.Rows(station: "CP-1")
        rows.alerts = [AlertRow(id: 4, groupKey: "stuck|CP-1/1", rule: "stuck", target: "CP-1/1", station: "CP-1", site: nil, vendor: nil,
                                route: "oncall", severity: .critical, title: "CP-1 stuck", text: "tried reset", status: "open",
                                firstSeen: "2026-12-04T09:01:00.000Z", lastSeen: "2026-12-04T09:01:00.000Z", count: 1, lastNotified: nil,
                                resolvedAt: nil)]
        rows.deliveries = [OutboxRow(id: 8, alertId: 4, route: "oncall", endpoint: "https://hooks.example/…", event: "new", idempotencyKey: "k",
                                     body: "{}", status: "delivered", attempts: 1, nextAttemptAt: "", createdAt: "2026-12-04T09:01:00.000Z",
                                     lastError: nil, deliveredAt: "2026-12-04T09:01:01.000Z")]
        rows.audit = [
            entry(1, "2026-12-04T09:00:00.000Z", kind: "operator", station: "CP-2", action: "manual reset soft", outcome: "sending", details: "x"),
            entry(2, "2026-12-04T09:00:01.000Z", kind: "operator", station: nil, action: "kill switch on", outcome: "on", details: "storm"),
            entry(3, "2026-12-04T09:01:00.000Z", kind: "alert", action: "alert oncall new", outcome: "queued", details: AlertTrail.alertDetails(alert: 4, event: "new", status: "open", severity: .major, title: "t", note: "to 1 of 1 endpoint(s)")),
            entry(4, "2026-12-04T09:01:01.000Z", kind: "alert", station: nil, action: "deliver new", outcome: "delivered",
                  details: AlertTrail.deliveryDetails(delivery: 8, alert: 4, status: "delivered", endpoint: "https://hooks.example/…", note: "HTTP 200")),
            entry(5, "2026-12-04T09:01:02.000Z", kind: "alert", station: nil, action: "deliver new", outcome: "delivered",
                  details: AlertTrail.deliveryDetails(delivery: 9, alert: 5, status: "delivered", endpoint: "https://hooks.example/…", note: "HTTP 200")),
            entry(6, "2026-12-04T09:01:03.000Z", kind: "operator", station: nil, action: "rules reload", outcome: "applied", details: "r"),
            step(7, "2026-12-04T09:01:04.000Z", status: "sending", command: 99, station: "CP-2"),
        ]
        let items = StationTimeline.merge(rows, now: now)
        #expect(items.map(\.source) == [.operator, .alert, .delivery])
        #expect(items.map(\.auditEntry) == [2, 3, 4])
        #expect(items[0].text == "dana: kill switch on → on — storm")
        #expect(items[2].text == "delivery #8 of alert #4 (new) to https://hooks.example/… via oncall: delivered after 1 attempt(s)")
    }

    @Test func aManualCommandsCallIsLinkedToItsEntryAndAStrayCallToNothing() {
        var rows = StationTimeline.Rows(station: "CP-1")
        rows.audit = [
            entry(1, "2026-12-04T09:00:00.000Z", kind: "operator", action: "manual unlock connector 1", outcome: "sending", details: "stuck cable"),
            entry(2, "2026-12-04T09:00:00.300Z", kind: "outcome", action: "manual unlock connector 1", outcome: "accepted", details: "asked by dana"),
        ]
        rows.frames = [
            .init(id: 1, incoming: false, at: "2026-12-04T09:00:00.100Z", text: #"[2,"u1","UnlockConnector",{"connectorId":1}]"#),
            .init(id: 2, incoming: true, at: "2026-12-04T09:00:00.200Z", text: #"[3,"u1",{"status":"Unlocked"}]"#),
            .init(id: 3, incoming: false, at: "2026-12-04T09:00:09.000Z", text: #"[2,"u2","UnlockConnector",{"connectorId":1}]"#),
        ]
        let frames = StationTimeline.merge(rows, now: now).filter { $0.source == .frame }
        #expect(frames[0].text.hasSuffix("— carried manual unlock connector 1 by dana (audit #1)") && frames[0].fields["manualEntry"] == .number(1))
        #expect(frames[1].text.hasSuffix("— answer to manual unlock connector 1 by dana (audit #1)"))
        #expect(frames[2].fields["manualEntry"] == nil && !frames[2].text.contains("—"))
    }

    /// The "sending" entry is stamped as the trail writes it, a moment after its CALL may have
    /// gone out: the frame a millisecond earlier is still the command's.
    @Test func aManualCommandsCallStampedJustBeforeItsEntryIsStillLinked() {
        var rows = StationTimeline.Rows(station: "CP-1")
        rows.audit = [
            entry(1, "2026-12-04T09:00:00.731Z", kind: "operator", action: "manual start idTag GOOD2", outcome: "sending", details: "x"),
            entry(2, "2026-12-04T09:00:00.900Z", kind: "outcome", action: "manual start idTag GOOD2", outcome: "accepted", details: "asked by dana"),
        ]
        rows.frames = [
            .init(id: 1, incoming: false, at: "2026-12-04T09:00:00.730Z", text: #"[2,"s1","RequestStartTransaction",{"remoteStartId":1}]"#),
            .init(id: 2, incoming: true, at: "2026-12-04T09:00:00.800Z", text: #"[3,"s1",{"status":"Accepted"}]"#),
        ]
        let frames = StationTimeline.merge(rows, now: now).filter { $0.source == .frame }
        #expect(frames[0].fields["manualEntry"] == .number(1), "\(frames[0].text)")
        #expect(frames[1].text.hasSuffix("— answer to manual start idTag GOOD2 by dana (audit #1)"), "\(frames[1].text)")
    }

    @Test func aLineIsNeverCutAndCannotBeForged() {
        var rows = StationTimeline.Rows(station: "CP-1")
        let long = String(repeating: "x", count: 500)
        rows.audit = [entry(9, "2026-12-04T09:00:00.000Z", kind: "operator", action: "silence", outcome: "#1", details: "\(long)\n2026 forged")]
        var findings = loop()
        findings.decisionFindings[3] = ["the stored decision differs from audit entry #20"]
        let line = StationTimeline.merge(rows, now: now)[0].line
        #expect(line == "2026-12-04T09:00:00.000Z  silence       dana: silence → #1 — \(long)\\n2026 forged  [audit #9]")
        let decided = StationTimeline.merge(findings, now: now).first { $0.source == .decision }
        #expect(decided?.line.hasSuffix("[audit #20]  AUDIT MISMATCH: the stored decision differs from audit entry #20") == true)
        #expect(decided?.object["auditFindings"] as? [String] == ["the stored decision differs from audit entry #20"])
    }

    /// The station's connection: coming online leads its millisecond (before the boot it sent),
    /// going offline ends its own (after the last frame the connection carried).
    @Test func aConnectionLeadsItsMillisecondAndADisconnectionEndsIt() {
        var rows = StationTimeline.Rows(station: "CP-1")
        rows.connectivity = [.init(id: 1, at: "2026-12-04T09:00:00.000Z", online: true),
                             .init(id: 2, at: "2026-12-04T09:10:00.000Z", online: false)]
        rows.frames = [.init(id: 3, incoming: true, at: "2026-12-04T09:00:00.000Z", text: #"[2,"b","BootNotification",{}]"#),
                       .init(id: 4, incoming: true, at: "2026-12-04T09:10:00.000Z", text: #"[2,"h","Heartbeat",{}]"#)]
        rows.statusReports = [.init(id: 5, evse: 1, connector: 1, status: "Available", receivedAt: "2026-12-04T09:10:00.000Z")]
        let items = StationTimeline.merge(rows, now: now)
        #expect(items.map(\.source) == [.connection, .frame, .frame, .status, .connection])
        #expect(items.first?.text == "connected: online" && items.last?.text == "disconnected: offline")
        #expect(items.last?.fields["online"] == .flag(false) && items.last?.fields["connectivityId"] == .number(2))
        #expect(items.first?.line == "2026-12-04T09:00:00.000Z  connection    connected: online")
    }
}
