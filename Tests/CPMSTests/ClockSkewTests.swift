import DomainEvents
import Foundation
import StoreTesting
import Testing
import Transport
@testable import CPMS
@testable import OCPP

/// A charger's clock is measured from its timestamps; reports it queued while offline are
/// recognised, flagged, kept out of the measurement, and put back in the charger's order.
@Suite(.timeLimit(.minutes(1))) struct ClockSkewTests {
    static let now = OCPPDateTime(secondsSinceEpoch: 1_795_000_000)
    static func at(_ seconds: Int64) -> OCPPDateTime { OCPPDateTime(secondsSinceEpoch: 1_795_000_000 + seconds) }

    @Test(arguments: TestEngine.all) func skewIsMeasuredAndOfflineQueuedReportsAreFlaggedAndOrdered(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "skew")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let recorder = DomainEventTests.Recorder()
        var stations = StationHandlers(store: store, policy: .accept, heartbeatInterval: 300, clock: { Self.now })
        stations.events = DomainEventFactory(directory: StationDirectory(store: store)) { recorder.record($0) }
        try await withCSMS(stations) { port in
            let (charger, running) = try await connectCharger(port: port, id: "CP-SKEW", version: .v16)
            _ = try await charger.call(V16.BootNotificationRequest(chargePointVendor: "V", chargePointModel: "M"))
            // The charger's clock runs 30 s ahead.
            _ = try await charger.call(V16.StatusNotificationRequest(connectorId: 1, errorCode: .noError, status: .available, timestamp: Self.at(30)))
            _ = try await charger.call(V16.StatusNotificationRequest(connectorId: 1, errorCode: .noError, status: .preparing, timestamp: Self.at(32)))
            // Then it uploads what it queued during an outage an hour ago.
            _ = try await charger.call(V16.StatusNotificationRequest(connectorId: 1, errorCode: .internalError, status: .faulted,
                                                                     timestamp: Self.at(-3_600)))
            await charger.socket.close()
            await running.value
        }
        let skew = try #require(try await store.clockSkew(of: "CP-SKEW"))
        #expect(abs(skew - 30.4) < 0.01)   // 30, then 0.8 × 30 + 0.2 × 32; the queued report left out
        let history = try await store.history("CP-SKEW")
        #expect(history.map(\.status) == [.faulted, .available, .preparing])
        #expect(history.map(\.queuedOffline) == [true, false, false])
        let events = recorder.all.filter { $0.kind == .statusChanged }
        #expect(events.map { $0.fields["queuedOffline"] } == [nil, nil, .bool(true)])
    }

    @Test(arguments: TestEngine.all) func sessionPartsQueuedWhileOfflineAreFlaggedOnTheSession(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "skew")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        try await store.saveToken(IdTokenRecord(token: "CARD-1", status: .accepted), now: Self.now.rfc3339)
        let stations = StationHandlers(store: store, policy: .accept, heartbeatInterval: 300, clock: { Self.now })
        try await withCSMS(stations) { port in
            let (charger, running) = try await connectCharger(port: port, id: "CP-LATE", version: .v16)
            _ = try await charger.call(V16.BootNotificationRequest(chargePointVendor: "V", chargePointModel: "M"))
            _ = try await charger.call(V16.StatusNotificationRequest(connectorId: 1, errorCode: .noError, status: .available, timestamp: Self.at(-5)))
            // A session that started and ended during an outage, uploaded now: the start 40 min ago, the stop 10 min ago.
            let start = try await charger.call(V16.StartTransactionRequest(connectorId: 1, idTag: "CARD-1", meterStart: 0, timestamp: Self.at(-2_400)))
            _ = try await charger.call(V16.MeterValuesRequest(connectorId: 1, transactionId: start.transactionId, meterValue: [
                V16.MeterValuesRequest.MeterValue(timestamp: Self.at(-1_200), sampledValue: [V16.MeterValuesRequest.MeterValue.SampledValue(value: "900")]),
            ]))
            _ = try await charger.call(V16.StopTransactionRequest(meterStop: 1_800, timestamp: Self.at(-600), transactionId: start.transactionId))
            // A session on time is not flagged.
            let onTime = try await charger.call(V16.StartTransactionRequest(connectorId: 1, idTag: "CARD-1", meterStart: 1_800, timestamp: Self.at(-3)))
            #expect(onTime.transactionId != start.transactionId)
            await charger.socket.close()
            await running.value
        }
        let sessions = try await store.sessions(station: "CP-LATE")
        let late = try #require(sessions.first { $0.stopTime != nil })
        #expect(late.anomalies == ["start reported 40 min after it happened (queued while offline)",
                                   "meter values reported 20 min after it happened (queued while offline)",
                                   "stop reported 10 min after it happened (queued while offline)"])
        #expect(late.energyWh == 1_800)
        #expect(sessions.first { $0.stopTime == nil }?.anomalies == [])
    }
}
