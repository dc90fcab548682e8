import Alerts
import Audit
@testable import CPMS
import Foundation
@testable import Remediation
@testable import RuleEngine
import Store
import StoreTesting
import Synchronization
import Testing
import VendorCatalog

/// The executor's safety invariants, whatever a rule says: no automatic reset of a station
/// with a never-reset fault open, no automatic command of any kind while the fleet breaker
/// holds (but the fail-safe disable), and every gate failing closed when its read fails.
@Suite struct ExecutorSafetyTests {
    /// A database whose reads fail while `failing` names a fragment of their SQL (and, when
    /// set, one of their arguments): a store failure injected into one gate at a time.
    final class Switch: Sendable {
        let failing = Mutex<(sql: String, argument: String?)?>(nil)
    }

    final class FailingDatabase: SQLDatabase {
        let inner: SQLiteDatabase
        let control: Switch
        init(_ inner: SQLiteDatabase, control: Switch) {
            self.inner = inner
            self.control = control
        }

        var location: String { inner.location }
        func execute(_ sql: String) throws { try inner.execute(sql) }
        func run(_ sql: String, _ values: [any SQLBindable]) throws { try check(sql, values); try inner.run(sql, values) }
        func rows(_ sql: String, _ values: [any SQLBindable]) throws -> [[SQLValue]] { try check(sql, values); return try inner.rows(sql, values) }
        func insert(_ sql: String, _ values: [any SQLBindable]) throws -> Int { try check(sql, values); return try inner.insert(sql, values) }
        func transaction<T>(_ body: () throws -> T) throws -> T { try inner.transaction(body) }
        var isInTransaction: Bool { inner.isInTransaction }
        func schemaVersion() throws -> Int { try inner.schemaVersion() }
        func setSchemaVersion(_ version: Int) throws { try inner.setSchemaVersion(version) }
        var engine: SQLEngine { inner.engine }
        func beginTransaction() throws { try inner.beginTransaction() }
        func commitTransaction() throws { try inner.commitTransaction() }
        func rollbackTransaction() { inner.rollbackTransaction() }

        func check(_ sql: String, _ values: [any SQLBindable]) throws {
            guard let failing = control.failing.withLock({ $0 }), sql.contains(failing.sql) else { return }
            if let argument = failing.argument, !values.contains(where: { $0.sqlValue == .text(argument) }) { return }
            throw SQLiteError(code: 10, message: "disk I/O error (injected)", sql: sql)
        }
    }

    final class Collected: Sendable {
        let alerts = Mutex<[AlertRequest]>([])
        let events = Mutex<[DomainEvent]>([])
        let resolved = Mutex<[(rule: String, target: String, text: String?)]>([])
    }

    struct Fixture {
        let executor: RemediationExecutor
        let store: StationStore
        let collected: Collected
        let control: Switch
        let path: String
    }

