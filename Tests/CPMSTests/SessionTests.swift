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

    /// A 1.6 charger (ABB Terra) booted, with CARD1's session started on connector 1 at `minute`
    /// from a meter reading of 1000 Wh.
    func withStarted16(_ store: StationStore, at minute: Int64,
                       _ body: (OCPPConnection, V16.StartTransactionResponse) async throws -> Void) async throws {
        try await withCharger(.v16, store: store) { charger in
            _ = try await charger.call(V16.BootNotificationRequest(chargePointVendor: "ABB", chargePointModel: "Terra"))
            try await body(charger, try await charger.call(V16.StartTransactionRequest(connectorId: 1, idTag: "CARD1", meterStart: 1000,
                                                                                       timestamp: Self.at(minute))))
        }
    }

    /// A 2.0.1 charger (alpitronic HYC), booted.
    func withBooted201(_ store: StationStore, _ body: (OCPPConnection) async throws -> Void) async throws {
        try await withCharger(.v201, store: store) { charger in
            _ = try await charger.call(V201.BootNotificationRequest(chargingStation: V201.ChargingStationType(model: "HYC", vendorName: "alpitronic"),
                                                                    reason: .powerUp))
            try await body(charger)
        }
    }

    /// A Started of transaction `id` on EVSE 1 connector 1 at `minute`, the register at `wh`, without a token.
    static func started(_ id: String, wh: Double, minute: Int64) -> V201.TransactionEventRequest {
        V201.TransactionEventRequest(eventType: .started, meterValue: energy(wh, minute), timestamp: at(minute), triggerReason: .cablePluggedIn,
                                     seqNo: 0, transactionInfo: V201.TransactionType(transactionId: id), evse: V201.EVSEType(id: 1, connectorId: 1))
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
            // A stop for a transaction Vigil never saw is acknowledged, not refused, and recorded
            // from what it says — once, however often the charger retries it.
            for minute in [31, 32] {   // retried, re-stamped by the firmware
                _ = try await charger.call(V16.StopTransactionRequest(meterStop: 10, timestamp: Self.at(Int64(minute)), transactionId: 999_999))
            }
            let unstarted = try await charger.call(V16.StopTransactionRequest(
                idTag: "CARD1", meterStop: 2_500, timestamp: Self.at(50), transactionId: 0,
                transactionData: [V16.StopTransactionRequest.TransactionData(timestamp: Self.at(35), sampledValue: [
                    V16.StopTransactionRequest.TransactionData.SampledValue(value: "1.5", unit: .kWh)])]))
            #expect(unstarted.idTagInfo?.status == .accepted)
        }
        let reopened = try StationStore(path: path)   // what was acknowledged survives a restart
        let orphans = try await reopened.sessions(station: "CP-S").filter { $0.transactionRef.hasPrefix("unstarted-") }
        #expect(orphans.map(\.transactionRef) == ["unstarted-0-2500", "unstarted-999999-10"])
        let free = try #require(orphans.first)
        #expect(free.startTime == Self.at(35).rfc3339 && free.stopTime == Self.at(50).rfc3339 && free.energyWh == 1_000)
        #expect(free.idToken == "CARD1" && free.authorization == "accepted" && !free.isActive && free.evse == 0)
        #expect(free.anomalies == ["no StartTransaction was received for transaction 0: recorded from its stop (started at its first meter value)"])
        let bare = try #require(orphans.last)
        #expect(bare.startTime == bare.stopTime && bare.energyWh == nil && bare.authorization == "none")
        let session = try #require(try await reopened.sessions(station: "CP-S").first { !$0.transactionRef.hasPrefix("unstarted-") })
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

    /// A meter reset mid-session: the record counts what billing prices (the register held at
    /// its highest reading), not 0 beside a CDR for 5 kWh.
    @Test func aMeterResetMidSessionCountsToItsHighestReadingAsBilled() async throws {
        let (store, path) = try temporaryStore()
        defer { removeSQLiteFiles(path) }
        try await withCharger(.v16, store: store) { charger in
            _ = try await charger.call(V16.BootNotificationRequest(chargePointVendor: "X", chargePointModel: "Y"))
            let started = try await charger.call(V16.StartTransactionRequest(connectorId: 1, idTag: "CARD", meterStart: 120_000, timestamp: Self.at(0)))
            for (minute, wh) in [(5, "125000"), (6, "100"), (8, "2100")] {
                _ = try await charger.call(V16.MeterValuesRequest(connectorId: 1, transactionId: started.transactionId, meterValue: [
                    V16.MeterValuesRequest.MeterValue(timestamp: Self.at(Int64(minute)), sampledValue: [
                        V16.MeterValuesRequest.MeterValue.SampledValue(value: wh)])]))
            }
            _ = try await charger.call(V16.StopTransactionRequest(meterStop: 5_100, timestamp: Self.at(10), transactionId: started.transactionId))
        }
        let session = try #require(try await store.sessions(station: "CP-S").first)
        #expect(session.energyWh == 5_000)
        #expect(session.anomalies == ["meter went backwards (120000.0 Wh → 5100.0 Wh): counted to its highest reading, 125000 Wh, as billed"])
    }

    @Test func aReadingNoMeterCanShowLeavesTheEnergyUnknown() async throws {
        let (store, path) = try temporaryStore()
        defer { removeSQLiteFiles(path) }
        try await withCharger(.v16, store: store) { charger in
            _ = try await charger.call(V16.BootNotificationRequest(chargePointVendor: "X", chargePointModel: "Y"))
            let huge = try await charger.call(V16.StartTransactionRequest(connectorId: 1, idTag: "T", meterStart: 1_000, timestamp: Self.at(0)))
            _ = try await charger.call(V16.StopTransactionRequest(meterStop: 10_000_000_000_000, timestamp: Self.at(10), transactionId: huge.transactionId))
            let negative = try await charger.call(V16.StartTransactionRequest(connectorId: 2, idTag: "T", meterStart: -5_000, timestamp: Self.at(20)))
            _ = try await charger.call(V16.StopTransactionRequest(meterStop: 7_000, timestamp: Self.at(30), transactionId: negative.transactionId))
        }
        let sessions = try await store.sessions(station: "CP-S").sorted { $0.id < $1.id }
        #expect(sessions.count == 2)
        #expect(sessions.allSatisfy { $0.energyWh == nil })
        #expect(sessions.first?.anomalies == ["meter reading 10000000000000.0 Wh is not a meter's (0 to 10^12 Wh): energy not known"])
        #expect(sessions.last?.anomalies == ["meter reading -5000.0 Wh is not a meter's (0 to 10^12 Wh): energy not known"])
        #expect(sessions.first?.meterStopWh == 10_000_000_000_000)   // the charger's reading is kept as sent
    }

    /// A 1.6 reading that is not a number is left out, and said so on the record once per
    /// measurand with the first such value (they disappeared without a trace).
    @Test func readingsThatAreNotNumbersAreNotedOnTheSession() async throws {
        let (store, path) = try temporaryStore()
        defer { removeSQLiteFiles(path) }
        try await withStarted16(store, at: 0) { charger, started in
            typealias Sampled = V16.MeterValuesRequest.MeterValue.SampledValue
            for text in ["abc", "6,5", "NaN", "1e3"] {
                _ = try await charger.call(V16.MeterValuesRequest(connectorId: 1, transactionId: started.transactionId, meterValue: [
                    V16.MeterValuesRequest.MeterValue(timestamp: Self.at(1), sampledValue: [Sampled(value: text)]),
                ]))
            }
            _ = try await charger.call(V16.MeterValuesRequest(connectorId: 1, transactionId: started.transactionId, meterValue: [
                V16.MeterValuesRequest.MeterValue(timestamp: Self.at(2), sampledValue: [Sampled(value: "x", measurand: .powerActiveImport),
                                                                                        Sampled(value: "sig", format: .signedData)]),
            ]))
        }
        let session = try #require(try await store.sessions(station: "CP-S").first)
        #expect(session.anomalies == [
            "meter values of Energy.Active.Import.Register that are not numbers were left out (first: \"abc\")",
            "meter values of Power.Active.Import that are not numbers were left out (first: \"x\")",
        ])
        #expect(try await store.samples(session: session.id).map(\.value) == [1_000])
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
        try await withBooted201(store) { charger in
            _ = try await charger.call(Self.started("tx-1", wh: 500, minute: 0))
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

    /// What a 2.0.1 transaction's first event lacked is learnt from later ones: a card presented
    /// after the start (a blocked one must not leave the session looking ad hoc), and a Started
    /// that arrives after an Updated (the charger's queue after an outage) gives the real start.
    @Test func ocpp201TokenAfterTheStartAndALateStartedCompleteTheSession() async throws {
        let (store, path) = try temporaryStore()
        defer { removeSQLiteFiles(path) }
        try await store.saveToken(IdTokenRecord(token: "CARD-BLK", status: .blocked), now: Self.now.rfc3339)
        try await store.saveToken(IdTokenRecord(token: "CARD-1", status: .accepted, parent: "FLEET"), now: Self.now.rfc3339)
        try await withBooted201(store) { charger in
            _ = try await charger.call(Self.started("tx-1", wh: 500, minute: 0))
            let authorized = try await charger.call(V201.TransactionEventRequest(
                eventType: .updated, timestamp: Self.at(1), triggerReason: .authorized, seqNo: 1,
                transactionInfo: V201.TransactionType(transactionId: "tx-1"), idToken: V201.IdTokenType(idToken: "card-blk", type: .iso14443)))
            #expect(authorized.idTokenInfo?.status == .blocked)
            // tx-2's Updated is delivered before its Started.
            _ = try await charger.call(V201.TransactionEventRequest(eventType: .updated, meterValue: Self.energy(3200, 12), timestamp: Self.at(12),
                                                                    triggerReason: .meterValuePeriodic, seqNo: 1,
                                                                    transactionInfo: V201.TransactionType(transactionId: "tx-2"),
                                                                    evse: V201.EVSEType(id: 2, connectorId: 1)))
            let started = try await charger.call(V201.TransactionEventRequest(
                eventType: .started, meterValue: Self.energy(3000, 2), timestamp: Self.at(2), triggerReason: .authorized, seqNo: 0,
                transactionInfo: V201.TransactionType(transactionId: "tx-2"), evse: V201.EVSEType(id: 2, connectorId: 1),
                idToken: V201.IdTokenType(idToken: "CARD-1", type: .iso14443)))
            #expect(started.idTokenInfo?.status == .accepted)
            // Free vend: the station charges without a card; nothing to refuse.
            let freeVend = try await charger.call(V201.TransactionEventRequest(
                eventType: .started, meterValue: Self.energy(0, 3), timestamp: Self.at(3), triggerReason: .cablePluggedIn, seqNo: 0,
                transactionInfo: V201.TransactionType(transactionId: "tx-3"), evse: V201.EVSEType(id: 3, connectorId: 1),
                idToken: V201.IdTokenType(idToken: "", type: .noAuthorization)))
            #expect(freeVend.idTokenInfo?.status == .accepted)
        }
        let sessions = try await store.sessions(station: "CP-S")
        let first = try #require(sessions.first { $0.transactionRef == "tx-1" })
        #expect(first.idToken == "card-blk" && first.authorization == "blocked")
        let second = try #require(sessions.first { $0.transactionRef == "tx-2" })
        #expect(second.startTime == Self.at(2).rfc3339 && second.meterStartWh == 3000)
        #expect(second.idToken == "CARD-1" && second.authorization == "accepted")
        let third = try #require(sessions.first { $0.transactionRef == "tx-3" })
        #expect(third.idToken == nil && third.authorization == "noAuthorization")
    }

    /// A 1.6 sampled value that is no decimal number (`NaN`, `inf`, hexadecimal) is left out;
    /// the message is answered and the rest of it kept (it used to fail the whole StopTransaction,
    /// for good, with InternalError).
    @Test func ocpp16ValuesThatAreNoNumbersAreLeftOutNotFatal() async throws {
        let (store, path) = try temporaryStore()
        defer { removeSQLiteFiles(path) }
        try await withCharger(.v16, store: store) { charger in
            _ = try await charger.call(V16.BootNotificationRequest(chargePointVendor: "ABB", chargePointModel: "Terra"))
            let start = try await charger.call(V16.StartTransactionRequest(connectorId: 1, idTag: "X", meterStart: 1000, timestamp: Self.at(1)))
            typealias Sampled = V16.StopTransactionRequest.TransactionData.SampledValue
            let stop = try await charger.call(V16.StopTransactionRequest(meterStop: 3000, timestamp: Self.at(30), transactionId: start.transactionId,
                                                                         transactionData: [V16.StopTransactionRequest.TransactionData(timestamp: Self.at(30), sampledValue: [
                Sampled(value: "3000"), Sampled(value: "NaN", measurand: .voltage), Sampled(value: "inf", measurand: .voltage),
                Sampled(value: "0x10", measurand: .voltage), Sampled(value: "230.5", measurand: .voltage),
            ])]))
            #expect(stop.idTagInfo == nil)
        }
        let session = try #require(try await store.sessions(station: "CP-S").first)
        #expect(!session.isActive && session.energyWh == 2000)
        #expect(try await store.samples(session: session.id).map(\.value) == [3000, 230.5])
    }

    /// The same on either engine, straight at the store: a value the session has is kept, an
    /// earlier start replaces a later one, an ended session does not change.
    @Test(arguments: TestEngine.all) func completingASessionStartFillsOnlyWhatIsMissing(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "session-start")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        _ = try await store.recordBoot(id: "CP-S", vendor: "V", model: "M", serial: nil, firmware: nil, ocppVersion: "ocpp2.0.1",
                                       reason: nil, registrationForUnknown: "accepted", now: Self.now.rfc3339)
        let id = try await store.startSession(station: "CP-S", evse: 1, connector: 1, transactionRef: "tx", idToken: nil, authorization: "none",
                                              startTime: Self.at(10).rfc3339, meterStartWh: nil, now: Self.now.rfc3339)
        try await store.completeSessionStart(id: id, idToken: "CARD", authorization: "blocked", startTime: Self.at(2).rfc3339,
                                             meterStartWh: 300, now: Self.now.rfc3339)
        try await store.completeSessionStart(id: id, idToken: "OTHER", authorization: "accepted", startTime: Self.at(5).rfc3339,
                                             meterStartWh: 900, now: Self.now.rfc3339)
        var session = try #require(try await store.session(id))
        #expect(session.idToken == "CARD" && session.authorization == "blocked")
        #expect(session.startTime == Self.at(2).rfc3339 && session.meterStartWh == 300)
        _ = try await store.stopSession(id: id, stopTime: Self.at(20).rfc3339, meterStopWh: 1000, reason: "Local", now: Self.now.rfc3339)
        try await store.completeSessionStart(id: id, idToken: nil, authorization: nil, startTime: Self.at(0).rfc3339, meterStartWh: nil,
                                             now: Self.now.rfc3339)
        session = try #require(try await store.session(id))
        #expect(session.startTime == Self.at(2).rfc3339)
    }

    /// A charger that resends a TransactionEvent or MeterValues (its answer lost, its offline
    /// queue replayed) does not double the session's curve: a sample the session has is kept
    /// once; one that differs in any part (value, phase, context) is a sample of its own.
    @Test(arguments: TestEngine.all) func aResentSampleIsKeptOnce(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "resent-samples")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        _ = try await store.recordBoot(id: "CP-S", vendor: "V", model: "M", serial: nil, firmware: nil, ocppVersion: "ocpp2.0.1",
                                       reason: nil, registrationForUnknown: "accepted", now: Self.now.rfc3339)
        let id = try await store.startSession(station: "CP-S", evse: 1, connector: 1, transactionRef: "tx", idToken: nil, authorization: "none",
                                              startTime: Self.at(0).rfc3339, meterStartWh: 0, now: Self.now.rfc3339)
        let update = [MeterSample(at: Self.at(10).rfc3339, measurand: "Energy.Active.Import.Register", value: 2.5, unit: "kWh"),
                      MeterSample(at: Self.at(10).rfc3339, measurand: "Current.Import", value: 16, unit: "A", phase: "L1")]
        try await store.addSamples(session: id, update)
        try await store.addSamples(session: id, update)
        try await store.addSamples(session: id, update + [
            MeterSample(at: Self.at(10).rfc3339, measurand: "Current.Import", value: 16, unit: "A", phase: "L2"),
            MeterSample(at: Self.at(10).rfc3339, measurand: "Current.Import", value: 15.5, unit: "A", phase: "L1"),
            MeterSample(at: Self.at(20).rfc3339, measurand: "Energy.Active.Import.Register", value: 2500, unit: "Wh", context: "Transaction.End"),
        ])
        let samples = try await store.samples(session: id)
        #expect(samples.count == 5)
        #expect(samples.filter { $0.measurand == "Energy.Active.Import.Register" }.map(\.value) == [2500, 2500])
        #expect(samples.filter { $0.phase == "L1" }.map(\.value).sorted() == [15.5, 16])
    }

    /// A session whose stop never arrived is superseded by the next one on its EVSE: noted on its
    /// record, and no longer live for the executor's gate (it held the station's resets back
    /// for good); a session on another EVSE still is. A stop that arrives after all is applied.
    @Test(arguments: TestEngine.all) func aSessionWhoseStopWasLostIsSupersededByTheNextOnItsEVSE(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "superseded")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        _ = try await store.recordBoot(id: "CP-S", vendor: "V", model: "M", serial: nil, firmware: nil, ocppVersion: "ocpp1.6",
                                       reason: nil, registrationForUnknown: "accepted", now: Self.now.rfc3339)
        func start(evse: Int, minute: Int64) async throws -> Int {
            try await store.startSession(station: "CP-S", evse: evse, connector: 1, transactionRef: nil, idToken: "CARD",
                                         authorization: "accepted", startTime: Self.at(minute).rfc3339, meterStartWh: 0, now: Self.now.rfc3339)
        }
        let lost = try await start(evse: 1, minute: 0)
        #expect(try await store.hasActiveSession(station: "CP-S", evse: 1))
        let next = try await start(evse: 1, minute: 30)
        let other = try await start(evse: 2, minute: 40)
        #expect(try await store.session(lost)?.anomalies == [
            "superseded: transaction \(next) started on the same EVSE at \(Self.at(30).rfc3339) and no stop was received for this one"])
        #expect(try await store.session(lost)?.isActive == true)
        #expect(try await store.session(next)?.anomalies == [])
        #expect(try await store.session(other)?.anomalies == [])
        #expect(try await store.hasActiveSession(station: "CP-S", evse: 1))   // the next one runs
        _ = try await store.stopSession(id: next, stopTime: Self.at(50).rfc3339, meterStopWh: 100, reason: "Local", now: Self.now.rfc3339)
        #expect(!(try await store.hasActiveSession(station: "CP-S", evse: 1)))
        #expect(try await store.hasActiveSession(station: "CP-S", evse: nil))   // EVSE 2's
        _ = try await store.stopSession(id: other, stopTime: Self.at(50).rfc3339, meterStopWh: 100, reason: "Local", now: Self.now.rfc3339)
        #expect(!(try await store.hasActiveSession(station: "CP-S", evse: nil)))
        #expect(try await store.stopSession(id: lost, stopTime: Self.at(20).rfc3339, meterStopWh: 50, reason: "Local", now: Self.now.rfc3339))
        let stopped = try #require(try await store.session(lost))
        #expect(!stopped.isActive && stopped.energyWh == 50)
        #expect(stopped.anomalies == ["stop received after a later transaction began on the same EVSE"])
        // EVSE 0 is no EVSE (2.0.1, authorized before one was chosen): two such sessions are not
        // one after the other, and neither stops counting.
        let first = try await start(evse: 0, minute: 60)
        let second = try await start(evse: 0, minute: 65)
        #expect(try await store.session(first)?.anomalies == [])
        #expect(try await store.stopSession(id: second, stopTime: Self.at(70).rfc3339, meterStopWh: 10, reason: "Local", now: Self.now.rfc3339))
        #expect(try await store.hasActiveSession(station: "CP-S", evse: nil))
        // A reading of the older session after the later one began says it still runs.
        let running = try await start(evse: 3, minute: 80)
        try await store.addSamples(session: running, [MeterSample(at: Self.at(95).rfc3339, measurand: "Energy.Active.Import.Register", value: 900, unit: "Wh")])
        let later = try await start(evse: 3, minute: 90)
        _ = try await store.stopSession(id: later, stopTime: Self.at(91).rfc3339, meterStopWh: 10, reason: "Local", now: Self.now.rfc3339)
        _ = try await store.stopSession(id: first, stopTime: Self.at(99).rfc3339, meterStopWh: 10, reason: "Local", now: Self.now.rfc3339)
        #expect(try await store.hasActiveSession(station: "CP-S", evse: 3))
    }

    /// A session recorded before the open one, stamped later by a clock set ahead, does not
    /// supersede it: the open one still holds the station's resets and its card (it passed as
    /// not charging, and the card was accepted at a second station).
    @Test(arguments: TestEngine.all) func aSessionStampedAheadByAWrongClockDoesNotSupersedeTheOneAfterIt(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "superseded-clock")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        _ = try await store.recordBoot(id: "CP-CLK", vendor: "V", model: "M", serial: nil, firmware: nil, ocppVersion: "ocpp1.6",
                                       reason: nil, registrationForUnknown: "accepted", now: Self.now.rfc3339)
        let ahead = try await store.startSession(station: "CP-CLK", evse: 1, connector: 1, transactionRef: nil, idToken: "CARD-8",
                                                 authorization: "accepted", startTime: Self.at(120).rfc3339, meterStartWh: 0, now: Self.now.rfc3339)
        _ = try await store.stopSession(id: ahead, stopTime: Self.at(125).rfc3339, meterStopWh: 100, reason: "Local", now: Self.now.rfc3339)
        let open = try await store.startSession(station: "CP-CLK", evse: 1, connector: 1, transactionRef: nil, idToken: "CARD-7",
                                                authorization: "accepted", startTime: Self.at(1).rfc3339, meterStartWh: 0, now: Self.now.rfc3339)
        #expect(try await store.hasActiveSession(station: "CP-CLK", evse: 1))
        #expect(try await store.hasActiveSession(token: "CARD-7", station: "CP-CLK2", now: Self.now.rfc3339))
        #expect(try await store.session(open)?.anomalies == [])
    }

    /// A 2.0.1 session authorized before its EVSE was chosen moves to the EVSE a later event
    /// names; one that never learns it stops counting once a session of the station starts more
    /// than 10 minutes after it (a lost transaction held resets and its card back for good).
    @Test(arguments: TestEngine.all) func aSessionOnNoEVSELearnsItOrIsSupersededInTime(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "evse0")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        _ = try await store.recordBoot(id: "CS-0", vendor: "V", model: "M", serial: nil, firmware: nil, ocppVersion: "ocpp2.0.1",
                                       reason: nil, registrationForUnknown: "accepted", now: Self.now.rfc3339)
        func start(evse: Int, minute: Int64, ref: String) async throws -> Int {
            try await store.startSession(station: "CS-0", evse: evse, connector: 0, transactionRef: ref, idToken: "CARD",
                                         authorization: "accepted", startTime: Self.at(minute).rfc3339, meterStartWh: 0, now: Self.now.rfc3339)
        }
        let placed = try await start(evse: 0, minute: 0, ref: "A")
        try await store.placeSession(id: placed, evse: 2, connector: 1, ref: "A", now: Self.now.rfc3339)
        #expect(try await store.session(placed)?.evse == 2)
        #expect(try await store.hasActiveSession(station: "CS-0", evse: 2))
        _ = try await store.stopSession(id: placed, stopTime: Self.at(5).rfc3339, meterStopWh: 10, reason: "Local", now: Self.now.rfc3339)

        let lost = try await start(evse: 0, minute: 10, ref: "B")
        let soon = try await start(evse: 1, minute: 15, ref: "C")   // 5 minutes later: it may still be waiting for its cable
        #expect(try await store.session(lost)?.anomalies == [])
        _ = try await store.stopSession(id: soon, stopTime: Self.at(18).rfc3339, meterStopWh: 10, reason: "Local", now: Self.now.rfc3339)
        #expect(try await store.hasActiveSession(station: "CS-0", evse: nil))
        let later = try await start(evse: 1, minute: 30, ref: "D")
        #expect(try await store.session(lost)?.anomalies.first?.hasPrefix("superseded: transaction D started at") == true)
        _ = try await store.stopSession(id: later, stopTime: Self.at(40).rfc3339, meterStopWh: 10, reason: "Local", now: Self.now.rfc3339)
        #expect(!(try await store.hasActiveSession(station: "CS-0", evse: nil)))
        // Its card is free again; and a stop arriving after all says what happened.
        #expect(!(try await store.hasActiveSession(token: "CARD", station: "CS-9", now: Self.at(41).rfc3339)))
        #expect(try await store.stopSession(id: lost, stopTime: Self.at(45).rfc3339, meterStopWh: 10, reason: "Local", now: Self.now.rfc3339))
        #expect(try await store.session(lost)?.anomalies == ["stop received after a later transaction began on the station (this one never named its EVSE)"])

        // One that still sends readings after the later session began is still charging: it keeps counting.
        let charging = try await start(evse: 0, minute: 50, ref: "E")
        let next = try await start(evse: 1, minute: 70, ref: "F")
        try await store.addSamples(session: charging, [MeterSample(at: Self.at(75).rfc3339, measurand: "Energy.Active.Import.Register", value: 500, unit: "Wh")])
        _ = try await store.stopSession(id: next, stopTime: Self.at(80).rfc3339, meterStopWh: 10, reason: "Local", now: Self.now.rfc3339)
        #expect(try await store.hasActiveSession(station: "CS-0", evse: nil))
    }

    @Test func decimalMeterValues() {
        for good in ["0", "230.4", "-1", "+2", "1.5e3", "7E-1", ".5", "5."] { #expect(MeterSample.decimal(good) != nil, "\(good)") }
        for bad in ["", "+", ".", "NaN", "nan", "inf", "-Infinity", "0x10", "1e", "1e+", "1-2", "1..2", "1e3e4", " 1", "1,5", "e5"] {
            #expect(MeterSample.decimal(bad) == nil, "\(bad)")
        }
        #expect(MeterSample.decimal("1e400") == nil)   // finite only
    }

    /// An ended session's record does not change: a stop or Ended retried after a lost answer is
    /// answered again but recorded once, and later meter values or a
    /// transaction id reused after its end are noted as anomalies, not applied.
    @Test func anEndedSessionIsNotReopenedOrChanged() async throws {
        let (store, path) = try temporaryStore()
        defer { removeSQLiteFiles(path) }
        try await withBooted201(store) { charger in
            let ended = V201.TransactionEventRequest(eventType: .ended, meterValue: Self.energy(4500, 20), timestamp: Self.at(20),
                                                     triggerReason: .evDeparted, seqNo: 1,
                                                     transactionInfo: V201.TransactionType(transactionId: "tx-1", stoppedReason: .evDisconnected))
            _ = try await charger.call(Self.started("tx-1", wh: 500, minute: 0))
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
        try await withStarted16(store, at: 1) { charger, start in
            let stop = V16.StopTransactionRequest(meterStop: 5000, timestamp: Self.at(30), transactionId: start.transactionId, reason: .evDisconnected,
                                                  transactionData: [V16.StopTransactionRequest.TransactionData(timestamp: Self.at(30), sampledValue: [
                                                      V16.StopTransactionRequest.TransactionData.SampledValue(value: "5000")])])
            _ = try await charger.call(stop)
            _ = try await charger.call(stop)   // retried after a lost answer
            // Another stop for it, saying otherwise: not applied, but noted.
            _ = try await charger.call(V16.StopTransactionRequest(meterStop: 7000, timestamp: Self.at(35), transactionId: start.transactionId))
            _ = try await charger.call(V16.MeterValuesRequest(connectorId: 1, transactionId: start.transactionId, meterValue: [
                V16.MeterValuesRequest.MeterValue(timestamp: Self.at(40), sampledValue: [
                    V16.MeterValuesRequest.MeterValue.SampledValue(value: "9000", measurand: .energyActiveImportRegister)]),
            ]))
        }
        let session = try #require(try await store.sessions(station: "CP-S").first)
        #expect(session.stopTime == Self.at(30).rfc3339 && session.energyWh == 4000)
        #expect(try await store.samples(session: session.id).map(\.value) == [5000])
        #expect(session.anomalies == ["StopTransaction repeated with another stop time, not applied",
                                      "meter values reported after the session ended, not added"])
    }

    /// A stop time before the start (a charger whose clock jumped) is recorded as reported, with
    /// an anomaly saying so — not only as an unpriced session later.
    @Test func aStopBeforeTheStartIsAnAnomaly() async throws {
        let (store, path) = try temporaryStore()
        defer { removeSQLiteFiles(path) }
        try await withStarted16(store, at: 30) { charger, start in
            _ = try await charger.call(V16.StopTransactionRequest(meterStop: 2000, timestamp: Self.at(10), transactionId: start.transactionId))
        }
        let session = try #require(try await store.sessions(station: "CP-S").first)
        #expect(session.stopTime == Self.at(10).rfc3339 && session.energyWh == 1000)
        #expect(session.anomalies == ["stopped before it started (\(Self.at(10).rfc3339) < \(Self.at(30).rfc3339)): the charger's clock"])
    }
}
