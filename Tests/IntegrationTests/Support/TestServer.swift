import Foundation
import Testing
import Transport

/// Runs an `HTTPServer` on 127.0.0.1 with an ephemeral port for the duration of `body`,
/// then shuts it down and waits for `run()` to return.
func withServer(router: Router, configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
                _ body: (HTTPServer) async throws -> Void) async throws {
    let server = try HTTPServer(address: SocketAddress(host: "127.0.0.1", port: 0), router: router, configuration: configuration)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await server.run() }
        do {
            try await body(server)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
        try await group.waitForAll()
    }
}

/// A router with a WebSocket echo at `/echo` (any or no subprotocol) and `GET /hello`.
func echoRouter(configuration: WebSocketConfiguration = WebSocketConfiguration(),
                onClose: (@Sendable (WebSocketCloseStatus?) -> Void)? = nil) -> Router {
    var router = Router()
    router.webSocket("/echo", WebSocketRoute(configuration: configuration,
                                             negotiate: { _, offered in .accept(subprotocol: offered.first) },
                                             handler: { connection, _ in
        while let message = try? await connection.receive() {
            try? await connection.send(message)
        }
        onClose?(await connection.closeStatus)
    }))
    router.webSocket("/ocpp/{chargePointId}", WebSocketRoute(
        negotiate: { _, offered in WebSocketRoute.selectSubprotocol(from: ["ocpp2.0.1", "ocpp1.6"], offered: offered) },
        handler: { connection, info in
            try? await connection.send(text: "\(info.pathParameters["chargePointId"] ?? "") \(info.subprotocol ?? "") \(info.peerCertificateSubject ?? "-")"
                                             + " \(info.peerCertificateCommonNames ?? [])")
            _ = try? await connection.receive()
        }))
    router.on("GET", "/hello") { _ in .text(.ok, "hello") }
    return router
}

/// Polls `condition` every 10 ms for up to `seconds`.
func eventually(within seconds: Double = 5, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}

/// Thread-safe box for values reported from server handlers.
final class Recorder<Value: Sendable>: Sendable {
    private let storage = Mutex<[Value]>([])
    func append(_ value: Value) { storage.withLock { $0.append(value) } }
    var values: [Value] { storage.withLock { $0 } }
}

import Synchronization