    static let catalog: VendorCatalog = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? VendorCatalog.load(directory: root.appendingPathComponent("VendorCodes").path)) ?? VendorCatalog(vendors: [])
    }()

    func fixture(stations: Int = 1) async throws -> Fixture {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-safety-\(UUID().uuidString).sqlite").path
        let control = Switch()
        let store = try StationStore(database: FailingDatabase(try SQLiteDatabase(path: path), control: control))
        for number in 1...stations { _ = try await store.declareStation(id: "CP-\(number)", site: "north") }
        let collected = Collected()
        let auditor = Auditor(store: store, key: Array("k".utf8)) { _, _, _ in }
        let executor = RemediationExecutor(store: store, commands: CommandService(connections: ConnectionRegistry()), auditor: auditor,
                                           catalog: Self.catalog, log: { _, _, _ in },
                                           feedback: { event in collected.events.withLock { $0.append(event) } },
                                           alerts: RecordingAlerts(record: { request in collected.alerts.withLock { $0.append(request) } },
                                                                   resolved: { rule, target, text in
                                                                       collected.resolved.withLock { $0.append((rule, target, text)) }
                                                                   }))
        return Fixture(executor: executor, store: store, collected: collected, control: control, path: path)
    }

    func decision(_ action: DecidedAction, station: String = "CP-1", connector: Int? = 1, rung: Int = 0) -> Decision {
        Decision(time: Date(), rule: "careless", ruleHash: String(repeating: "a", count: 64), mode: .enforce, kind: .act,
                 target: RuleTarget(key: connector.map { "\(station)/\($0)" } ?? station, station: station, connector: connector, site: "north"),
                 rung: rung, action: action, eventIds: ["e1"], reason: "test")
    }

    func fault(_ store: StationStore, station: String = "CP-1", connector: Int, code: String, vendorErrorCode: String? = nil) async throws {
        try await store.recordStatus(id: station, StatusReport(evse: connector, connector: 1, status: .faulted, errorCode: OCPPErrorCode(code), vendorId: nil,
                                                               vendorErrorCode: vendorErrorCode, info: nil, chargerTime: nil),
                                     now: "2026-12-03T10:00:00.000Z")
    }

    @Test func aStationWithAnOpenGroundFaultIsNeverResetAndOnCallHearsOnce() async throws {
        let f = try await fixture()
        defer { removeSQLiteFiles(f.path) }
        // The ground fault is on connector 2; a careless rule resets the station for connector 1's InternalError.
        try await fault(f.store, connector: 2, code: "GroundFailure")
        try await fault(f.store, connector: 1, code: "InternalError")
        for id in 1...2 {
            await f.executor.handle([StoredDecision(id: id, decision: decision(DecidedAction(type: .reset, resetType: id == 1 ? "hard" : "soft")))])
        }
        let commands = try await CommandStore(host: f.store).commands()
        #expect(commands.map(\.status) == [.refused, .refused])
        #expect(commands[0].detail?.contains("CP-1 has Generic OCPP GroundFailure open on connector 2") == true)
        #expect(commands[0].detail?.hasSuffix("never reset automatically") == true)
        let safety = f.collected.alerts.withLock { $0 }.filter { $0.severity == .safety }
        #expect(safety.count == 1)
        #expect(safety.first?.title == "Automatic reset hard of CP-1 refused: open safety fault")
        // The ladder hears it at once, with the reason.
        let results = f.collected.events.withLock { $0 }.filter { $0.kind == .commandResult }
        #expect(results.map { $0.fields["status"] } == [.string("Refused"), .string("Refused")])
        #expect(results.first?.fields["target"] == .string("CP-1/1") && results.first?.fields["rung"] == .number(0))
        let audited = try await AuditStore(host: f.store).auditEntries(AuditQuery(outcome: "refused"))
        #expect(audited.count == 2)
    }

    @Test func aGroundFaultOnTheTargetConnectorTakesItOutOfServiceInstead() async throws {
        let f = try await fixture()
        defer { removeSQLiteFiles(f.path) }
        try await fault(f.store, connector: 1, code: "GroundFailure")
        await f.executor.handle([StoredDecision(id: 1, decision: decision(DecidedAction(type: .reset, resetType: "hard", allowDuringSession: true)))])
        let commands = try await CommandStore(host: f.store).commands()
        #expect(commands.map(\.action) == ["reset", "disableConnector"])
        #expect(commands.map(\.status) == [.refused, .queued])
    }

    @Test func theFaultClosesWhenTheConnectorIsUsableAgainNotWhenVigilDisabledIt() async throws {
        let f = try await fixture()
        defer { removeSQLiteFiles(f.path) }
        try await fault(f.store, connector: 1, code: "GroundFailure")
        func report(_ status: ConnectorStatus) async throws {
            try await f.store.recordStatus(id: "CP-1", StatusReport(evse: 1, connector: 1, status: status, errorCode: "NoError", vendorId: nil,
                                                                    vendorErrorCode: nil, info: nil, chargerTime: nil), now: "2026-12-03T10:01:00.000Z")
        }
        try await report(.unavailable)
        #expect(try await f.store.openFaults(station: "CP-1").map(\.code) == ["GroundFailure"])
        try await report(.available)
        #expect(try await f.store.openFaults(station: "CP-1").isEmpty)
        await f.executor.handle([StoredDecision(id: 1, decision: decision(DecidedAction(type: .reset, resetType: "soft")))])
        #expect(try await CommandStore(host: f.store).commands().map(\.status) == [.queued])
    }

    /// A careless "disable every fault" rule on a station-level fault (1.6 connector 0) would
    /// take the whole station out of service: refused unless a safety fault is open there; and no
    /// enable puts a connector with a ground fault (or, naming none, its station) back in service.
    @Test func aStationWideDisableOnlyForASafetyFaultAndNoEnableOverOne() async throws {
        let f = try await fixture(stations: 2)
        defer { removeSQLiteFiles(f.path) }
        await f.executor.handle([StoredDecision(id: 1, decision: decision(DecidedAction(type: .disableConnector), connector: nil))])
        await f.executor.handle([StoredDecision(id: 2, decision: decision(DecidedAction(type: .disableConnector), connector: 0))])
        await f.executor.handle([StoredDecision(id: 3, decision: decision(DecidedAction(type: .enableConnector), connector: 1))])
        var commands = try await CommandStore(host: f.store).commands()
        #expect(commands.map(\.status) == [.refused, .refused, .queued], "\(commands)")
        #expect(commands.first?.detail?.hasPrefix("the disable names no connector, so it would take all of CP-1 out of service") == true)
        let results = f.collected.events.withLock { $0 }.filter { $0.kind == .commandResult }
        #expect(results.map { $0.fields["status"] } == [.string("Refused"), .string("Refused")])
        try await fault(f.store, station: "CP-2", connector: 2, code: "GroundFailure")
        for (id, connector, type) in [(4, nil, ActionType.disableConnector), (5, 1, .enableConnector), (6, 2, .enableConnector),
                                      (7, nil, .enableConnector), (8, 3, .disableConnector)] as [(Int, Int?, ActionType)] {
            await f.executor.handle([StoredDecision(id: id, decision: decision(DecidedAction(type: type), station: "CP-2", connector: connector))])
        }
        commands = Array(try await CommandStore(host: f.store).commands().dropFirst(3))
        // The station-wide disable fails safe; enabling connector 1 is fine; connector 2 or the whole station is not.
        #expect(commands.map(\.status) == [.queued, .queued, .refused, .refused, .queued], "\(commands)")
        #expect(commands[2].detail?.hasPrefix("an enable would put CP-2 connector 2 back in service while CP-2 has Generic OCPP GroundFailure open on connector 2") == true,
                "\(commands[2].detail ?? "")")
    }

    /// A command the breaker held whose ladder cannot pause for it (its rung has no `verify`,
    /// so the ladder moved on): kept, and at the hold's end sent — unless its connector has
    /// reported a status in service since. One with a `verify` is left to its paused ladder.
    @Test func aHeldCommandWhoseLadderMovedOnIsDecidedAtTheHoldsEnd() async throws {
        let f = try await fixture(stations: 10)
        defer { removeSQLiteFiles(f.path) }
        for number in 1...6 {
            await f.executor.observe(DomainEvent(id: "f\(number)", kind: .statusChanged, time: Date(), station: "CP-\(number)", connector: 1,
                                                 site: "north", fields: ["to": .string("Faulted"), "ocppErrorCode": .string("InternalError")]))
        }
        var verified = DecidedAction(type: .reset, resetType: "soft")
        verified.verifyUntil = Date().addingTimeInterval(300)
        await f.executor.handle([StoredDecision(id: 1, decision: decision(DecidedAction(type: .disableConnector), station: "CP-1")),
                                 StoredDecision(id: 2, decision: decision(DecidedAction(type: .disableConnector), station: "CP-2")),
                                 StoredDecision(id: 3, decision: decision(verified, station: "CP-3"))])
        #expect(try await CommandStore(host: f.store).commands().map(\.status) == [.held, .held, .held])
        let kept = await f.executor.heldForRelease
        #expect(kept.map { $0.decision.target.station } == ["CP-1", "CP-2"])
        try await f.store.recordStatus(id: "CP-2", StatusReport(evse: 1, connector: 1, status: .available, errorCode: "NoError", vendorId: nil,
                                                                vendorErrorCode: nil, info: nil, chargerTime: nil), now: "2026-12-03T10:05:00.000Z")
        // Decided while the storm still counts: CP-1 (still faulted) is held again for the next end;
        // CP-2, back in service, is not sent at all.
        await f.executor.releaseHeld()
        let commands = try await CommandStore(host: f.store).commands()
        #expect(commands.map(\.status) == [.held, .held, .held], "\(commands)")
        #expect(commands[0].detail?.hasPrefix("held again: the fleet breaker holds") == true, "\(commands[0].detail ?? "")")
        #expect(commands[1].detail == "held until the fleet hold ended; not sent: the connector reported Available since")
        #expect(await f.executor.heldForRelease.map { $0.decision.target.station } == ["CP-1"])
    }

    /// At the hold's real end (the storm's faults out of the window), a kept command for a
    /// station that is offline then is queued for it — not spent as "not connected".
    @Test func aKeptCommandForAnOfflineStationIsQueuedAtTheHoldsEnd() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-release-\(UUID().uuidString).sqlite").path
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        for number in 1...10 { _ = try await store.declareStation(id: "CP-\(number)", site: "north") }
        let now = Mutex(Date())
        let executor = RemediationExecutor(store: store, commands: CommandService(connections: ConnectionRegistry()),
                                           auditor: Auditor(store: store, key: Array("k".utf8)) { _, _, _ in }, catalog: Self.catalog,
                                           clock: { now.withLock { $0 } }, log: { _, _, _ in }, feedback: { _ in },
                                           alerts: RecordingAlerts { _ in })
        for number in 1...6 {
            await executor.observe(DomainEvent(id: "f\(number)", kind: .statusChanged, time: now.withLock { $0 }, station: "CP-\(number)", connector: 1,
                                               site: "north", fields: ["to": .string("Faulted"), "ocppErrorCode": .string("InternalError")]))
        }
        await executor.handle([StoredDecision(id: 1, decision: decision(DecidedAction(type: .disableConnector), station: "CP-1"))])
        #expect(try await CommandStore(host: store).commands().map(\.status) == [.held])
        now.withLock { $0 = $0.addingTimeInterval(16 * 60) }   // the storm's faults are out of the window
        await executor.releaseHeld()
        let command = try #require(try await CommandStore(host: store).commands().first)
        #expect(command.status == .queued && command.expiresAt != nil, "\(command)")
        #expect(command.detail == "held until the fleet hold ended; CP-1 is not connected: queued until it reconnects")
    }

    /// The hold's page never counts more stations faulted than known: stations that fault during
    /// the hold without being in the registry yet still count as known.
    @Test func theHoldsPageNeverSaysMoreFaultedThanKnown() async throws {
        let f = try await fixture(stations: 10)
        defer { removeSQLiteFiles(f.path) }
        for number in 1...12 {
            await f.executor.observe(DomainEvent(id: "f\(number)", kind: .statusChanged, time: Date(), station: "CP-\(number)", connector: 1,
                                                 site: "north", fields: ["to": .string("Faulted"), "ocppErrorCode": .string("InternalError")]))
        }
        let page = try #require(f.collected.alerts.withLock { $0 }.last { $0.rule == "fleet-breaker" })
        #expect(page.title.hasPrefix("12 of 12 stations faulted"), "\(page.title)")
    }

    @Test func aFaultStormHoldsEveryAutomaticCommandButTheSafeDisable() async throws {
        let f = try await fixture(stations: 10)
        defer { removeSQLiteFiles(f.path) }
        for number in 1...6 {
            await f.executor.observe(DomainEvent(id: "f\(number)", kind: .statusChanged, time: Date(), station: "CP-\(number)", connector: 1,
                                                 site: "north", fields: ["to": .string("Faulted"), "ocppErrorCode": .string("InternalError")]))
        }
        let hold = f.collected.events.withLock { $0 }.filter { $0.kind == .hold }
        #expect(hold.count == 1 && hold.first?.fields["active"] == .bool(true))
        let actions: [DecidedAction] = [DecidedAction(type: .reset, resetType: "soft"), DecidedAction(type: .disableConnector),
                                        DecidedAction(type: .enableConnector), DecidedAction(type: .unlockConnector)]
        for (offset, action) in actions.enumerated() {
            await f.executor.handle([StoredDecision(id: offset + 1, decision: decision(action, station: "CP-\(offset + 1)"))])
        }
        // Each ladder's own page folds into the breaker's one grouped alert.
        await f.executor.handle([StoredDecision(id: 9, decision: decision(DecidedAction(type: .alert, route: "oncall", severity: "major",
                                                                                        title: "CP-1 connector 1 stuck", text: "…")))])
        // The same ladder held again (its rung re-decided while the hold lasts) is one entry.
        await f.executor.handle([StoredDecision(id: 5, decision: decision(actions[0], station: "CP-1"))])
        var safeDisable = DecidedAction(type: .disableConnector)
        safeDisable.neverReset = true
        await f.executor.handle([StoredDecision(id: 10, decision: decision(safeDisable, station: "CP-6"))])
        let commands = try await CommandStore(host: f.store).commands()
        #expect(commands.prefix(5).map(\.status) == [.held, .held, .held, .held, .held])
        #expect(commands.last?.status == .queued && commands.last?.action == "disableConnector")
        // A careless rule's minor page about a ground fault is a safety page all the same: not folded.
        var groundFault = DecidedAction(type: .alert, route: "oncall", severity: "minor", title: "CP-3 connector 1 faulted", text: "…")
        groundFault.catalogueSeverity = "safety"
        await f.executor.handle([StoredDecision(id: 12, decision: decision(groundFault, station: "CP-3"))])
        #expect(f.collected.alerts.withLock { $0 }.contains { $0.title == "CP-3 connector 1 faulted" })
        // As the shipped catalogue classes a ground fault: `major`, never reset — not folded either.
        var shippedGroundFault = DecidedAction(type: .alert, route: "oncall", severity: "minor", title: "CP-4/1 ground fault", text: "…")
        shippedGroundFault.catalogueSeverity = "major"
        shippedGroundFault.neverReset = true
        await f.executor.handle([StoredDecision(id: 13, decision: decision(shippedGroundFault, station: "CP-4"))])
        #expect(f.collected.alerts.withLock { $0 }.contains { $0.title == "CP-4/1 ground fault" })
        // A fraud page is not about the storm: it goes out on its own route.
        var fraudPage = DecidedAction(type: .alert, route: "fraud", severity: "major", title: "token probing at CP-7", text: "…")
        fraudPage.trigger = .fraudSuspected
        await f.executor.handle([StoredDecision(id: 11, decision: decision(fraudPage, station: "CP-7"))])
        let fraudAlerts = f.collected.alerts.withLock { $0 }.filter { $0.route == "fraud" }
        #expect(fraudAlerts.map(\.title) == ["token probing at CP-7"])
        let alerts = f.collected.alerts.withLock { $0 }.filter { $0.route != "fraud" && !["CP-3 connector 1 faulted", "CP-4/1 ground fault"].contains($0.title) }
        #expect(Set(alerts.map(\.rule)) == ["fleet-breaker"])
        #expect(alerts.last?.text.contains("Held: reset soft CP-1/1 (rule careless); disableConnector CP-2/1") == true)
        #expect(alerts.last?.text.contains("alert \"CP-1 connector 1 stuck\"") == true)
        #expect(alerts.last?.text.components(separatedBy: "reset soft CP-1/1 (rule careless)").count == 2, "listed once")
        let results = f.collected.events.withLock { $0 }.filter { $0.kind == .commandResult }
        #expect(results.count == 5 && results.allSatisfy { $0.fields["status"] == .string("Held") && $0.fields["until"] != nil })
        // The release: on-call hears it on the same alert, with what happens to what was held.
        await f.executor.endHold(at: Date())
        let released = f.collected.resolved.withLock { $0 }
        #expect(released.map(\.rule) == ["fleet-breaker"] && released.first?.target == "fleet")
        #expect(released.first?.text?.contains("command(s) and alert(s) were held. Held commands now go out only where their fault is still there") == true)
        #expect(f.collected.events.withLock { $0 }.last { $0.kind == .hold }?.fields["active"] == .bool(false))
    }

    /// Each gate, its store read failing: the command is refused, audited, and the gate alerted once.
    @Test(arguments: [
        ("kill switch", "FROM settings WHERE key", Optional("remediation.paused")),
        ("open faults", "FROM open_faults", nil),
        ("live session", "FROM sessions AS s WHERE s.station", nil),
        ("reboot-loop breaker", "FROM settings WHERE key", Optional("breaker.CP-1")),
        ("reset budget", "SELECT count(*) FROM remediation_commands", nil),
    ])
    func everyGateFailsClosed(gate: String, sql: String, argument: String?) async throws {
        let f = try await fixture()
        defer { removeSQLiteFiles(f.path) }
        try await fault(f.store, connector: 1, code: "InternalError")
        f.control.failing.withLock { $0 = (sql, argument) }
        for id in 1...2 {
            await f.executor.handle([StoredDecision(id: id, decision: decision(DecidedAction(type: .reset, resetType: "soft")))])
        }
        f.control.failing.withLock { $0 = nil }
        let commands = try await CommandStore(host: f.store).commands()
        #expect(commands.map(\.status) == [.refused, .refused])
        #expect(commands.first?.detail?.hasPrefix("the \(gate) gate cannot read its state") == true)
        #expect(commands.first?.detail?.hasSuffix("failing closed: not sent") == true)
        let pages = f.collected.alerts.withLock { $0 }.filter { $0.rule == "gate-unreadable" }
        #expect(pages.map(\.target) == [gate])
        #expect(try await AuditStore(host: f.store).auditEntries(AuditQuery(outcome: "refused")).count == 2)
    }
}

