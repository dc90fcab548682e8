import Alerts
import Audit
@testable import CPMS
import Foundation
@testable import Remediation
@testable import RuleEngine
import StoreTesting
import Synchronization
import Testing

/// The executor's gates, decided from its own durable record and whatever a rule says:
/// no station is connected here, so every command that passes the gates is queued.
@Suite struct ExecutorGateTests {
    final class Collected: Sendable {
        let alerts = Mutex<[AlertRequest]>([])
        let events = Mutex<[DomainEvent]>([])
        let resolved = Mutex<[(rule: String, target: String)]>([])
    }

    func executor() throws -> (RemediationExecutor, StationStore, Collected, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-exec-\(UUID().uuidString).sqlite").path
        let store = try StationStore(path: path)
        let collected = Collected()
        let auditor = Auditor(store: store, key: Array("k".utf8)) { _, _, _ in }
        let executor = RemediationExecutor(store: store, commands: CommandService(connections: ConnectionRegistry()), auditor: auditor,
                                           log: { _, _, _ in }, feedback: { event in collected.events.withLock { $0.append(event) } },
                                           alerts: RecordingAlerts(record: { request in collected.alerts.withLock { $0.append(request) } },
                                                                   resolved: { rule, target, _ in collected.resolved.withLock { $0.append((rule, target)) } }))
        return (executor, store, collected, path)
    }

    func decision(_ action: DecidedAction, mode: RuleMode = .enforce, connector: Int? = 1) -> Decision {
        Decision(time: Date(), rule: "r", ruleHash: String(repeating: "a", count: 64), mode: mode, kind: .act,
                 target: RuleTarget(key: connector.map { "CP-1/\($0)" } ?? "CP-1", station: "CP-1", connector: connector, site: "north"),
                 rung: 0, action: action, eventIds: ["e1"], reason: "test")
    }

    @Test func aSafetyFaultIsNeverResetWhateverDecidedIt() async throws {
        let (executor, store, _, path) = try executor()
        defer { removeSQLiteFiles(path) }
        // A decision that asks for a reset of a safety-class fault, as a rule (or a bug) might.
        var reset = DecidedAction(type: .reset, resetType: "hard", allowDuringSession: true, catalogueEntry: "ABB 0x0004")
        reset.catalogueSeverity = "safety"
        await executor.handle([StoredDecision(id: 1, decision: decision(reset))])
        let commands = try await CommandStore(host: store).commands()
        #expect(commands.map(\.action) == ["reset", "disableConnector"])
        #expect(commands[0].status == .refused && commands[0].detail?.contains("never reset automatically") == true)
        #expect(commands[1].status == .queued)   // the safe alternative, waiting for the station
    }

    @Test func aDecisionDeliveredTwiceIsActedOnOnce() async throws {
        let (executor, store, _, path) = try executor()
        defer { removeSQLiteFiles(path) }
        let stored = StoredDecision(id: 7, decision: decision(DecidedAction(type: .reset, resetType: "soft")))
        await executor.handle([stored])
        await executor.handle([stored])
        #expect(try await CommandStore(host: store).commands().count == 1)
    }

    @Test func dryRunRecordsAndSendsNothing() async throws {
        let (executor, store, _, path) = try executor()
        defer { removeSQLiteFiles(path) }
        await executor.handle([StoredDecision(id: 1, decision: decision(DecidedAction(type: .unlockConnector), mode: .dryRun))])
        #expect(try await CommandStore(host: store).commands().map(\.status) == [.dryRun])
    }

    @Test func theResetBudgetCountsCommandsOfUnknownFate() async throws {
        let (executor, store, _, path) = try executor()
        defer { removeSQLiteFiles(path) }
        for id in 1...3 {
            await executor.handle([StoredDecision(id: id, decision: decision(DecidedAction(type: .reset, resetType: "soft")))])
        }
        // Queued commands were not sent, so they do not count; make them look interrupted mid-send.
        for row in try await CommandStore(host: store).commands() { try await CommandStore(host: store).updateCommand(id: row.id, status: .pending, detail: nil, now: "2030-01-01T00:00:00Z") }
        await executor.recover()
        await executor.handle([StoredDecision(id: 4, decision: decision(DecidedAction(type: .reset, resetType: "soft")))])
        let last = try #require(try await CommandStore(host: store).commands().last)
        #expect(last.status == .refused)
        #expect(last.detail == "CP-1 had 3 resets within 24 h (limit 3)")
    }

