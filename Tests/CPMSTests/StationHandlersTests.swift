import Foundation
import StoreTesting
import Testing
import Transport
@testable import CPMS
@testable import OCPP
@testable import Store
import VendorCatalog

/// Boot, heartbeat and status through real OCPP connections on 127.0.0.1 into SQLite.
@Suite(.timeLimit(.minutes(1))) struct StationHandlersTests {
    static let now = OCPPDateTime(secondsSinceEpoch: 1_795_000_000)

    func temporaryDatabase() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vigil-cpms-\(UUID().uuidString).sqlite").path
    }

    /// Runs a CSMS with `StationHandlers` and hands `body` a function that opens a charger.
    func withCSMS(_ stations: StationHandlers,
                  _ body: (_ connect: (String, OCPPVersion) async throws -> (OCPPConnection, Task<Void, Never>)) async throws -> Void) async throws {
        try await CPMSTests.withCSMS(stations) { port in
            try await body { id, version in try await connectCharger(port: port, id: id, version: version) }
        }
    }

    @Test func bootAndStatusAreStoredForBothVersionsAndSurviveARestart() async throws {
        let path = temporaryDatabase()
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        let stations = StationHandlers(store: store, policy: .accept, heartbeatInterval: 120, clock: { Self.now })
        try await withCSMS(stations) { connect in
            let (cp16, running16) = try await connect("CP-16", .v16)
            let boot = try await cp16.call(V16.BootNotificationRequest(chargePointVendor: "ABB", chargePointModel: "CDT_TACW22",
                                                                       firmwareVersion: "1.8.21"))
            #expect(boot == V16.BootNotificationResponse(status: .accepted, currentTime: Self.now, interval: 120))
            _ = try await cp16.call(V16.StatusNotificationRequest(connectorId: 1, errorCode: .groundFailure, status: .faulted,
                                                                  vendorErrorCode: "0x0002"))
            _ = try await cp16.call(V16.StatusNotificationRequest(connectorId: 1, errorCode: .noError, status: .available))
            await cp16.socket.close()
            await running16.value

            let (cp201, running201) = try await connect("CS-201", .v201)
            let boot201 = try await cp201.call(V201.BootNotificationRequest(
                chargingStation: V201.ChargingStationType(model: "HYC300", vendorName: "alpitronic"), reason: .powerUp))
            #expect(boot201.status == .accepted && boot201.interval == 120)
            _ = try await cp201.call(V201.StatusNotificationRequest(timestamp: Self.now, connectorStatus: .occupied, evseId: 2, connectorId: 1))
            await cp201.socket.close()
            await running201.value
        }
        // A new store on the same file: what was committed is all there.
        let reopened = try StationStore(path: path)
        let cp16 = try #require(try await reopened.station("CP-16"))
        #expect(cp16.vendor == "ABB" && cp16.model == "CDT_TACW22" && cp16.firmware == "1.8.21" && cp16.ocppVersion == "ocpp1.6")
        #expect(cp16.connectors == [ConnectorRecord(evse: 1, connector: 1, status: .available, errorCode: "NoError",
                                                    vendorErrorCode: nil, info: nil, updatedAt: "2026-11-18T11:06:40Z")])
        let history = try await reopened.history("CP-16")
        #expect(history.map(\.status) == [.faulted, .available])   // oldest first
        #expect(history[0].vendorErrorCode == "0x0002")
        let cs = try #require(try await reopened.station("CS-201"))
        #expect(cs.connectors.map(\.status) == [.occupied] && cs.connectors.first?.evse == 2)
    }

    @Test(arguments: [(RegistrationPolicy.accept, "Accepted", "accepted"), (.pending, "Pending", "pending"), (.reject, "Rejected", nil)] as [(RegistrationPolicy, String, String?)])
    func unknownStationsFollowThePolicy(policy: RegistrationPolicy, answer: String, stored: String?) async throws {
        let path = temporaryDatabase()
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        let stations = StationHandlers(store: store, policy: policy, heartbeatInterval: 300, clock: { Self.now })
        try await withCSMS(stations) { connect in
            let (charger, running) = try await connect("CP-NEW", .v16)
            let boot = try await charger.call(V16.BootNotificationRequest(chargePointVendor: "X", chargePointModel: "Y"))
            #expect(boot.status.rawValue == answer)
            await charger.socket.close()
            await running.value
        }
        #expect(try await store.registration(of: "CP-NEW") == stored)
    }

    @Test func statusBeforeBootRegistersTheStationUnderThePolicy() async throws {
        let path = temporaryDatabase()
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        let stations = StationHandlers(store: store, policy: .pending, heartbeatInterval: 300, clock: { Self.now })
        try await withCSMS(stations) { connect in
            let (charger, running) = try await connect("CP-EARLY", .v16)
            _ = try await charger.call(V16.StatusNotificationRequest(connectorId: 1, errorCode: .noError, status: .available))
            await charger.socket.close()
            await running.value
        }
        let station = try #require(try await store.station("CP-EARLY"))
        #expect(station.registration == "pending" && station.connectors.map(\.status) == [.available])
    }

    /// A station whose first message is a start, a stop or a 2.0.1 fault (no BootNotification
    /// before it) is registered under the policy, and the session or fault is stored: it was
    /// answered InternalError (the session's row needs its station) and the fault was dropped.
    @Test func aStartAStopOrAFaultBeforeBootRegistersTheStationUnderThePolicy() async throws {
        let path = temporaryDatabase()
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        let stations = StationHandlers(store: store, policy: .accept, heartbeatInterval: 300, clock: { Self.now })
        try await withCSMS(stations) { connect in
            let (starter, startRunning) = try await connect("CP-START-FIRST", .v16)
            let started = try await starter.call(V16.StartTransactionRequest(connectorId: 1, idTag: "CARD-8", meterStart: 0, timestamp: Self.now))
            #expect(started.transactionId > 0)
            await starter.socket.close()
            await startRunning.value
            let (stopper, stopRunning) = try await connect("CP-STOP-FIRST", .v16)
            _ = try await stopper.call(V16.StopTransactionRequest(idTag: "CARD-9", meterStop: 5_000, timestamp: Self.now, transactionId: 7))
            await stopper.socket.close()
            await stopRunning.value
            let (faulty, faultRunning) = try await connect("CP-FAULT-FIRST", .v201)
            let problem = V201.EventDataType(eventId: 1, timestamp: Self.now, trigger: .alerting, actualValue: "true", techCode: "E12",
                                             component: V201.ComponentType(evse: V201.EVSEType(id: 1), name: "Connector"),
                                             eventNotificationType: .hardWiredNotification, variable: V201.VariableType(name: "Problem"))
            _ = try await faulty.call(V201.NotifyEventRequest(generatedAt: Self.now, seqNo: 0, eventData: [problem]))
            await faulty.socket.close()
            await faultRunning.value
        }
        #expect(try await store.station("CP-START-FIRST")?.registration == "accepted")
        #expect(try await store.sessions(station: "CP-START-FIRST").map(\.idToken) == ["CARD-8"])
        #expect(try await store.sessions(station: "CP-STOP-FIRST").map(\.transactionRef) == ["unstarted-7-5000"])
        #expect(try await store.openFaults(station: "CP-FAULT-FIRST").map(\.code.rawValue) == ["Connector/Problem"])
    }

    @Test func vendorQuirkProfileSetsTheStationsTolerances() async throws {
        let path = temporaryDatabase()
        defer { removeSQLiteFiles(path) }
        let yaml = """
        vendor: Legacy Co
        recognise: {chargePointVendors: ["Legacy*"]}
        codeFormat: decimal
        sources:
          log: {title: Field log of firmware 1.x, url: "https://example.invalid/log"}
        codes: []
        quirks:
          - id: numbers-as-strings
            description: Firmware 1.x quotes every number.
            models: ["LC-1*"]
            firmware: "<2.0"
            leniency: [numbersAsStrings]
            source: log
        """
        let catalog = try VendorCatalog.load(files: [("Legacy.yaml", yaml)]).get()
        let store = try StationStore(path: path)
        let stations = StationHandlers(store: store, policy: .accept, heartbeatInterval: 300, catalog: catalog, clock: { Self.now })
        try await withCSMS(stations) { connect in
            for (id, model, firmware, accepted) in [("CP-Q1", "LC-100", "1.4.2", true), ("CP-Q2", "LC-100", "2.1.0", false),
                                                    ("CP-Q3", "Other", "1.0", false)] {
                let (charger, running) = try await connect(id, .v16)
                _ = try await charger.call(V16.BootNotificationRequest(chargePointVendor: "Legacy Co", chargePointModel: model,
                                                                       firmwareVersion: firmware))
                let outcome = await Result(catching: { try await charger.call("StatusNotification", JSONObject(
                    [("connectorId", .string("1")), ("errorCode", .string("NoError")), ("status", .string("Available"))])) })
                switch outcome {
                case .success: #expect(accepted, "\(id) should be strict")
                case .failure(let error):
                    #expect(!accepted, "\(id) should be tolerated: \(error)")
                    #expect("\(error)".contains("TypeConstraintViolation"))
                }
                await charger.socket.close()
                await running.value
            }
        }
    }

    @Test func preDeclaredStationsBootUnderARejectPolicy() async throws {
        let path = temporaryDatabase()
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        #expect(try await store.declareStation(id: "CP-KNOWN"))
        #expect(try await store.declareStation(id: "CP-KNOWN") == false)
        let stations = StationHandlers(store: store, policy: .reject, heartbeatInterval: 300, clock: { Self.now })
        func boot(_ connect: (String, OCPPVersion) async throws -> (OCPPConnection, Task<Void, Never>), _ id: String) async throws -> String {
            let (charger, running) = try await connect(id, .v16)
            let answer = try await charger.call(V16.BootNotificationRequest(chargePointVendor: "X", chargePointModel: "Y")).status.rawValue
            await charger.socket.close()
            await running.value
            return answer
        }
        try await withCSMS(stations) { connect in
            let declared = try await boot(connect, "CP-KNOWN")
            let stranger = try await boot(connect, "CP-STRANGER")
            let changed = try await store.setRegistration(id: "CP-KNOWN", "rejected")
            let afterRejection = try await boot(connect, "CP-KNOWN")
            #expect(declared == "Accepted" && stranger == "Rejected" && changed && afterRejection == "Rejected")
        }
        #expect(try await store.removeStation(id: "CP-KNOWN"))
        #expect(try await store.station("CP-KNOWN") == nil)
    }

    @Test func aStationNotAcceptedGetsSecurityErrorForEverythingButABoot() async throws {
        let path = temporaryDatabase()
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        let stations = StationHandlers(store: store, policy: .reject, heartbeatInterval: 300, clock: { Self.now })
        func refusedCode(_ charger: OCPPConnection, _ action: String, _ payload: JSONObject) async -> String? {
            do {
                _ = try await charger.call(action, payload)
                return nil
            } catch {
                return "\(error)".contains("SecurityError") ? "SecurityError" : "\(error)"
            }
        }
        let status = JSONObject([("connectorId", .number(JSONNumber(1))), ("errorCode", .string("NoError")), ("status", .string("Available"))])
        try await withCSMS(stations) { connect in
            let (charger, running) = try await connect("CP-STRANGER", .v16)
            let boot = try await charger.call(V16.BootNotificationRequest(chargePointVendor: "X", chargePointModel: "Y"))
            #expect(boot.status == .rejected)
            #expect(await refusedCode(charger, "Heartbeat", JSONObject()) == "SecurityError")
            #expect(await refusedCode(charger, "StatusNotification", status) == "SecurityError")
            // Declared by the operator, the station is served after its next boot (a rejected charger boots again).
            #expect(try await store.declareStation(id: "CP-STRANGER"))
            #expect(await refusedCode(charger, "Heartbeat", JSONObject()) == "SecurityError")
            #expect(try await charger.call(V16.BootNotificationRequest(chargePointVendor: "X", chargePointModel: "Y")).status == .accepted)
            #expect(await refusedCode(charger, "StatusNotification", status) == nil)
            // Marked rejected, it is refused again from its next boot on.
            #expect(try await store.setRegistration(id: "CP-STRANGER", "rejected"))
            #expect(try await charger.call(V16.BootNotificationRequest(chargePointVendor: "Impostor", chargePointModel: "Z")).status == .rejected)
            #expect(await refusedCode(charger, "Heartbeat", JSONObject()) == "SecurityError")
            // What a rejected station says is not stored: the registry keeps what it knew.
            let record = try #require(try await store.station("CP-STRANGER"))
            #expect(record.vendor == "X" && record.model == "Y")
            await charger.socket.close()
            await running.value
        }
        // Nothing the refused station said before it was declared was stored: one status, from the accepted spell.
        #expect(try await store.history("CP-STRANGER").count == 1)
    }

    @Test func newerDatabaseIsRefused() throws {
        let path = temporaryDatabase()
        defer { removeSQLiteFiles(path) }
        let database = try SQLiteDatabase(path: path)
        try database.execute("PRAGMA user_version = 99")
        #expect(throws: MigrationError.databaseIsNewer(found: 99, supported: CPMSSchema.migrations.latestVersion, path: path)) {
            _ = try StationStore(path: path)
        }
    }

    @Test func undocumentedVendorCodesAreCountedAsGaps() async throws {
        let path = temporaryDatabase()
        defer { removeSQLiteFiles(path) }
        let yaml = """
        vendor: ABB
        recognise: {chargePointVendors: ["ABB"]}
        codeFormat: hex
        sources:
          m: {title: Manual, page: "1"}
        codes:
          - {code: "0x0002", title: Residual current, meaning: Leakage., severity: minor, category: electrical,
             remedy: technician, autoReset: never, remedySource: inferred, source: m}
        """
        let catalog = try VendorCatalog.load(files: [("ABB.yaml", yaml)]).get()
        let store = try StationStore(path: path)
        let stations = StationHandlers(store: store, policy: .accept, heartbeatInterval: 300, catalog: catalog, clock: { Self.now })
        try await withCSMS(stations) { connect in
            let (charger, running) = try await connect("CP-G", .v16)
            _ = try await charger.call(V16.BootNotificationRequest(chargePointVendor: "ABB", chargePointModel: "Terra"))
            for code in ["2", "0x0999", "0999"] {   // documented, then one undocumented code in two spellings
                _ = try await charger.call(V16.StatusNotificationRequest(connectorId: 1, errorCode: .otherError, status: .faulted,
                                                                         vendorErrorCode: code))
            }
            await charger.socket.close()
            await running.value
        }
        let gaps = try await store.gaps()
        #expect(gaps.map { "\($0.vendor) \($0.code) \($0.count)" } == ["ABB 0x0999 2"])
    }
}

