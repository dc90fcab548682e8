import Foundation
import StoreTesting
import Testing
import Transport
@testable import CPMS
@testable import OCPP

/// Offline is decided by the socket: a station whose connection is open and answers the
/// keep-alive pings stays online however late its heartbeats; one without a live socket, or
/// whose socket stopped answering, goes offline at the sweep. Real sockets on 127.0.0.1,
/// keep-alive timers in milliseconds.
@Suite(.timeLimit(.minutes(1))) struct StationLivenessTests {
    static let bootTime = OCPPDateTime(secondsSinceEpoch: 1_795_000_000)
    /// Far past the heartbeat cutoff of every station booted at `bootTime` (interval 1 s).
    static let sweepTime = OCPPDateTime(secondsSinceEpoch: 1_795_000_000 + 60)

    /// Runs a CSMS whose connections register in `registry` while they run, as `vigil serve`
    /// does. Unlike serve, a disconnect is not recorded in the store, so only the sweep can
    /// mark a station offline here.
    func withLiveCSMS(_ stations: StationHandlers, _ registry: ConnectionRegistry, keepAlive: WebSocketConfiguration,
                      _ body: (Int) async throws -> Void) async throws {
        try await withOCPPServer(configuration: keepAlive, { socket, version, id in
            let connection = OCPPConnection(socket: socket, version: version, stationId: id,
                                            handlers: stations.handlers(version: version).connectionHandlers())
            await registry.register(connection, for: id)
            await connection.run()
            await registry.unregister(connection, for: id)
        }, body)
    }

    func temporaryStore() throws -> (StationStore, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-liveness-\(UUID().uuidString).sqlite").path
        return (try StationStore(path: path), path)
    }

    @Test func aSocketAnsweringPingsKeepsAStationOnlineWithoutHeartbeats() async throws {
        let (store, path) = try temporaryStore()
        defer { removeSQLiteFiles(path) }
        let stations = StationHandlers(store: store, policy: .accept, heartbeatInterval: 1, clock: { Self.bootTime })
        let registry = ConnectionRegistry()
        var keepAlive = WebSocketConfiguration()
        keepAlive.pingInterval = .milliseconds(50)
        keepAlive.pongTimeout = .seconds(2)   // generous: a loaded test machine must not drop the socket
        let sweep = OfflineSweep(store: store, connections: registry, heartbeatInterval: 1, keepAlive: keepAlive, clock: { Self.sweepTime })
        #expect(sweep.answerWindow == .milliseconds(4_050))   // ping interval + twice the pong timeout
        // The real window, though the test then waits seconds: pings after 50 ms of silence keep
        // an answering socket well inside it, and the boot alone is older than it at the sweep.
        // A narrower window (1.5 s) failed once in CI, when the rest of the suite starved the
        // pings on the 2-core machine for longer than that.
        try await withLiveCSMS(stations, registry, keepAlive: keepAlive) { port in
            let (live, liveRunning) = try await connectCharger(port: port, id: "CP-LIVE", version: .v16)
            let (gone, goneRunning) = try await connectCharger(port: port, id: "CP-GONE", version: .v201)
            let boot = try await live.call(V16.BootNotificationRequest(chargePointVendor: "ABB", chargePointModel: "Terra"))
            #expect(boot.interval == 1)
            let booted = ContinuousClock.now
            _ = try await gone.call(V201.BootNotificationRequest(chargingStation: V201.ChargingStationType(model: "Terra", vendorName: "ABB"),
                                                                 reason: .powerUp))
            await gone.socket.close()
            await goneRunning.value
            #expect(await eventually { await registry.connection(for: "CP-GONE") == nil })
            // CP-LIVE sends nothing more: only its answers to the server's pings say it is alive.
            try await Task.sleep(for: sweep.answerWindow + .milliseconds(300))
            #expect(ContinuousClock.now - booted > sweep.answerWindow)   // so its boot alone would not count
            #expect(await eventually { await registry.answeringStations(within: sweep.answerWindow) == ["CP-LIVE"] })
            #expect(try await store.station("CP-LIVE")?.lastSeen == Self.bootTime.rfc3339)

            #expect(try await sweep.sweep() == ["CP-GONE"])
            #expect(try await store.station("CP-LIVE")?.isOnline == true)
            #expect(try await store.station("CP-GONE")?.isOnline == false)
            #expect(await live.socket.closeStatus == nil)
            await live.socket.close()
            await liveRunning.value
        }
    }

    @Test func anOpenSocketThatHasGoneQuietIsNoProofOfLife() async throws {
        let (store, path) = try temporaryStore()
        defer { removeSQLiteFiles(path) }
        let stations = StationHandlers(store: store, policy: .accept, heartbeatInterval: 1, clock: { Self.bootTime })
        let registry = ConnectionRegistry()
        var keepAlive = WebSocketConfiguration()
        keepAlive.pingInterval = nil   // no pings: the socket's silence is the charger's
        var sweep = OfflineSweep(store: store, connections: registry, heartbeatInterval: 1, keepAlive: keepAlive, clock: { Self.sweepTime })
        #expect(sweep.answerWindow == .seconds(2))   // without pings, the heartbeat cutoff
        try await withLiveCSMS(stations, registry, keepAlive: keepAlive) { port in
            let (mute, running) = try await connectCharger(port: port, id: "CP-MUTE", version: .v16)
            _ = try await mute.call(V16.BootNotificationRequest(chargePointVendor: "ABB", chargePointModel: "Terra"))
            sweep.answerWindow = .seconds(30)   // wide, so a loaded machine cannot make this flaky
            #expect(try await sweep.sweep() == [])   // it has just spoken
            let socket = try #require(await registry.connection(for: "CP-MUTE")?.socket)
            sweep.answerWindow = .milliseconds(200)
            #expect(await eventually { await socket.timeSinceLastFrame > .milliseconds(200) })
            #expect(await socket.closeStatus == nil)   // still open, but silent
            #expect(try await sweep.sweep() == ["CP-MUTE"])
            #expect(try await store.station("CP-MUTE")?.isOnline == false)
            await mute.socket.close()
            await running.value
        }
    }

    func eventually(_ condition: () async -> Bool) async -> Bool {
        for _ in 0..<500 {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return await condition()
    }
}