    /// A command decided on a report older than what the connector already showed (a queued
    /// ground fault replayed after a fresh Available) is refused, whatever the rule said; a
    /// trigger (which changes nothing) still goes.
    @Test func aCommandDecidedOnASupersededReportIsRefused() async throws {
        let (executor, store, _, path) = try executor()
        defer { removeSQLiteFiles(path) }
        var disable = DecidedAction(type: .disableConnector, allowDuringSession: true)
        disable.onSupersededReport = true
        var trigger = DecidedAction(type: .triggerMessage, message: "StatusNotification")
        trigger.onSupersededReport = true
        await executor.handle([StoredDecision(id: 1, decision: decision(disable)), StoredDecision(id: 2, decision: decision(trigger))])
        let commands = try await CommandStore(host: store).commands()
        #expect(commands.map(\.status) == [.refused, .queued])
        #expect(commands.first?.detail?.contains("queued while offline and sent after a newer one") == true)
    }

    /// A rule's `haltWhen` pages on-call when it halts a site, and the page names each station
    /// whose firing it then holds back (the audit found a whole site silent).
    @Test func aRulesSiteHaltPagesAndNamesWhatItHoldsBack() async throws {
        let (executor, _, collected, path) = try executor()
        defer { removeSQLiteFiles(path) }
        let halted = Decision(time: Date(), rule: "site-halt", ruleHash: String(repeating: "a", count: 64), mode: .enforce, kind: .halted,
                              target: RuleTarget(key: "site:north", site: "north"), eventIds: ["e1"],
                              reason: "2 of 6 stations of site north tripped within 15m (more than 30%); no further automatic action there for 15m, until "
                                + RuleRunner.timestamp(Date().addingTimeInterval(0.3)) + " — suspect the backend, the network or the grid")
        let held = Decision(time: Date(), rule: "site-halt", ruleHash: String(repeating: "a", count: 64), mode: .enforce, kind: .suppressed,
                            target: RuleTarget(key: "H3", station: "H3", site: "north"), eventIds: ["e2"],
                            reason: "halted for site north until 2026-01-01T00:15:00Z: too many of its stations tripped at once")
        let other = Decision(time: Date(), rule: "site-halt", ruleHash: String(repeating: "a", count: 64), mode: .enforce, kind: .suppressed,
                             target: RuleTarget(key: "H4", station: "H4", site: "north"), eventIds: ["e3"], reason: "in cooldown until later")
        await executor.handle([StoredDecision(id: 1, decision: halted), StoredDecision(id: 2, decision: held), StoredDecision(id: 3, decision: other)])
        let pages = collected.alerts.withLock { $0 }
        #expect(pages.count == 2)
        #expect(pages.allSatisfy { $0.rule == "site-halt" && $0.target == "site:north" && $0.severity == .critical })
        #expect(pages.first?.text.contains("2 of 6 stations of site north tripped") == true)
        #expect(pages.last?.text.contains("Held back since: H3 ") == true, "\(pages.last?.text ?? "")")
        #expect(pages.last?.text.contains("H4") == false)
        // Resolved when the halt ends.
        let deadline = Date().addingTimeInterval(10)
        while collected.resolved.withLock({ $0.isEmpty }), Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(collected.resolved.withLock { $0 }.map(\.target) == ["site:north"])
    }

    /// The page a ladder adds after a disable never says "taken out of service" when the gate
    /// refused the disable (a whole-station disable without a safety fault).
    @Test func theOutOfServicePageSaysWhenTheDisableWasNotCarriedOut() async throws {
        let (executor, _, collected, path) = try executor()
        defer { removeSQLiteFiles(path) }
        var page = DecidedAction(type: .alert, route: "oncall", severity: "major", title: "CP-1 taken out of service by Vigil",
                                 text: "Rule r set CP-1 Inoperative and its ladder has ended")
        page.reportsDisable = true
        await executor.handle([StoredDecision(id: 1, decision: decision(DecidedAction(type: .disableConnector), connector: nil)),
                               StoredDecision(id: 2, decision: decision(page, connector: nil))])
        let sent = try #require(collected.alerts.withLock { $0 }.last)
        #expect(sent.title == "CP-1: Vigil's disable was not carried out", "\(sent.title)")
        #expect(sent.text.contains("refused by a gate") && sent.text.contains("the connector is as the station left it"), "\(sent.text)")
    }

    @Test func theKillSwitchRefusesEverything() async throws {
        let (executor, store, _, path) = try executor()
        defer { removeSQLiteFiles(path) }
        let auditor = Auditor(store: store, key: nil) { _, _, _ in }
        try await RemediationExecutor.setKillSwitch(true, store: store, by: "dana", reason: "storm", auditor: auditor)
        await executor.handle([StoredDecision(id: 1, decision: decision(DecidedAction(type: .triggerMessage, message: "Heartbeat")))])
        #expect(try await CommandStore(host: store).commands().first?.detail == "the kill switch is on (vigil remediation resume turns it off)")
        let entries = try await AuditStore(host: store).auditEntries(AuditQuery(kind: "operator"))
        #expect(entries.first?.record.actor == "dana" && entries.first?.record.action == "kill switch on")
    }

