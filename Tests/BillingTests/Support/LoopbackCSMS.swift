import CPMS
import OCPP
import Transport

/// Runs the CPMS handlers of `stations` on 127.0.0.1 (ephemeral port), each connection
/// registered in `registry` while it runs — as serve's endpoint does, so `CommandService` finds
/// it — hands `body` the port, then shuts the server down, also when `body` throws.
func withCSMS(_ stations: StationHandlers, registry: ConnectionRegistry, _ body: (Int) async throws -> Void) async throws {
    var router = Router()
    router.webSocket("/ocpp/{chargePointId}", WebSocketRoute(
        negotiate: { _, offered in WebSocketRoute.selectSubprotocol(from: OCPPVersion.subprotocols, offered: offered) },
        handler: { socket, info in
            let version = OCPPVersion(rawValue: info.subprotocol ?? "") ?? .v16, id = info.pathParameters["chargePointId"] ?? ""
            let connection = OCPPConnection(socket: socket, version: version, stationId: id,
                                            handlers: stations.handlers(version: version).connectionHandlers())
            await registry.register(connection, for: id)
            await connection.run()
            await registry.unregister(connection, for: id)
        }))
    let server = try HTTPServer(address: SocketAddress(host: "127.0.0.1", port: 0), router: router)
    async let running: Void = server.run()
    do {
        try await body(server.boundAddress.port)
    } catch {
        await server.shutdown()
        await running
        throw error
    }
    await server.shutdown()
    await running
}

/// A charger connected to `port` as `id`, answering Vigil's calls with `handlers` (an action
/// without one is answered NotImplemented), its receive loop running in the returned task;
/// `frames` sees every text frame it receives, in order.
func connectCharger(port: Int, id: String, version: OCPPVersion, handlers: [String: OCPPConnection.Handler] = [:],
                    frames: (@Sendable (String) -> Void)? = nil) async throws -> (OCPPConnection, Task<Void, Never>) {
    var options = WebSocketClient.Options()
    options.connectTimeout = .seconds(60)   // the suite shares two cores: a handshake can wait behind it
    options.subprotocols = [version.rawValue]
    let (socket, _) = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(port)/ocpp/\(id)", options: options)
    var frameLog: (@Sendable (_ incoming: Bool, _ text: String) -> Void)?
    if let frames { frameLog = { incoming, text in if incoming { frames(text) } } }
    let charger = OCPPConnection(socket: socket, version: version, stationId: id, handlers: handlers, frameLog: frameLog)
    return (charger, Task { await charger.run() })
}
