import Foundation
import DomainEvents
import StoreTesting
import Testing
import Transport
@testable import CPMS
@testable import OCPP

@Suite struct AuthorizationDecisionTests {
    static let now = OCPPDateTime(secondsSinceEpoch: 1_795_000_000)   // 2026-11-18T11:06:40Z

    @Test(arguments: [
        (nil, AuthorizationDecision.Outcome.unknown),
        (IdTokenRecord(token: "A", status: .accepted), .accepted),
        (IdTokenRecord(token: "A", status: .accepted, expiry: "2026-11-18T11:06:41Z"), .accepted),
        (IdTokenRecord(token: "A", status: .accepted, expiry: "2026-11-18T11:06:39Z"), .expired),
        (IdTokenRecord(token: "A", status: .blocked, expiry: "2030-01-01T00:00:00Z"), .blocked),
        (IdTokenRecord(token: "A", status: .invalid), .invalid),
        (IdTokenRecord(token: "A", status: .expired), .expired),
    ] as [(IdTokenRecord?, AuthorizationDecision.Outcome)])
    func decisions(record: IdTokenRecord?, outcome: AuthorizationDecision.Outcome) {
        #expect(AuthorizationDecision.decide(record, now: Self.now).outcome == outcome)
    }

    @Test func versionsSpellUnknownTheirOwnWay() {
        let unknown = AuthorizationDecision.decide(nil, now: Self.now)
        #expect(unknown.idTagInfo16.status == .invalid)          // 1.6 has no Unknown
        #expect(unknown.idTokenInfo201.status == .unknown)
        let grouped = AuthorizationDecision.decide(IdTokenRecord(token: "A", status: .accepted, parent: "FLEET"), now: Self.now)
        #expect(grouped.idTagInfo16.parentIdTag == "FLEET")
        #expect(grouped.idTokenInfo201.groupIdToken?.idToken == "FLEET")
    }
}

@Suite(.timeLimit(.minutes(1))) struct AuthorizeOverOCPPTests {
    @Test(arguments: TestEngine.all) func authorizeAnswersFromTheTokenTable(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "auth")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        try await store.saveToken(IdTokenRecord(token: "04a1b2c3", status: .accepted, parent: "FLEET"), now: "2026-11-18T00:00:00Z")
        try await store.saveToken(IdTokenRecord(token: "STOLEN", status: .blocked), now: "2026-11-18T00:00:00Z")
        let stations = StationHandlers(store: store, policy: .accept, heartbeatInterval: 300,
                                       clock: { AuthorizationDecisionTests.now })
        try await withCSMS(stations) { port in
            for version in OCPPVersion.allCases {
                let (charger, chargerRunning) = try await connectCharger(port: port, id: "CP", version: version)
                if version == .v16 {
                    // Token lookup ignores case: RFID readers differ in how they print hex.
                    #expect(try await charger.call(V16.AuthorizeRequest(idTag: "04A1B2C3")).idTagInfo
                            == V16.AuthorizeResponse.IdTagInfo(parentIdTag: "FLEET", status: .accepted))
                    #expect(try await charger.call(V16.AuthorizeRequest(idTag: "STOLEN")).idTagInfo.status == .blocked)
                    #expect(try await charger.call(V16.AuthorizeRequest(idTag: "NOBODY")).idTagInfo.status == .invalid)
                } else {
                    let known = try await charger.call(V201.AuthorizeRequest(idToken: V201.IdTokenType(idToken: "04A1B2C3", type: .iso14443)))
                    #expect(known.idTokenInfo.status == .accepted && known.idTokenInfo.groupIdToken?.idToken == "FLEET")
                    let unknown = try await charger.call(V201.AuthorizeRequest(idToken: V201.IdTokenType(idToken: "NOBODY", type: .iso14443)))
                    #expect(unknown.idTokenInfo.status == .unknown)
                }
                await charger.socket.close()
                await chargerRunning.value
            }
        }
    }
}