/// On-call hears the truth: an alert names the station's model, site and connector state and
/// what was tried, and is updated at once when a command's outcome arrives after it went out.
@Suite struct ExecutorAlertTests {
    @Test func anAlertIsUpdatedWhenTheStationsAnswerArrivesLater() async throws {
        let safety = ExecutorSafetyTests()
        let f = try await safety.fixture()
        defer { removeSQLiteFiles(f.path) }
        _ = try await f.store.recordBoot(id: "CP-1", vendor: "ABB", model: "Terra AC", serial: nil, firmware: "1.0", ocppVersion: "ocpp1.6",
                                         reason: nil, registrationForUnknown: "accepted", now: "2026-12-03T10:00:00.000Z")
        try await safety.fault(f.store, connector: 1, code: "InternalError")
        let disable = safety.decision(DecidedAction(type: .disableConnector))
        let commandId = try #require(try await CommandStore(host: f.store).insertCommand(
            NewCommand(decisionId: nil, rule: "careless", station: "CP-1", connector: 1, site: "north",
                                    action: "disableConnector", argument: nil, status: .pending), now: "2026-12-03T10:00:01.000Z"))
        await f.executor.handle([StoredDecision(id: 2, decision: safety.decision(
            DecidedAction(type: .alert, route: "oncall", severity: "safety", title: "CP-1 connector 1 out of service", text: "Ground fault.")))])
        let first = try #require(f.collected.alerts.withLock { $0 }.last)
        #expect(first.text.contains("Station: CP-1, ABB Terra AC, site north"))
        #expect(first.text.contains("Connector 1: Faulted — not usable by drivers now."))
        #expect(first.text.contains("disableConnector at 2026-12-03T10:00:01.000Z → pending"))
        #expect(!first.outcomeChanged)
        // The station answers (here: it went away) after the page: the same alert is updated at once.
        await f.executor.send(id: commandId, command: .changeAvailability(evse: 1, operative: false), action: DecidedAction(type: .disableConnector),
                              decision: disable, decisionId: nil)
        let updated = try #require(f.collected.alerts.withLock { $0 }.last)
        #expect(updated.outcomeChanged && updated.title == first.title)
        #expect(updated.text.contains("disableConnector at 2026-12-03T10:00:01.000Z → notConnected (the station went away before it answered)"))
    }
}

/// The rule runner fails closed on its own memory: a saved state it cannot read from the store
/// stops it from starting (it would forget cooldowns, attempts, budgets and held ladders).
@Suite struct RuleRunnerStateTests {
    @Test func aStoreThatCannotReadTheSavedStateStopsTheStart() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-state-\(UUID().uuidString).sqlite").path
        defer { removeSQLiteFiles(path) }
        let control = ExecutorSafetyTests.Switch()
        let store = try StationStore(database: ExecutorSafetyTests.FailingDatabase(try SQLiteDatabase(path: path), control: control))
        let set = try #require(try? RuleSet.load(files: [("r.yaml", "- id: r\n  when: { event: heartbeat }\n  then:\n    - alert: { route: oncall }\n")]).get())
        control.failing.withLock { $0 = ("FROM rule_state", nil) }
        await #expect(throws: RuleRunner.StateUnreadable.self) {
            _ = try await RuleRunner(ruleSet: set, catalog: nil, store: store, events: EventLog(store: store), log: { _, _, _ in })
        }
        control.failing.withLock { $0 = nil }
        _ = try await RuleRunner(ruleSet: set, catalog: nil, store: store, events: EventLog(store: store), log: { _, _, _ in })   // readable (empty): starts
    }
}
