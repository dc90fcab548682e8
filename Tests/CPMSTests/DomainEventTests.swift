import DomainEvents
import Foundation
import StoreTesting
import Synchronization
import Testing
import Transport
@testable import CPMS
@testable import OCPP

/// The domain events the CPMS hands to the rule engine, from real OCPP connections in both
/// versions: one vocabulary whatever the protocol.
@Suite(.timeLimit(.minutes(1))) struct DomainEventTests {
    static let now = OCPPDateTime(secondsSinceEpoch: 1_795_000_000)

    final class Recorder: Sendable {
        let events = Mutex<[DomainEvent]>([])
        func record(_ event: DomainEvent) { events.withLock { $0.append(event) } }
        var all: [DomainEvent] { events.withLock { $0 } }
    }

    func run(_ version: OCPPVersion, site: String? = nil, _ body: (OCPPConnection) async throws -> Void) async throws -> [DomainEvent] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-events-\(UUID().uuidString).sqlite").path
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        if let site { _ = try await store.declareStation(id: "CP-E", site: site) }
        let recorder = Recorder()
        var stations = StationHandlers(store: store, policy: .accept, heartbeatInterval: 300, clock: { Self.now })
        stations.events = DomainEventFactory(directory: StationDirectory(store: store)) { recorder.record($0) }
        try await withCSMS(stations) { port in
            let (charger, running) = try await connectCharger(port: port, id: "CP-E", version: version)
            try await body(charger)
            await charger.socket.close()
            await running.value
        }
        return recorder.all
    }

    @Test func ocpp16MessagesBecomeEvents() async throws {
        let events = try await run(.v16, site: "north") { charger in
            _ = try await charger.call(V16.BootNotificationRequest(chargePointVendor: "ABB", chargePointModel: "Terra", firmwareVersion: "1.2"))
            _ = try await charger.call(V16.HeartbeatRequest())
            _ = try await charger.call(V16.StatusNotificationRequest(connectorId: 1, errorCode: .internalError, info: "null",
                                                                     status: .faulted, vendorErrorCode: "0x0002"))
            _ = try await charger.call(V16.StatusNotificationRequest(connectorId: 1, errorCode: .noError, status: .available))
            _ = try await charger.call(V16.AuthorizeRequest(idTag: "UNKNOWN"))
            _ = try await charger.call(V16.FirmwareStatusNotificationRequest(status: .installationFailed))
            _ = try await charger.call(V16.SecurityEventNotificationRequest(type: "TamperDetectionActivated", timestamp: Self.now))
        }
        #expect(events.map(\.kind) == [.booted, .heartbeat, .statusChanged, .statusChanged, .faultCleared, .authorizationRejected,
                                       .firmwareStatus, .securityEvent])
        #expect(events.allSatisfy { $0.station == "CP-E" && $0.site == "north" && $0.vendor == "ABB" && $0.model == "Terra" && $0.firmware == "1.2" })
        let fault = events[2]
        #expect(fault.connector == 1)
        #expect(fault.fields == ["to": .string("Faulted"), "ocppErrorCode": .string("InternalError"), "vendorErrorCode": .string("0x0002")])
        #expect(events[3].fields["from"] == .string("Faulted") && events[3].fields["to"] == .string("Available"))
        #expect(events[5].fields["status"] == .string("Invalid"))
        #expect(events[6].fields["status"] == .string("InstallationFailed"))
        #expect(Set(events.map(\.id)).count == events.count, "event ids are unique")
    }

    @Test func sessionsEndWithEnergyAndAVerdict() async throws {
        let events = try await run(.v16) { charger in
            _ = try await charger.call(V16.BootNotificationRequest(chargePointVendor: "ABB", chargePointModel: "Terra"))
            let start = try await charger.call(V16.StartTransactionRequest(connectorId: 2, idTag: "T1", meterStart: 1_000, timestamp: Self.now))
            _ = try await charger.call(V16.StopTransactionRequest(meterStop: 8_500, timestamp: OCPPDateTime(secondsSinceEpoch: 1_795_003_600),
                                                                  transactionId: start.transactionId, reason: .local))
            let short = try await charger.call(V16.StartTransactionRequest(connectorId: 1, idTag: "T1", meterStart: 9_000, timestamp: Self.now))
            _ = try await charger.call(V16.StopTransactionRequest(meterStop: 9_010, timestamp: Self.now,
                                                                  transactionId: short.transactionId, reason: .powerLoss))
        }
        let ended = events.filter { $0.kind == .transactionEnded }
        #expect(events.filter { $0.kind == .transactionStarted }.map(\.connector) == [2, 1])
        #expect(ended.count == 2)
        #expect(ended[0].fields["energyWh"] == .number(7_500) && ended[0].fields["success"] == .bool(true))
        #expect(ended[0].fields["durationSeconds"] == .number(3_600) && ended[0].fields["reason"] == .string("Local"))
        #expect(ended[1].fields["success"] == .bool(false) && ended[1].fields["reason"] == .string("PowerLoss"))
    }

    @Test func ocpp201MessagesBecomeTheSameEvents() async throws {
        let events = try await run(.v201) { charger in
            _ = try await charger.call(V201.BootNotificationRequest(
                chargingStation: V201.ChargingStationType(model: "Pulsar", vendorName: "Wallbox"), reason: .powerUp))
            _ = try await charger.call(V201.StatusNotificationRequest(timestamp: Self.now, connectorStatus: .faulted, evseId: 2, connectorId: 1))
            let problem = V201.EventDataType(eventId: 1, timestamp: Self.now, trigger: .alerting, actualValue: "true", techCode: "E12",
                                             techInfo: "contactor", component: V201.ComponentType(evse: V201.EVSEType(id: 2), name: "Connector"),
                                             eventNotificationType: .hardWiredNotification, variable: V201.VariableType(name: "Problem"))
            _ = try await charger.call(V201.NotifyEventRequest(generatedAt: Self.now, seqNo: 0, eventData: [problem]))
        }
        #expect(events.map(\.kind) == [.booted, .statusChanged, .statusChanged])
        #expect(events[0].fields["reason"] == .string("PowerUp") && events[0].vendor == "Wallbox")
        #expect(events[1].connector == 2 && events[1].fields["to"] == .string("Faulted"))
        #expect(events[2].connector == 2 && events[2].fields["vendorErrorCode"] == .string("E12") && events[2].fields["ocppErrorCode"] == .string("Connector/Problem"))
    }
}
