import Foundation
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
    @Test func authorizeAnswersFromTheTokenTable() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-auth-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try StationStore(path: path)
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
