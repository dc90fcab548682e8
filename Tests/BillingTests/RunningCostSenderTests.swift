import CPMS
import DomainEvents
import Foundation
import OCPP
import StoreTesting
import Synchronization
import Testing
@testable import Billing

/// The running cost over real sockets: a priced 2.0.1 session's TransactionEvent Updated is
/// answered first, then the station gets `CostUpdated` with what the CDR would say so far — at
/// most once per interval; a station that does not take CostUpdated is left alone for the rest
/// of the session, and 1.6 stations never get one.
@Suite(.timeLimit(.minutes(1))) struct RunningCostSenderTests {
    static let eur = Currency(code: "EUR")!
    static func at(_ minutes: Int64) -> OCPPDateTime { OCPPDateTime(secondsSinceEpoch: 1_795_000_000 + minutes * 60) }

    /// A store with CS-1 (2.0.1, EVSE 1 declared CCS2) and CP-16 (1.6) at site north, the tariffs
    /// north-dc (CCS2, 0.60/kWh) and north (0.40/kWh), VAT 19 %, in force since before the sessions.
    static func withBilling(_ body: (StationStore, BillingService) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-running-cost-\(UUID().uuidString).sqlite").path
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        _ = try await store.declareStation(id: "CS-1", site: "north")
        _ = try await store.declareStation(id: "CP-16", site: "north")
        try await store.replaceConnectorTypes([ConnectorTypeAssignment(station: "CS-1", evse: 1, type: .cCCS2)])
        let billing = BillingService(store: store)
        let tariffs = [Tariff(id: "north-dc", site: "north", connectorType: "cCCS2", currency: eur, vatMicroPercent: 19_000_000,
                              bands: [TariffBand(energyPerKWh: try Money.parse("0.60"))]),
                       Tariff(id: "north", site: "north", currency: eur, vatMicroPercent: 19_000_000,
                              bands: [TariffBand(energyPerKWh: try Money.parse("0.40"))])]
        _ = try await billing.billing.recordVersions(of: tariffs, now: Int(at(-60).secondsSinceEpoch) * 1_000)
        try await body(store, billing)
    }

    static func event(_ type: V201.TransactionEventEnumType, wh: Double, minute: Int64, seqNo: Int) -> V201.TransactionEventRequest {
        V201.TransactionEventRequest(eventType: type,
                                     meterValue: [V201.MeterValueType(sampledValue: [V201.SampledValueType(value: wh, measurand: .energyActiveImportRegister)],
                                                                      timestamp: at(minute))],
                                     timestamp: at(minute), triggerReason: type == .updated ? .meterValuePeriodic : .cablePluggedIn, seqNo: seqNo,
                                     transactionInfo: V201.TransactionType(transactionId: "tx-1", stoppedReason: type == .ended ? .local : nil),
                                     evse: type == .started ? V201.EVSEType(id: 1, connectorId: 1) : nil)
    }

    /// A clock the test moves.
    final class TestClock: Sendable {
        let instant = Mutex(ContinuousClock.now)
        func advance(_ by: Duration) { instant.withLock { $0 = $0 + by } }
        var now: ContinuousClock.Instant { instant.withLock { $0 } }
    }

    /// The text frames a charger received.
    final class Frames: Sendable {
        let lines = Mutex<[String]>([])
    }

    @Test func aPricedSessionGetsItsRunningCostAfterTheAnswerAtMostOncePerInterval() async throws {
        try await Self.withBilling { store, billing in
            let registry = ConnectionRegistry(), clock = TestClock()
            let sender = RunningCostSender(billing: billing, commands: CommandService(connections: registry), interval: .seconds(300),
                                           now: { clock.now })
            var stations = StationHandlers(store: store, policy: .accept, heartbeatInterval: 300, clock: { Self.at(0) })
            stations.runningSessionUpdated = { sender.observe($0) }
            stations.finalCost = { await billing.quote(session: $0) }
            let (outcomes, reported) = AsyncStream.makeStream(of: RunningCostSender.Outcome.self)
            let (costs, costReceived) = AsyncStream.makeStream(of: JSONObject.self)
            let frames = Frames()
            async let sending: Void = sender.run { _, outcome in reported.yield(outcome) }
            var seen = outcomes.makeAsyncIterator()
            try await withCSMS(stations, registry: registry) { port in
                let (charger, running) = try await connectCharger(
                    port: port, id: "CS-1", version: .v201,
                    handlers: ["CostUpdated": { payload, _ in costReceived.yield(payload); return JSONObject() }],
                    frames: { text in frames.lines.withLock { $0.append(text) } })
                var received = costs.makeAsyncIterator()
                _ = try await charger.call(Self.event(.started, wh: 1_000, minute: 0, seqNo: 0))
                // Nothing delivered yet: nothing to show, and the claim is given back.
                _ = try await charger.call(Self.event(.updated, wh: 1_000, minute: 5, seqNo: 1))
                #expect(await seen.next() == .noPrice)
                // 10 minutes in: 5 kWh × 0.60 (the CCS2 tariff) = 3.00, VAT 0.57: 3.57.
                _ = try await charger.call(Self.event(.updated, wh: 6_000, minute: 10, seqNo: 2))
                #expect(await received.next() == JSONObject([("totalCost", .decimal(3.57)), ("transactionId", .string("tx-1"))]))
                // Within the interval: none.
                _ = try await charger.call(Self.event(.updated, wh: 11_000, minute: 20, seqNo: 3))
                clock.advance(.seconds(300))
                // 15 kWh: 9.00 + 1.71 = 10.71. Had the one at minute 20 gone, it would have come first.
                _ = try await charger.call(Self.event(.updated, wh: 16_000, minute: 30, seqNo: 4))
                #expect(await received.next() == JSONObject([("totalCost", .decimal(10.71)), ("transactionId", .string("tx-1"))]))
                // The end is answered with the total, as before: 20 kWh, 12.00 + 2.28.
                let ended = try await charger.call(Self.event(.ended, wh: 21_000, minute: 40, seqNo: 5))
                #expect(ended.totalCost == 14.28)
                await charger.socket.close()
                await running.value
            }
            sender.finish()
            await sending
            reported.finish()
            var rest: [RunningCostSender.Outcome] = []
            while let outcome = await seen.next() { rest.append(outcome) }
            #expect(rest == [.sent(totalCost: 3.57), .sent(totalCost: 10.71)])
            // On the wire: each CostUpdated CALL came after the answer (CALLRESULT) to the report that caused it.
            let log = frames.lines.withLock { $0 }
            let calls = log.indices.filter { log[$0].contains("\"CostUpdated\"") }
            #expect(calls.count == 2)
            #expect(log[calls[0]].hasSuffix(#","CostUpdated",{"totalCost":3.57,"transactionId":"tx-1"}]"#))
            #expect(log[calls[0] - 1].hasPrefix("[3,"))
            #expect(log[..<calls[0]].filter { $0.hasPrefix("[3,") }.count == 3)   // Started and the first two Updated answered
        }
    }

    /// Updated and Ended back to back (a charger's burst): the running cost of a transaction
    /// whose Ended has begun is not sent — it would reach the charger after it closed it.
    @Test func noRunningCostFollowsTheEndOfItsTransaction() async throws {
        try await Self.withBilling { store, billing in
            let registry = ConnectionRegistry(), clock = TestClock()
            let sender = RunningCostSender(billing: billing, commands: CommandService(connections: registry), interval: .seconds(300),
                                           now: { clock.now })
            var stations = StationHandlers(store: store, policy: .accept, heartbeatInterval: 300, clock: { Self.at(0) })
            stations.finalCost = { await billing.quote(session: $0) }
            let ending = Mutex<[String]>([])
            stations.transactionEnding = { station, transaction in
                ending.withLock { $0.append("\(station)|\(transaction)") }
                sender.transactionEnding(station: station, transactionId: transaction)
            }
            // The running cost is priced only once the Ended has begun (not stored yet): the order a
            // burst can produce.
            let held = Mutex<[RunningSessionUpdate]>([])
            stations.runningSessionUpdated = { update in held.withLock { $0.append(update) } }
            let frames = Frames()
            try await withCSMS(stations, registry: registry) { port in
                let (charger, running) = try await connectCharger(
                    port: port, id: "CS-1", version: .v201, handlers: ["CostUpdated": { _, _ in JSONObject() }],
                    frames: { text in frames.lines.withLock { $0.append(text) } })
                _ = try await charger.call(Self.event(.started, wh: 1_000, minute: 0, seqNo: 0))
                _ = try await charger.call(Self.event(.updated, wh: 6_000, minute: 10, seqNo: 1))
                let update = try #require(held.withLock { $0.first })
                sender.transactionEnding(station: "CS-1", transactionId: "tx-1")   // as the Ended's handling begins
                #expect(await sender.send(update) == .noPrice)
                // The handler tells of an Ended as it begins.
                _ = try await charger.call(Self.event(.ended, wh: 7_000, minute: 11, seqNo: 2))
                #expect(ending.withLock { $0 } == ["CS-1|tx-1"])
                await charger.socket.close()
                await running.value
            }
            #expect(!frames.lines.withLock { $0 }.contains { $0.contains("\"CostUpdated\"") })
        }
    }

    @Test func aStationWithoutCostUpdatedIsLeftAloneAndA16StationNeverGetsOne() async throws {
        try await Self.withBilling { store, billing in
            let registry = ConnectionRegistry(), clock = TestClock()
            let commands = CommandService(connections: registry)
            let sender = RunningCostSender(billing: billing, commands: commands, interval: .seconds(300), now: { clock.now })
            var stations = StationHandlers(store: store, policy: .accept, heartbeatInterval: 300, clock: { Self.at(0) })
            stations.runningSessionUpdated = { sender.observe($0) }
            let (outcomes, reported) = AsyncStream.makeStream(of: RunningCostSender.Outcome.self)
            async let sending: Void = sender.run { _, outcome in reported.yield(outcome) }
            var seen = outcomes.makeAsyncIterator()
            try await withCSMS(stations, registry: registry) { port in
                // No handler: the charger answers CostUpdated with NotImplemented.
                let (charger, running) = try await connectCharger(port: port, id: "CS-1", version: .v201)
                _ = try await charger.call(Self.event(.started, wh: 1_000, minute: 0, seqNo: 0))
                _ = try await charger.call(Self.event(.updated, wh: 6_000, minute: 10, seqNo: 1))
                let first = await seen.next()
                guard case .notTaken(3.57, let outcome)? = first else { Issue.record("\(String(describing: first))"); return }
                #expect(outcome.isUnsupported)
                clock.advance(.seconds(600))
                _ = try await charger.call(Self.event(.updated, wh: 11_000, minute: 20, seqNo: 2))   // not asked again

                let (old, oldRunning) = try await connectCharger(port: port, id: "CP-16", version: .v16)
                let start = try await old.call(V16.StartTransactionRequest(connectorId: 1, idTag: "CARD", meterStart: 0, timestamp: Self.at(0)))
                _ = try await old.call(V16.MeterValuesRequest(connectorId: 1, transactionId: start.transactionId, meterValue: [
                    V16.MeterValuesRequest.MeterValue(timestamp: Self.at(10), sampledValue: [.init(value: "5000")])]))
                #expect(await commands.sendCostUpdated(totalCost: 1, transactionId: String(start.transactionId), to: "CP-16",
                                                       timeout: .seconds(5)) == .notOCPP201)
                for connection in [charger, old] { await connection.socket.close() }
                await running.value
                await oldRunning.value
            }
            sender.finish()
            await sending
            reported.finish()
            #expect(await seen.next() == nil)   // nothing after the refusal, nothing for the 1.6 session
        }
    }
}
