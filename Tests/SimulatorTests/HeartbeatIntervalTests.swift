import Foundation
import OCPP
@testable import Simulator
import Synchronization
import Testing
import Transport

/// A simulated charger keeps the heartbeat interval the CSMS gave in its Boot response, as
/// real chargers do, and its personality's own only when the CSMS gives none.
@Suite(.timeLimit(.minutes(1))) struct HeartbeatIntervalTests {
    static func personality(ocpp: String, heartbeatInterval: Double = 300) throws -> Personality {
        let text = "- { name: slow-\(ocpp), vendor: Acme, model: Q1, ocpp: \(ocpp), connectors: 1, heartbeatInterval: \(Int(heartbeatInterval)) }\n"
        return try #require(try Personality.load(text, file: "p.yaml").get().first)
    }

    @Test func theBootIntervalIsAdoptedAndScaledToSimulatedTime() throws {
        let personality = try Self.personality(ocpp: "ocpp1.6")
        let reply = { (interval: JSONValue?) -> JSONObject in
            var object = JSONObject([("status", .string("Accepted")), ("currentTime", .string("2026-11-26T01:00:00Z"))])
            if let interval { object.append("interval", interval) }
            return object
        }
        #expect(SimulatedStation.heartbeatInterval(bootReply: reply(.integer(60)), personality: personality, speed: 1) == 60)
        // The CSMS counts real seconds: at 10× a real minute is ten simulated ones.
        #expect(SimulatedStation.heartbeatInterval(bootReply: reply(.integer(60)), personality: personality, speed: 10) == 600)
        // No interval from the CSMS: the personality's own.
        #expect(SimulatedStation.heartbeatInterval(bootReply: reply(.integer(0)), personality: personality, speed: 1) == 300)
        #expect(SimulatedStation.heartbeatInterval(bootReply: reply(nil), personality: personality, speed: 1) == 300)
        #expect(SimulatedStation.heartbeatInterval(bootReply: reply(.string("60")), personality: personality, speed: 1) == 300)
    }

    /// Stations whose personalities heartbeat every 300 s boot against a CSMS that says 1 s:
    /// both versions heartbeat within about a second.
    @Test func stationsHeartbeatAtTheIntervalTheCSMSGave() async throws {
        let heartbeats = Mutex<[String: Int]>([:])
        let boot: OCPPConnection.Handler = { _, _ in
            JSONObject([("status", .string("Accepted")), ("currentTime", .string("2026-11-26T01:00:00Z")), ("interval", .integer(1))])
        }
        let status: OCPPConnection.Handler = { _, _ in JSONObject() }
        let scenario = try Scenario.load("""
            duration: 5m
            speed: 1
            sites:
              - { name: s, prefix: CP, stations: 2, personalities: [slow-ocpp1.6, slow-ocpp2.0.1] }
            drivers: { sessionsPerHour: 0 }
            """, file: "s.yaml").get()
        var router = Router()
        router.webSocket("/ocpp/{id}", WebSocketRoute(
            negotiate: { _, offered in WebSocketRoute.selectSubprotocol(from: OCPPVersion.subprotocols, offered: offered) },
            handler: { socket, info in
                let id = info.pathParameters["id"] ?? ""
                let heartbeat: OCPPConnection.Handler = { _, _ in
                    heartbeats.withLock { $0[id, default: 0] += 1 }
                    return JSONObject([("currentTime", .string("2026-11-26T01:00:00Z"))])
                }
                // Named, not a temporary: see LoopbackCSMS in CPMSTests.
                let connection = OCPPConnection(socket: socket, version: OCPPVersion(rawValue: info.subprotocol ?? "") ?? .v16, stationId: id,
                                                handlers: ["BootNotification": boot, "StatusNotification": status, "Heartbeat": heartbeat])
                await connection.run()
            }))
        let server = try HTTPServer(address: SocketAddress(host: "127.0.0.1", port: 0), router: router)
        async let serving: Void = server.run()
        let clock = SimClock(speed: scenario.speed)
        let url = "ws://127.0.0.1:\(server.boundAddress.port)/ocpp/"
        let stations = [try SimulatedStation(id: "CP-1", site: "s", personality: Self.personality(ocpp: "ocpp1.6"), scenario: scenario,
                                             clock: clock, url: url, seed: 1, report: { _ in }),
                        try SimulatedStation(id: "CP-2", site: "s", personality: Self.personality(ocpp: "ocpp2.0.1"), scenario: scenario,
                                             clock: clock, url: url, seed: 2, report: { _ in })]
        let running = stations.map { station in Task { await station.run() } }
        var heard = false
        for _ in 0..<100 where !heard {   // at most 5 s; about 1.2 s when the interval is adopted
            try await Task.sleep(for: .milliseconds(50))
            heard = heartbeats.withLock { $0["CP-1", default: 0] >= 1 && $0["CP-2", default: 0] >= 1 }
        }
        #expect(heard, "heartbeats by station: \(heartbeats.withLock { $0 })")
        #expect(clock.elapsed < 300)
        running.forEach { $0.cancel() }
        for task in running { await task.value }
        await server.shutdown()
        await serving
    }
}
