import Foundation
import ServiceLog
import Transport

/// `vigil echo`: a WebSocket endpoint that returns every message unchanged. It is the
/// same Transport code as `serve`, used for the Autobahn conformance cases and the
/// transport benchmark; it accepts any (or no) subprotocol and large messages. `/ocpp/{id}`
/// takes the benchmark chargers, which load it exactly as they load `serve`.
struct EchoCommand {
    let listen: SocketAddress
    let maxMessageBytes: Int

    init(arguments: [String]) throws(UsageError) {
        let parsed = Arguments(arguments)
        try parsed.rejectUnknown(allowed: ["listen", "max-message-bytes"])
        let text = parsed.value("listen") ?? "127.0.0.1:9001"
        guard let address = SocketAddress.parse(text) else { throw UsageError("--listen must be HOST:PORT, got \(text.debugDescription)") }
        listen = address
        maxMessageBytes = try parsed.integer("max-message-bytes", default: 64 << 20)
    }

    func run() async throws -> Int32 {
        SystemLimits.raiseFileDescriptorLimit()
        let server = try HTTPServer(address: listen, router: Self.router(maxMessageBytes: maxMessageBytes))
        printLine("echo listening on \(server.boundAddress)")
        await Shutdown.runUntilSignalled([server], log: Log())
        return 0
    }

    static func router(maxMessageBytes: Int) -> Router {
        var configuration = WebSocketConfiguration()
        configuration.maxMessageBytes = maxMessageBytes
        configuration.outboundHighWatermark = max(configuration.outboundHighWatermark, maxMessageBytes)
        let route = WebSocketRoute(configuration: configuration,
                                   negotiate: { _, offered in .accept(subprotocol: offered.first) },
                                   handler: { connection, _ in await echo(connection) })
        var router = Router()
        router.webSocket("/", route)
        router.webSocket("/echo", route)
        router.webSocket("/ocpp/{chargePointId}", route)
        router.on("GET", "/health") { _ in .text(.ok, "ok") }
        return router
    }

    static func echo(_ connection: isolated TransportConnection) async {
        while let message = try? await connection.receive() {
            do { try await connection.send(message) } catch { return }
        }
    }
}
