import Transport
@testable import OCPP

/// Runs an OCPP endpoint on 127.0.0.1 (ephemeral port) whose connections run an
/// `OCPPConnection` with `handlers(version)`; hands `body` the port, then shuts the server
/// down and waits for it, also when `body` throws.
func withOCPPServer(handlers: @escaping @Sendable (OCPPVersion) -> [String: OCPPConnection.Handler],
                    quirks: StationQuirks = StationQuirks(), quirkLog: (@Sendable ([AppliedQuirk]) -> Void)? = nil,
                    _ body: (Int) async throws -> Void) async throws {
    var router = Router()
    router.webSocket("/ocpp/{chargePointId}", WebSocketRoute(
        negotiate: { _, offered in WebSocketRoute.selectSubprotocol(from: OCPPVersion.subprotocols, offered: offered) },
        handler: { socket, info in
            let version = OCPPVersion(rawValue: info.subprotocol ?? "") ?? .v16
            let connection = OCPPConnection(socket: socket, version: version, stationId: info.pathParameters["chargePointId"] ?? "",
                                            handlers: handlers(version), quirkLog: quirkLog)
            await connection.apply(quirks)
            await connection.run()
        }))
    let server = try HTTPServer(address: SocketAddress(host: "127.0.0.1", port: 0), router: router)
    async let running: Void = server.run()
    do { try await body(server.boundAddress.port) } catch {
        await server.shutdown()
        await running
        throw error
    }
    await server.shutdown()
    await running
}
