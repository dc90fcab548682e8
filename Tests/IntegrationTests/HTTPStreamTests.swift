import Foundation
import Testing
import Transport

/// Streaming responses over real sockets: the head without Content-Length, writes as they
/// come, the end when the server shuts down, and a write timeout against a client that stops reading.
@Suite(.timeLimit(.minutes(1))) struct HTTPStreamTests {
    /// A stream that writes "tick N\n" every 20 ms until cancelled or refused.
    func ticking(outcomes: Recorder<String>, chunk: Int = 0, writeTimeout: Duration = .seconds(5)) -> Router {
        var router = Router()
        router.on("GET", "/stream") { _ in
            .streaming(headers: ["Content-Type": "text/event-stream"], body: HTTPStreamBody(writeTimeout: writeTimeout) { writer in
                var number = 0
                while !Task.isCancelled {
                    number += 1
                    do {
                        try await writer.write(Array("tick \(number)\n".utf8) + [UInt8](repeating: 0x2E, count: chunk))
                    } catch {
                        outcomes.append("\(error)")
                        return
                    }
                    try? await Task.sleep(for: .milliseconds(20))
                }
                outcomes.append("cancelled")
            })
        }
        return router
    }

    @Test func theHeadComesFirstThenWritesUntilTheServerStops() async throws {
        let outcomes = Recorder<String>()
        let server = try HTTPServer(address: SocketAddress(host: "127.0.0.1", port: 0), router: ticking(outcomes: outcomes))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await server.run() }
            let client = try RawClient(port: server.boundAddress.port)
            client.write("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            let head = await client.readHead()
            #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(head.contains("Content-Type: text/event-stream") && head.contains("Connection: close") && !head.contains("Content-Length"))
            let first = String(decoding: await client.read(count: 14), as: UTF8.self)
            #expect(first == "tick 1\ntick 2\n")
            // SIGTERM's path: shutdown ends the stream (the body's task is cancelled) and closes the socket.
            await server.shutdown()
            _ = await client.readUntilClosed()
            try await group.waitForAll()
        }
        #expect(await eventually { outcomes.values.count == 1 })
        #expect(["cancelled", "\(HTTPStreamError.closed)"].contains(outcomes.values.first ?? ""))
    }

    @Test func theStreamEndsWhenTheClientLeaves() async throws {
        let outcomes = Recorder<String>()
        try await withServer(router: ticking(outcomes: outcomes)) { server in
            do {
                let client = try RawClient(port: server.boundAddress.port)
                client.write("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
                _ = await client.readHead()
            }   // closed here
            #expect(await eventually { !outcomes.values.isEmpty })
            #expect(await eventually { server.connectionCount == 0 })
        }
    }

    @Test func aClientThatStopsReadingIsDroppedAfterTheWriteTimeout() async throws {
        let outcomes = Recorder<String>()
        // 256 KiB per write: the socket buffers fill within a few writes when nobody reads.
        try await withServer(router: ticking(outcomes: outcomes, chunk: 256 * 1024, writeTimeout: .milliseconds(300))) { server in
            let client = try RawClient(port: server.boundAddress.port)
            client.write("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await eventually(within: 10) { !outcomes.values.isEmpty })
            #expect(outcomes.values.first?.contains("did not take") == true, "\(outcomes.values)")
            #expect(await eventually { server.connectionCount == 0 })
            _ = client
        }
    }
}