    /// Several nodes: a node that no longer holds the remediation role (another took it over
    /// while this one was paused) sends nothing and records no outcome for the command (that
    /// would move the deciding node's ladder on), and says so; a role it cannot read refuses the
    /// command like any unreadable gate.
    @Test func aNodeThatLostTheRemediationRoleSendsNothing() async throws {
        let (executor, store, collected, path) = try executor()
        defer { removeSQLiteFiles(path) }
        let holds = Mutex(true)
        struct Unreadable: Error {}
        let fails = Mutex(false)
        let lost = Mutex(0)
        await executor.setRoleCheck({
            if fails.withLock({ $0 }) { throw Unreadable() }
            return holds.withLock { $0 }
        }, onLost: { lost.withLock { $0 += 1 } })
        await executor.handle([StoredDecision(id: 1, decision: decision(DecidedAction(type: .reset, resetType: "soft")))])
        fails.withLock { $0 = true }
        await executor.handle([StoredDecision(id: 2, decision: decision(DecidedAction(type: .triggerMessage, message: "Heartbeat")))])
        fails.withLock { $0 = false }
        holds.withLock { $0 = false }
        let reportedBefore = collected.events.withLock { $0.count }
        await executor.handle([StoredDecision(id: 3, decision: decision(DecidedAction(type: .unlockConnector)))])
        let commands = try await CommandStore(host: store).commands()
        #expect(commands.map(\.status) == [.queued, .refused])
        #expect(commands[1].detail?.contains("cluster role gate cannot read its state") == true)
        #expect(lost.withLock { $0 } == 1)
        #expect(collected.events.withLock { $0.count } == reportedBefore)   // no commandResult fed back
        let entries = try await AuditStore(host: store).auditEntries(AuditQuery(kind: "system"))
        #expect(entries.contains { $0.record.outcome == "not sent" && $0.record.details.contains("no longer holds the remediation role") })
    }

    /// A queued reset that the gates refuse when its station comes back (a ground fault opened
    /// meanwhile): the rules hear of it with the decision's rung at once — the ladder does not
    /// wait on, where the station's own boot would have read as the reset verified — and the
    /// safety page goes out, as for a reset refused when decided.
    @Test func aQueuedResetRefusedOnReconnectReachesItsLadderAndPagesOnCall() async throws {
        let (executor, store, collected, path) = try executor()
        defer { removeSQLiteFiles(path) }
        let recorded = DecisionRecord(at: "2026-12-03T10:00:00.000Z", rule: "r", ruleHash: String(repeating: "a", count: 64), mode: "enforce",
                                      kind: "act", target: "CP-1/1", station: "CP-1", connector: 1, site: "north", rung: 2,
                                      action: "reset soft", eventIds: "e1", reason: "test", json: "{}")
        let id = try #require(try await DecisionStore(host: store).appendDecisions([recorded]).first)
        var queued = decision(DecidedAction(type: .reset, resetType: "soft"))
        queued.rung = 2
        await executor.handle([StoredDecision(id: id, decision: queued)])
        #expect(try await CommandStore(host: store).commands().map(\.status) == [.queued])
        collected.events.withLock { $0.removeAll() }
        _ = try await store.declareStation(id: "CP-1", site: "north")
        try await store.recordStatus(id: "CP-1", StatusReport(evse: 2, connector: 1, status: .faulted, errorCode: "GroundFailure", vendorId: nil,
                                                              vendorErrorCode: nil, info: nil, chargerTime: nil),
                                     now: "2026-12-03T10:01:00.000Z")
        await executor.sendQueued(to: "CP-1")
        let after = try await CommandStore(host: store).commands()
        #expect(after.map(\.status) == [.refused], "\(after)")
        let results = collected.events.withLock { $0 }.filter { $0.kind == .commandResult }
        #expect(results.count == 1)
        #expect(results.first?.fields["status"] == .string("Refused") && results.first?.fields["rung"] == .number(2))
        #expect(results.first?.fields["target"] == .string("CP-1/1") && results.first?.fields["rule"] == .string("r"))
        #expect(collected.alerts.withLock { $0 }.map(\.severity) == [.safety])
    }