/// The token registry's add and update: an existing token (in any letter case) is never
/// replaced by an add — that would unblock a blocked card and drop its expiry, parent and
/// sites — and an update changes only the fields it is given.
@Suite struct TokenRegistryTests {
    @Test(arguments: TestEngine.all) func addNeverReplacesAndUpdateKeepsTheStatus(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "tokens")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let now = "2026-11-18T00:00:00Z"
        #expect(try await store.addToken(IdTokenRecord(token: "CARD-A", status: .accepted, expiry: "2027-01-01T00:00:00Z", parent: "FLEET",
                                                       sites: ["north"]), now: now) == nil)
        #expect(try await store.setTokenStatus("CARD-A", .blocked, now: now))
        let existing = try await store.addToken(IdTokenRecord(token: "card-a", status: .accepted), now: now)
        #expect(existing?.token == "CARD-A" && existing?.status == .blocked)
        #expect(try await store.token("CARD-A") == IdTokenRecord(token: "CARD-A", status: .blocked, expiry: "2027-01-01T00:00:00Z",
                                                                  parent: "FLEET", sites: ["north"]))
        let updated = try await store.updateToken("card-a", expiry: "", parent: nil, note: "lost wallet", sites: [], now: now)
        #expect(updated == IdTokenRecord(token: "CARD-A", status: .blocked, parent: "FLEET", note: "lost wallet"))
        #expect(try await store.token("CARD-A") == updated)
        #expect(try await store.updateToken("NOBODY", expiry: nil, parent: "X", note: nil, sites: nil, now: now) == nil)
    }
}

/// A session begun before its station's last boot does not lock the card out at that station
/// (it rebooted since: the driver presents the card again), but still does elsewhere.
@Suite struct ConcurrentUseAfterRebootTests {
    @Test(arguments: TestEngine.all) func aRebootedStationsOldSessionDoesNotCountThere(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "reboot-concurrent")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        for id in ["CP-1", "CP-2"] {
            _ = try await store.recordBoot(id: id, vendor: "V", model: "M", serial: nil, firmware: nil, ocppVersion: "ocpp1.6", reason: nil,
                                           registrationForUnknown: "accepted", now: "2026-12-01T09:00:00.000Z")
        }
        _ = try await store.startSession(station: "CP-1", evse: 1, connector: 1, transactionRef: nil, idToken: "CARD", authorization: "accepted",
                                         startTime: "2026-12-01T10:00:00Z", meterStartWh: 0, now: "2026-12-01T10:00:00.000Z")
        let now = "2026-12-01T10:30:00.000Z"
        #expect(try await store.hasActiveSession(token: "card", station: "CP-1", now: now))
        #expect(!(try await store.hasActiveSession(token: "card", station: "CP-1", evse: 1, now: now)))
        _ = try await store.recordBoot(id: "CP-1", vendor: "V", model: "M", serial: nil, firmware: nil, ocppVersion: "ocpp1.6", reason: nil,
                                       registrationForUnknown: "accepted", now: "2026-12-01T10:20:00.000Z")
        #expect(!(try await store.hasActiveSession(token: "card", station: "CP-1", now: now)))
        #expect(try await store.hasActiveSession(token: "card", station: "CP-2", now: now))
        // A session on CP-2 whose stop was lost: charging, it counts; its connector Available, it does not.
        _ = try await store.startSession(station: "CP-2", evse: 1, connector: 1, transactionRef: nil, idToken: "OTHER", authorization: "accepted",
                                         startTime: "2026-12-01T10:00:00Z", meterStartWh: 0, now: "2026-12-01T10:21:00.000Z")
        for (status, counts) in [(ConnectorStatus.charging, true), (.available, false)] {
            try await store.recordStatus(id: "CP-2", StatusReport(evse: 1, connector: 1, status: status, errorCode: nil, vendorId: nil,
                                                                  vendorErrorCode: nil, info: nil, chargerTime: nil), now: "2026-12-01T10:22:00.000Z")
            #expect(try await store.hasActiveSession(token: "other", station: "CP-1", now: now) == counts)
        }
    }
}

