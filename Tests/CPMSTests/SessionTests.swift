import Foundation
import StoreTesting
import Testing
import Transport
@testable import CPMS
@testable import OCPP

/// Sessions through real OCPP connections into SQLite: 1.6 Start/Meter/Stop and 2.0.1
/// TransactionEvent land in the same model.
@Suite(.timeLimit(.minutes(1))) struct SessionTests {
    static let now = OCPPDateTime(secondsSinceEpoch: 1_795_000_000)
    static func at(_ minutes: Int64) -> OCPPDateTime { OCPPDateTime(secondsSinceEpoch: 1_795_000_000 + minutes * 60) }
    /// A 2.0.1 energy register reading of `wh` at `minute`.
    static func energy(_ wh: Double, _ minute: Int64) -> [V201.MeterValueType] {
        [V201.MeterValueType(sampledValue: [V201.SampledValueType(value: wh, measurand: .energyActiveImportRegister)], timestamp: at(minute))]
    }

    func withCharger(_ version: OCPPVersion, store: StationStore, _ body: (OCPPConnection) async throws -> Void) async throws {
        let stations = StationHandlers(store: store, policy: .accept, heartbeatInterval: 300, clock: { Self.now })
        try await withCSMS(stations) { port in
            let (charger, running) = try await connectCharger(port: port, id: "CP-S", version: version)
            do { try await body(charger) } catch {
                await charger.socket.close()
                await running.value
                throw error
            }
            await charger.socket.close()
            await running.value
        }
    }

    func temporaryStore() throws -> (StationStore, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-sessions-\(UUID().uuidString).sqlite").path
        return (try StationStore(path: path), path)
    }

    @Test func ocpp16SessionWithRetriedStartMetersAndRestart() async throws {
        let (store, path) = try temporaryStore()
        defer { removeSQLiteFiles(path) }
        try await store.saveToken(IdTokenRecord(token: "CARD1", status: .accepted), now: Self.now.rfc3339)
        var firstId = 0
        try await withCharger(.v16, store: store) { charger in
            _ = try await charger.call(V16.BootNotificationRequest(chargePointVendor: "ABB", chargePointModel: "Terra"))
            let start = V16.StartTransactionRequest(connectorId: 2, idTag: "CARD1", meterStart: 1000, timestamp: Self.at(1))
            let first = try await charger.call(start)
            #expect(first.idTagInfo.status == .accepted)
            let retried = try await charger.call(start)   // the charger lost our answer and retries
            #expect(retried.transactionId == first.transactionId)
            firstId = first.transactionId
            _ = try await charger.call(V16.MeterValuesRequest(connectorId: 2, transactionId: first.transactionId, meterValue: [
                V16.MeterValuesRequest.MeterValue(timestamp: Self.at(5), sampledValue: [
                    V16.MeterValuesRequest.MeterValue.SampledValue(value: "3.5", measurand: .energyActiveImportRegister, unit: .kWh),
                    V16.MeterValuesRequest.MeterValue.SampledValue(value: "7.2", measurand: .powerActiveImport, unit: .kW),
                ]),
            ]))
            let stop = try await charger.call(V16.StopTransactionRequest(idTag: "CARD1", meterStop: 5000, timestamp: Self.at(30),
                                                                         transactionId: first.transactionId, reason: .evDisconnected))
            #expect(stop.idTagInfo?.status == .accepted)
            // A stop for a transaction Vigil never saw is acknowledged, not refused.
            _ = try await charger.call(V16.StopTransactionRequest(meterStop: 10, timestamp: Self.at(31), transactionId: 999_999))
        }
        let reopened = try StationStore(path: path)   // what was acknowledged survives a restart
        let session = try #require(try await reopened.sessions(station: "CP-S").first)
        #expect(session.id == firstId && session.transactionRef == String(firstId))
        #expect(session.evse == 2 && session.idToken == "CARD1" && session.authorization == "accepted")
        #expect(session.meterStartWh == 1000 && session.meterStopWh == 5000 && session.energyWh == 4000)
        #expect(session.stopReason == "EVDisconnected" && !session.isActive && session.anomalies.isEmpty)
        #expect(try await reopened.samples(session: firstId) == [
            MeterSample(at: Self.at(5).rfc3339, measurand: "Energy.Active.Import.Register", value: 3500, unit: "Wh"),
            MeterSample(at: Self.at(5).rfc3339, measurand: "Power.Active.Import", value: 7200, unit: "W"),
        ])
        // Ids are never reused: the next session gets a new one, also after the restart.
        let next = try await reopened.startSession(station: "CP-S", evse: 1, connector: 1, transactionRef: nil, idToken: nil,
                                                   authorization: "none", startTime: Self.at(40).rfc3339, meterStartWh: 0, now: Self.now.rfc3339)
        #expect(next > firstId)
    }

    @Test func meterGoingBackwardsIsAnAnomalyNotNegativeEnergy() async throws {
        let (store, path) = try temporaryStore()
        defer { removeSQLiteFiles(path) }
        try await withCharger(.v16, store: store) { charger in
            _ = try await charger.call(V16.BootNotificationRequest(chargePointVendor: "X", chargePointModel: "Y"))
            let started = try await charger.call(V16.StartTransactionRequest(connectorId: 1, idTag: "UNKNOWN", meterStart: 9000, timestamp: Self.at(0)))
            #expect(started.idTagInfo.status == .invalid)   // recorded all the same: the charger decides whether to stop
            _ = try await charger.call(V16.StopTransactionRequest(meterStop: 100, timestamp: Self.at(10), transactionId: started.transactionId))
        }
        let session = try #require(try await store.sessions(station: "CP-S").first)
        #expect(session.energyWh == 0)
        #expect(session.anomalies == ["meter went backwards (9000.0 Wh → 100.0 Wh)"])
        #expect(session.authorization == "unknown")
    }

    @Test func faultsDuringASessionAreOnItsRecord() async throws {
        let (store, path) = try temporaryStore()
        defer { removeSQLiteFiles(path) }
        try await withCharger(.v16, store: store) { charger in
            _ = try await charger.call(V16.BootNotificationRequest(chargePointVendor: "X", chargePointModel: "Y"))
            let one = try await charger.call(V16.StartTransactionRequest(connectorId: 1, idTag: "A", meterStart: 0, timestamp: Self.at(0)))
            let two = try await charger.call(V16.StartTransactionRequest(connectorId: 2, idTag: "B", meterStart: 0, timestamp: Self.at(0)))
            // A fault on connector 2 only, then one of the whole station, then a clean report.
            _ = try await charger.call(V16.StatusNotificationRequest(connectorId: 2, errorCode: .overCurrentFailure, info: "32.5 A",
                                                                     status: .suspendedEVSE, timestamp: Self.at(3), vendorErrorCode: "E12"))
            _ = try await charger.call(V16.StatusNotificationRequest(connectorId: 0, errorCode: .highTemperature, status: .available,
                                                                     timestamp: Self.at(5)))
            _ = try await charger.call(V16.StatusNotificationRequest(connectorId: 1, errorCode: .noError, status: .charging, timestamp: Self.at(6)))
            _ = try await charger.call(V16.StopTransactionRequest(meterStop: 500, timestamp: Self.at(10), transactionId: one.transactionId))
            _ = try await charger.call(V16.StopTransactionRequest(meterStop: 500, timestamp: Self.at(10), transactionId: two.transactionId))
            // After the session ended, a fault is no longer its business.
            _ = try await charger.call(V16.StatusNotificationRequest(connectorId: 1, errorCode: .groundFailure, status: .faulted, timestamp: Self.at(12)))
        }
        let sessions = try await store.sessions(station: "CP-S").sorted { $0.evse < $1.evse }
        #expect(sessions.map(\.errors) == [
            ["\(Self.at(5).rfc3339) HighTemperature"],
            ["\(Self.at(3).rfc3339) OverCurrentFailure E12 (32.5 A)", "\(Self.at(5).rfc3339) HighTemperature"],
        ])
    }

    @Test func ocpp201TransactionEventsIncludingAnUpdateBeforeTheStart() async throws {
        let (store, path) = try temporaryStore()
        defer { removeSQLiteFiles(path) }
        try await withCharger(.v201, store: store) { charger in
            _ = try await charger.call(V201.BootNotificationRequest(chargingStation: V201.ChargingStationType(model: "HYC", vendorName: "alpitronic"),
                                                                    reason: .powerUp))
            _ = try await charger.call(V201.TransactionEventRequest(eventType: .started, meterValue: Self.energy(500, 0), timestamp: Self.at(0),
                                                                    triggerReason: .cablePluggedIn, seqNo: 0,
                                                                    transactionInfo: V201.TransactionType(transactionId: "tx-1"),
                                                                    evse: V201.EVSEType(id: 1, connectorId: 1)))
            _ = try await charger.call(V201.TransactionEventRequest(eventType: .updated, meterValue: Self.energy(2500, 10), timestamp: Self.at(10),
                                                                    triggerReason: .meterValuePeriodic, seqNo: 1,
                                                                    transactionInfo: V201.TransactionType(transactionId: "tx-1")))
            _ = try await charger.call(V201.TransactionEventRequest(eventType: .ended, meterValue: Self.energy(4500, 20), timestamp: Self.at(20),
                                                                    triggerReason: .evDeparted, seqNo: 2,
                                                                    transactionInfo: V201.TransactionType(transactionId: "tx-1", stoppedReason: .evDisconnected)))
            // After an outage the first event Vigil sees of a transaction may be an Updated.
            _ = try await charger.call(V201.TransactionEventRequest(eventType: .updated, meterValue: Self.energy(100, 30), timestamp: Self.at(30),
                                                                    triggerReason: .meterValuePeriodic, seqNo: 5,
                                                                    transactionInfo: V201.TransactionType(transactionId: "tx-2"),
                                                                    evse: V201.EVSEType(id: 2, connectorId: 1)))
        }
        let sessions = try await store.sessions(station: "CP-S")
        let first = try #require(sessions.first { $0.transactionRef == "tx-1" })
        #expect(first.meterStartWh == 500 && first.meterStopWh == 4500 && first.energyWh == 4000)
        #expect(first.stopReason == "EVDisconnected" && !first.isActive && first.evse == 1)
        #expect(try await store.samples(session: first.id).map(\.value) == [500, 2500, 4500])
        let second = try #require(sessions.first { $0.transactionRef == "tx-2" })
        #expect(second.isActive && second.evse == 2 && second.meterStartWh == nil)
    }

    /// An ended session's record does not change: a stop or Ended retried after a lost answer is
    /// answered again but recorded once, and later meter values or a
    /// transaction id reused after its end are noted as anomalies, not applied.
    @Test func anEndedSessionIsNotReopenedOrChanged() async throws {
        let (store, path) = try temporaryStore()
        defer { removeSQLiteFiles(path) }
        try await withCharger(.v201, store: store) { charger in
            _ = try await charger.call(V201.BootNotificationRequest(chargingStation: V201.ChargingStationType(model: "HYC", vendorName: "alpitronic"),
                                                                    reason: .powerUp))
            let ended = V201.TransactionEventRequest(eventType: .ended, meterValue: Self.energy(4500, 20), timestamp: Self.at(20),
                                                     triggerReason: .evDeparted, seqNo: 1,
                                                     transactionInfo: V201.TransactionType(transactionId: "tx-1", stoppedReason: .evDisconnected))
            _ = try await charger.call(V201.TransactionEventRequest(eventType: .started, meterValue: Self.energy(500, 0), timestamp: Self.at(0),
                                                                    triggerReason: .cablePluggedIn, seqNo: 0,
                                                                    transactionInfo: V201.TransactionType(transactionId: "tx-1"),
                                                                    evse: V201.EVSEType(id: 1, connectorId: 1)))
            _ = try await charger.call(ended)
            _ = try await charger.call(ended)   // the answer was lost: the same Ended again
            // The id reused by a new transaction: Started, Updated and Ended of a session already over.
            _ = try await charger.call(V201.TransactionEventRequest(eventType: .started, meterValue: Self.energy(4600, 25), timestamp: Self.at(25),
                                                                    triggerReason: .cablePluggedIn, seqNo: 0,
                                                                    transactionInfo: V201.TransactionType(transactionId: "tx-1"),
                                                                    evse: V201.EVSEType(id: 1, connectorId: 1)))
            _ = try await charger.call(V201.TransactionEventRequest(eventType: .updated, meterValue: Self.energy(5600, 30), timestamp: Self.at(30),
                                                                    triggerReason: .meterValuePeriodic, seqNo: 1,
                                                                    transactionInfo: V201.TransactionType(transactionId: "tx-1")))
            _ = try await charger.call(V201.TransactionEventRequest(eventType: .ended, meterValue: Self.energy(6600, 40), timestamp: Self.at(40),
                                                                    triggerReason: .evDeparted, seqNo: 2,
                                                                    transactionInfo: V201.TransactionType(transactionId: "tx-1", stoppedReason: .local)))
        }
        let session = try #require(try await store.sessions(station: "CP-S").first)
        #expect(try await store.sessions(station: "CP-S").count == 1)
        #expect(session.stopTime == Self.at(20).rfc3339 && session.meterStopWh == 4500 && session.energyWh == 4000)
        #expect(session.stopReason == "EVDisconnected")
        #expect(try await store.samples(session: session.id).map(\.value) == [500, 4500])
        #expect(session.anomalies == ["TransactionEvent Started after the transaction ended, not applied",
                                      "TransactionEvent Updated after the transaction ended, not applied",
                                      "TransactionEvent Ended after the transaction ended, not applied"])
    }

    @Test func ocpp16RetriedStopAndLateMeterValuesLeaveTheEndedSessionAsItWas() async throws {
        let (store, path) = try temporaryStore()
        defer { removeSQLiteFiles(path) }
        try await withCharger(.v16, store: store) { charger in
            _ = try await charger.call(V16.BootNotificationRequest(chargePointVendor: "ABB", chargePointModel: "Terra"))
            let start = try await charger.call(V16.StartTransactionRequest(connectorId: 1, idTag: "CARD1", meterStart: 1000, timestamp: Self.at(1)))
            let stop = V16.StopTransactionRequest(meterStop: 5000, timestamp: Self.at(30), transactionId: start.transactionId, reason: .evDisconnected,
                                                  transactionData: [V16.StopTransactionRequest.TransactionData(timestamp: Self.at(30), sampledValue: [
                                                      V16.StopTransactionRequest.TransactionData.SampledValue(value: "5000")])])
            _ = try await charger.call(stop)
            _ = try await charger.call(stop)   // retried after a lost answer
            _ = try await charger.call(V16.MeterValuesRequest(connectorId: 1, transactionId: start.transactionId, meterValue: [
                V16.MeterValuesRequest.MeterValue(timestamp: Self.at(40), sampledValue: [
                    V16.MeterValuesRequest.MeterValue.SampledValue(value: "9000", measurand: .energyActiveImportRegister)]),
            ]))
        }
        let session = try #require(try await store.sessions(station: "CP-S").first)
        #expect(session.stopTime == Self.at(30).rfc3339 && session.energyWh == 4000)
        #expect(try await store.samples(session: session.id).map(\.value) == [5000])
        #expect(session.anomalies == ["meter values reported after the session ended, not added"])
    }
}
