@testable import CPMS
@testable import OCPP
import Synchronization
import Transport

/// Runs an OCPP endpoint on 127.0.0.1 (ephemeral port) whose connections are served by
/// `serve(socket, version, stationId)`, hands `body` the port, then shuts the server down
/// and waits for it, also when `body` throws.
func withOCPPServer(configuration: WebSocketConfiguration = WebSocketConfiguration(),
                    _ serve: @escaping @Sendable (TransportConnection, OCPPVersion, String) async -> Void,
                    _ body: (Int) async throws -> Void) async throws {
    var router = Router()
    router.webSocket("/ocpp/{chargePointId}", WebSocketRoute(
        configuration: configuration,
        negotiate: { _, offered in WebSocketRoute.selectSubprotocol(from: OCPPVersion.subprotocols, offered: offered) },
        handler: { socket, info in
            await serve(socket, OCPPVersion(rawValue: info.subprotocol ?? "") ?? .v16, info.pathParameters["chargePointId"] ?? "")
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

/// A server whose connections run the CPMS handlers of `stations`.
func withCSMS(_ stations: StationHandlers, _ body: (Int) async throws -> Void) async throws {
    try await withOCPPServer({ socket, version, id in
        // Held in a named local: an actor method awaited on a temporary was seen running on a
        // released object (Swift 6.3.1), corrupting a task's frame once the actor's size changed.
        let connection = OCPPConnection(socket: socket, version: version, stationId: id,
                                        handlers: stations.handlers(version: version).connectionHandlers())
        await connection.run()
    }, body)
}

/// A charger connected to `port` as `id`, with its receive loop running in the returned task.
func connectCharger(port: Int, id: String, version: OCPPVersion,
                    handlers: [String: OCPPConnection.Handler] = [:]) async throws -> (OCPPConnection, Task<Void, Never>) {
    var options = WebSocketClient.Options()
    options.connectTimeout = .seconds(60)   // the suite shares two cores: a handshake can wait behind it
    options.subprotocols = [version.rawValue]
    let (socket, _) = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(port)/ocpp/\(id)", options: options)
    let charger = OCPPConnection(socket: socket, version: version, stationId: id, handlers: handlers)
    return (charger, Task { await charger.run() })
}

/// A server whose connections register in `registry` while they run (no handlers: every
/// charger CALL is answered NotImplemented).
/// `authenticated` says, for the n-th connection (0-based), whether its upgrade proved the station's identity.
func withRegisteringServer(_ registry: ConnectionRegistry, authenticated: @escaping @Sendable (Int) -> Bool = { _ in false },
                           _ body: (Int) async throws -> Void) async throws {
    let ordinal = Mutex(0)
    try await withOCPPServer({ socket, version, id in
        let connection = OCPPConnection(socket: socket, version: version, stationId: id, handlers: [:])
        let number = ordinal.withLock { value in defer { value += 1 }; return value }
        await registry.register(connection, for: id, authenticated: authenticated(number))
        await connection.run()
        await registry.unregister(connection, for: id)
    }, body)
}