/// Site restriction and concurrent-use protection over real OCPP connections.
@Suite(.timeLimit(.minutes(1))) struct AuthorizationPolicyTests {
    static let now = OCPPDateTime(secondsSinceEpoch: 1_795_000_000)

    func withStation(_ concurrentUse: ConcurrentUsePolicy, _ body: (OCPPConnection, OCPPConnection, StationStore) async throws -> Void) async throws {
        let test = try TestDatabase(.sqlite, name: "authz")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        _ = try await store.declareStation(id: "NORTH-1", site: "north")
        _ = try await store.declareStation(id: "SOUTH-1", site: "south")
        try await store.saveToken(IdTokenRecord(token: "DEPOT-CARD", status: .accepted, sites: ["north"]), now: Self.now.rfc3339)
        try await store.saveToken(IdTokenRecord(token: "ANY-CARD", status: .accepted), now: Self.now.rfc3339)
        var stations = StationHandlers(store: store, policy: .accept, heartbeatInterval: 300, clock: { Self.now })
        stations.concurrentUse = concurrentUse
        try await withCSMS(stations) { port in
            let (north, northRunning) = try await connectCharger(port: port, id: "NORTH-1", version: .v16)
            let (south, southRunning) = try await connectCharger(port: port, id: "SOUTH-1", version: .v201)
            try await body(north, south, store)
            await north.socket.close()
            await south.socket.close()
            await northRunning.value
            await southRunning.value
        }
    }

    @Test func aTokenLimitedToSitesIsRefusedElsewhere() async throws {
        try await withStation(.reject) { north, south, _ in
            #expect(try await north.call(V16.AuthorizeRequest(idTag: "DEPOT-CARD")).idTagInfo.status == .accepted)
            let elsewhere = try await south.call(V201.AuthorizeRequest(idToken: V201.IdTokenType(idToken: "DEPOT-CARD", type: .iso14443)))
            #expect(elsewhere.idTokenInfo.status == .notAtThisLocation)
        }
    }

    @Test func aStopAnswersWhatTheStartWasToldAtThisStation() async throws {
        try await withStation(.reject) { north, _, store in
            try await store.saveToken(IdTokenRecord(token: "SOUTH-ONLY", status: .accepted, sites: ["south"]), now: Self.now.rfc3339)
            let started = try await north.call(V16.StartTransactionRequest(connectorId: 1, idTag: "SOUTH-ONLY", meterStart: 0, timestamp: Self.now))
            #expect(started.idTagInfo.status == .invalid)
            let stopped = try await north.call(V16.StopTransactionRequest(idTag: "SOUTH-ONLY", meterStop: 10, timestamp: Self.now,
                                                                          transactionId: started.transactionId))
            #expect(stopped.idTagInfo?.status == .invalid)   // it was Accepted: the bare token's status, its sites left out
            // A card also charging elsewhere is not told ConcurrentTx at its stop: the session is ending.
            let first = try await north.call(V16.StartTransactionRequest(connectorId: 2, idTag: "ANY-CARD", meterStart: 0, timestamp: Self.now))
            #expect(first.idTagInfo.status == .accepted)
            let second = try await north.call(V16.StartTransactionRequest(connectorId: 3, idTag: "ANY-CARD", meterStart: 0, timestamp: Self.now))
            #expect(second.idTagInfo.status == .concurrentTx)   // recorded all the same: the charger may run it
            let ended = try await north.call(V16.StopTransactionRequest(idTag: "ANY-CARD", meterStop: 10, timestamp: Self.now,
                                                                        transactionId: first.transactionId))
            #expect(ended.idTagInfo?.status == .accepted)
        }
    }

    @Test func aTokenAlreadyChargingIsRefusedASecondSessionUnlessAllowed() async throws {
        try await withStation(.reject) { north, south, _ in
            let first = try await north.call(V16.StartTransactionRequest(connectorId: 1, idTag: "ANY-CARD", meterStart: 0, timestamp: Self.now))
            #expect(first.idTagInfo.status == .accepted)
            // The same start retried (the answer was lost) is still accepted: it is the same session.
            let retried = try await north.call(V16.StartTransactionRequest(connectorId: 1, idTag: "ANY-CARD", meterStart: 0, timestamp: Self.now))
            #expect(retried.transactionId == first.transactionId && retried.idTagInfo.status == .accepted)
            let second = try await south.call(V201.AuthorizeRequest(idToken: V201.IdTokenType(idToken: "ANY-CARD", type: .iso14443)))
            #expect(second.idTokenInfo.status == .concurrentTx)
            #expect(try await north.call(V16.AuthorizeRequest(idTag: "ANY-CARD")).idTagInfo.status == .concurrentTx)
            // A new start on the connector the card's open session is on supersedes that session
            // (a connector runs one transaction: the charger lost its stop), it is not concurrent.
            let again = try await north.call(V16.StartTransactionRequest(connectorId: 1, idTag: "ANY-CARD", meterStart: 10, timestamp: Self.now))
            #expect(again.idTagInfo.status == .accepted && again.transactionId != first.transactionId)
            let elsewhere = try await north.call(V16.StartTransactionRequest(connectorId: 2, idTag: "ANY-CARD", meterStart: 0, timestamp: Self.now))
            #expect(elsewhere.idTagInfo.status == .concurrentTx)
        }
        try await withStation(.allow) { north, south, _ in
            _ = try await north.call(V16.StartTransactionRequest(connectorId: 1, idTag: "ANY-CARD", meterStart: 0, timestamp: Self.now))
            let second = try await south.call(V201.AuthorizeRequest(idToken: V201.IdTokenType(idToken: "ANY-CARD", type: .iso14443)))
            #expect(second.idTokenInfo.status == .accepted)
        }
    }
}