    /// Two ladders of one station (a fault on each connector) decide resets moments apart: the
    /// second joins the first — already sent — instead of restarting the station again (and
    /// spending its budget); its verification lands on it. A hard one does not join a soft one,
    /// and a reset still queued (it may never go out) is joined by nothing.
    @Test func aSecondResetOfAStationWithinMomentsJoinsOneAlreadySent() async throws {
        let (executor, store, collected, path) = try executor()
        defer { removeSQLiteFiles(path) }
        let commands = CommandStore(host: store)
        let earlier = try #require(try await commands.insertCommand(
            NewCommand(decisionId: nil, rule: "other", station: "CP-1", connector: 1, site: "north", action: "reset", argument: "soft",
                       status: .accepted), now: RuleRunner.timestamp(Date())))
        await executor.handle([StoredDecision(id: 2, decision: decision(DecidedAction(type: .reset, resetType: "soft"), connector: 2))])
        await executor.handle([StoredDecision(id: 3, decision: decision(DecidedAction(type: .reset, resetType: "hard"), connector: 3))])
        await executor.handle([StoredDecision(id: 4, decision: decision(DecidedAction(type: .reset, resetType: "hard"), connector: 4))])
        let rows = try await commands.commands()
        #expect(rows.map(\.status) == [.accepted, .joined, .queued, .queued], "\(rows)")
        #expect(rows[1].detail?.hasPrefix("joined reset soft #\(earlier) of CP-1 (rule other, CP-1/1,") == true, "\(rows[1].detail ?? "")")
        let results = collected.events.withLock { $0 }.filter { $0.kind == .commandResult }
        #expect(results.map { $0.fields["status"] } == [.string("Joined")])
        #expect(results.first?.fields["target"] == .string("CP-1/2"))
        // The rung's verification is recorded on the joined command, not on another of the rule's.
        #expect(try await commands.lastCommand(rule: "r", station: "CP-1", connector: 2)?.status == .joined)
        #expect(try await commands.commandCount(station: "CP-1", actionPrefix: "reset", since: "2000-01-01T00:00:00Z") == 1,
                "only the reset that went out is spent")
    }

    /// A reset joined to one still on its way shares its fate: when that one fails, the joined
    /// ladder hears the same at once (it would otherwise take the station's own boot for a reset).
    @Test func aJoinedResetFailsWithTheResetItJoined() async throws {
        let (executor, store, collected, path) = try executor()
        defer { removeSQLiteFiles(path) }
        let commands = CommandStore(host: store)
        let earlier = try #require(try await commands.insertCommand(
            NewCommand(decisionId: nil, rule: "other", station: "CP-1", connector: 1, site: "north", action: "reset", argument: "soft",
                       status: .sent), now: RuleRunner.timestamp(Date())))
        await executor.handle([StoredDecision(id: 2, decision: decision(DecidedAction(type: .reset, resetType: "soft"), connector: 2))])
        #expect(try await commands.commands().map(\.status) == [.sent, .joined])
        await executor.failJoined(to: earlier, status: .rejected, word: "Rejected", detail: "busy")
        let joined = try await commands.commands()[1]
        #expect(joined.status == .rejected && joined.detail == "the reset it joined (#\(earlier)) was rejected: busy", "\(joined)")
        let results = collected.events.withLock { $0 }.filter { $0.kind == .commandResult }.map { $0.fields["status"] }
        #expect(results == [.string("Joined"), .string("Rejected")])
    }

    /// A queued reset is claimed before the gates: the expiry cannot take it meanwhile, and it is
    /// not counted against its own budget (with two resets spent of three, it may go).
    @Test func aQueuedResetIsClaimedAndNotItsOwnBudget() async throws {
        let (executor, store, _, path) = try executor()
        defer { removeSQLiteFiles(path) }
        let commands = CommandStore(host: store)
        for _ in 0..<2 {
            _ = try await commands.insertCommand(NewCommand(decisionId: nil, rule: "other", station: "CP-1", connector: 1, site: "north",
                                                            action: "reset", argument: "soft", status: .accepted),
                                                 now: RuleRunner.timestamp(Date().addingTimeInterval(-7_200)))
        }
        await executor.handle([StoredDecision(id: 1, decision: decision(DecidedAction(type: .reset, resetType: "soft")))])
        let queued = try #require(try await commands.commands().last)
        #expect(queued.status == .queued)
        await executor.sendQueued(to: "CP-1")
        let after = try #require(try await commands.command(id: queued.id))
        #expect(after.status == .notConnected, "\(after)")   // through the gates (no connection here): not refused by its own budget
        #expect(!(try await commands.claimQueued(id: queued.id, now: RuleRunner.timestamp(Date()))), "only a queued command is claimed")
    }

    @Test func queuedCommandsExpireOnRecord() async throws {
        let (executor, store, _, path) = try executor()
        defer { removeSQLiteFiles(path) }
        await executor.handle([StoredDecision(id: 1, decision: decision(DecidedAction(type: .reset, resetType: "soft")))])
        let row = try #require(try await CommandStore(host: store).commands().first)
        try await CommandStore(host: store).setCommandExpiry(id: row.id, "2000-01-01T00:00:00.000Z")
        await executor.expireQueue()
        #expect(try await CommandStore(host: store).commands().first?.status == .expired)
        let expired = try await AuditStore(host: store).auditEntries(AuditQuery(outcome: "expired"))
        #expect(expired.count == 1)
    }
}
