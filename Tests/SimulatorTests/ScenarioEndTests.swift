import Foundation
import OCPP
@testable import Simulator
import Synchronization
import Testing
import Transport

/// When the scenario ends, drivers still charging unplug: their sessions are stopped, not left
/// open in the CSMS for good (the demo's bill showed none of them).
@Suite(.timeLimit(.minutes(1))) struct ScenarioEndTests {
    @Test func sessionsStillChargingAtTheEndAreStopped() async throws {
        let stops = Mutex<[JSONObject]>([])
        let starts = Mutex(0)
        let ok: OCPPConnection.Handler = { _, _ in JSONObject() }
        let boot: OCPPConnection.Handler = { _, _ in
            JSONObject([("status", .string("Accepted")), ("currentTime", .string("2026-11-26T01:00:00Z")), ("interval", .integer(300))])
        }
        let start: OCPPConnection.Handler = { _, _ in
            starts.withLock { $0 += 1 }
            return JSONObject([("transactionId", .integer(7)), ("idTagInfo", .object(JSONObject([("status", .string("Accepted"))])))])
        }
        let stop: OCPPConnection.Handler = { payload, _ in
            stops.withLock { $0.append(payload) }
            return JSONObject()
        }
        let personality = try #require(try Personality.load("- { name: one, vendor: Acme, model: Q1, ocpp: ocpp1.6, connectors: 1 }\n",
                                                            file: "p.yaml").get().first)
        // Drivers arrive at once and want far more energy than the scenario delivers. Its 15 s
        // leave room for a slow boot when the whole suite runs at once on two cores.
        let scenario = try Scenario.load("""
            duration: 15s
            speed: 1
            sites:
              - { name: s, prefix: CP, stations: 1, personalities: [one] }
            drivers: { sessionsPerHour: 360000, energyKWh: [500, 500], powerKW: 22, tokens: [CARD-1], unknownShare: 0 }
            """, file: "s.yaml").get()
        var router = Router()
        router.webSocket("/ocpp/{id}", WebSocketRoute(
            negotiate: { _, offered in WebSocketRoute.selectSubprotocol(from: OCPPVersion.subprotocols, offered: offered) },
            handler: { socket, info in
                let connection = OCPPConnection(socket: socket, version: .v16, stationId: info.pathParameters["id"] ?? "",
                                                handlers: ["BootNotification": boot, "StatusNotification": ok, "Heartbeat": ok,
                                                           "StartTransaction": start, "StopTransaction": stop, "MeterValues": ok])
                await connection.run()
            }))
        let server = try HTTPServer(address: SocketAddress(host: "127.0.0.1", port: 0), router: router)
        async let serving: Void = server.run()
        let station = SimulatedStation(id: "CP-1", site: "s", personality: personality, scenario: scenario, clock: SimClock(speed: 1),
                                       url: "ws://127.0.0.1:\(server.boundAddress.port)/ocpp/", seed: 1, report: { _ in })
        await station.run()
        await server.shutdown()
        await serving
        // A machine too busy to connect and boot the station within the scenario (the whole
        // suite shares two cores) leaves no driver to judge; a session that started must have
        // been stopped at the end.
        let started = starts.withLock { $0 }
        guard started > 0 else { return }
        #expect(started == 1)
        let stopped = stops.withLock { $0 }
        #expect(stopped.count == 1)
        #expect(stopped.first?["reason"] == .string("EVDisconnected") && stopped.first?["transactionId"] == .integer(7))
    }
}
