import Billing
import CPMS
import Foundation
import StoreTesting
import Testing
@testable import vigil

/// Serve's billing wiring (`ServeCommand.startBilling`): tariff versions stored at start, the
/// start-up sweep pricing a session that ended while serve was down, and no task at all
/// without tariffs (a background task that returns would stop serve).
@Suite(.timeLimit(.minutes(1))) struct ServeBillingTests {
    static let config = """
        tariffs:
          - {id: standard, currency: EUR, vatPercent: 19, bands: [{energyPerKWh: 0.40}]}
        """
    static let commands = CommandService(connections: ConnectionRegistry())

    @Test func aSessionThatEndedWhileServeWasDownIsPricedAtStartUp() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-serve-billing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let configPath = directory.appendingPathComponent("vigil.yaml").path, db = directory.appendingPathComponent("vigil.sqlite").path
        try Self.config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let serve = try ServeCommand(arguments: ["--config", configPath, "--db", db], environment: [:])
        let store = try StationStore(path: db)
        _ = try await store.declareStation(id: "CP-1")

        // The first start stores version 1 (valid from now).
        _ = try await serve.startBilling(store: store, events: EventLog(store: store), commands: Self.commands)
        #expect(try await BillingStore(host: store).versions().map(\.version) == [1])

        // Serve is down; a session that started after that ends (its CDR was never written).
        let start = UTCTimestampText.now(plusSeconds: 60), stop = UTCTimestampText.now(plusSeconds: 3_660)
        let id = try await store.startSession(station: "CP-1", evse: 1, connector: 1, transactionRef: nil, idToken: "CARD",
                                              authorization: "accepted", startTime: start, meterStartWh: 0, now: start)
        try await store.stopSession(id: id, stopTime: stop, meterStopWh: 10_000, reason: "Local", now: stop)
        #expect(try await BillingStore(host: store).cdr(session: id) == nil)

        // The next start: no new version (unchanged), and the sweep prices the session first thing.
        let events = EventLog(store: store)
        let started = try #require(try await serve.startBilling(store: store, events: events, commands: Self.commands))
        #expect(try await BillingStore(host: store).versions().count == 1)
        // What a 2.0.1 station is told at the end (TransactionEvent totalCost): the CDR's gross.
        #expect(await started.service.quote(session: id) == 4.76)
        let task = started.task
        let running = Task { await task() }
        var cdr: StoredCDR?
        for _ in 0..<100 where cdr == nil {
            cdr = try await BillingStore(host: store).cdr(session: id)
            if cdr == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        events.finish()
        await running.value
        // 10 kWh × 0.40 = 4.00; VAT 19 % = 0.76.
        #expect(cdr?.record.gross == 476)
    }

    @Test func withoutTariffsThereIsNoBillingTask() async throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-serve-nobilling-\(UUID().uuidString).sqlite").path
        defer { removeSQLiteFiles(db) }
        let serve = try ServeCommand(arguments: ["--db", db], environment: [:])
        let store = try StationStore(path: db)
        #expect(try await serve.startBilling(store: store, events: EventLog(store: store), commands: Self.commands) == nil)
    }
}

/// RFC 3339 UTC text a number of seconds from now.
enum UTCTimestampText {
    static func now(plusSeconds seconds: Double) -> String { Instant.format(Int((Date().timeIntervalSince1970 + seconds) * 1_000)) }
}