extension Result where Failure == Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

@Suite struct OfflineSweepTests {
    @Test func silentStationsGoOfflineAtTheCutoff() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-sweep-\(UUID().uuidString).sqlite").path
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        let database = try SQLiteDatabase(path: path)
        try database.run("INSERT INTO stations (id, registration, online, last_seen) VALUES ('A', 'accepted', 1, '2026-11-26T01:00:00Z')")
        try database.run("INSERT INTO stations (id, registration, online, last_seen) VALUES ('B', 'accepted', 1, '2026-11-26T01:09:59.500Z')")
        #expect(try await store.markSilentStationsOffline(before: "2026-11-26T01:00:00Z", excluding: []) == [])
        // Times compare as instants, whatever their precision.
        #expect(try await store.markSilentStationsOffline(before: "2026-11-26T01:09:59Z", excluding: []) == ["A"])
        // A station whose live connection answers stays online, however late its messages.
        #expect(try await store.markSilentStationsOffline(before: "2026-11-26T01:10:00Z", excluding: ["B"]) == [])
        #expect(try await store.station("B")?.isOnline == true)
        #expect(try await store.markSilentStationsOffline(before: "2026-11-26T01:10:00Z", excluding: []) == ["B"])
        #expect(try await store.station("A")?.isOnline == false)
    }
}
