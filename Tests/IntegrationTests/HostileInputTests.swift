import Foundation
import Testing
import Transport

/// Hostile bytes over a real socket: each gets the right status or close code, and the
/// server keeps serving everyone else.
@Suite(.timeLimit(.minutes(1))) struct HostileInputTests {
    func closeFrame(from bytes: [UInt8]) -> (code: UInt16, reason: String)? {
        guard bytes.count >= 4, bytes[0] == 0x88 else { return nil }
        let length = Int(bytes[1] & 0x7F)
        guard bytes.count >= 2 + length, length >= 2 else { return nil }
        return (UInt16(bytes[2]) << 8 | UInt16(bytes[3]), String(decoding: bytes[4..<(2 + length)], as: UTF8.self))
    }

    @Test func unmaskedClientFrameGetsClose1002() async throws {
        try await withServer(router: echoRouter()) { server in
            let raw = try RawClient(port: server.boundAddress.port)
            #expect(await raw.upgrade().hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"))
            raw.write([0x81, 0x05] + Array("hello".utf8))   // claims: FIN + text, not masked
            let reply = closeFrame(from: await raw.readUntilClosed())
            #expect(reply?.code == 1002)
            #expect(reply?.reason == "client frame is not masked")
            try await assertStillServing(server)
        }
    }

    @Test func invalidUTF8GetsClose1007() async throws {
        try await withServer(router: echoRouter()) { server in
            let raw = try RawClient(port: server.boundAddress.port)
            _ = await raw.upgrade()
            raw.write(RawClient.maskedFrame(opcode: 0x1, payload: [0x41, 0xC0, 0xAF]))   // overlong encoding
            #expect(closeFrame(from: await raw.readUntilClosed())?.code == 1007)
            try await assertStillServing(server)
        }
    }

    @Test func oversizedMessageGetsClose1009BeforeThePayloadArrives() async throws {
        var configuration = WebSocketConfiguration()
        configuration.maxMessageBytes = 1024
        try await withServer(router: echoRouter(configuration: configuration)) { server in
            let raw = try RawClient(port: server.boundAddress.port)
            _ = await raw.upgrade()
            raw.write([0x82, 0xFE, 0x10, 0x00, 1, 2, 3, 4])   // claims: binary, 4096 bytes, masked; payload never sent
            #expect(closeFrame(from: await raw.readUntilClosed())?.code == 1009)
        }
    }

    @Test func hugeLengthGetsClose1002() async throws {
        try await withServer(router: echoRouter()) { server in
            let raw = try RawClient(port: server.boundAddress.port)
            _ = await raw.upgrade()
            raw.write([0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4])   // claims: 2^63-byte payload
            #expect(closeFrame(from: await raw.readUntilClosed())?.code == 1002)
        }
    }

    @Test func echoedPingAndCloseHandshakeBytesAreExact() async throws {
        try await withServer(router: echoRouter()) { server in
            let raw = try RawClient(port: server.boundAddress.port)
            _ = await raw.upgrade()
            raw.write(RawClient.maskedFrame(opcode: 0x9, payload: Array("hb".utf8)))
            #expect(await raw.read(count: 4) == [0x8A, 0x02, 0x68, 0x62])   // pong "hb"
            raw.write(RawClient.maskedFrame(opcode: 0x8, payload: [0x03, 0xE8]))
            #expect(await raw.readUntilClosed() == [0x88, 0x02, 0x03, 0xE8])   // close 1000 echoed, then TCP closed
        }
    }

    @Test(arguments: [
        ("GARBAGE\r\n\r\n", "HTTP/1.1 400 Bad Request"),
        ("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 20_000) + "\r\n\r\n", "HTTP/1.1 431 Request Header Fields Too Large"),
        ("POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n", "HTTP/1.1 413 Content Too Large"),
        ("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 426 Upgrade Required"),
        ("DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 405 Method Not Allowed"),
        ("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 404 Not Found"),
        ("GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n", "HTTP/1.1 400 Bad Request"),
    ])
    func badRequestsGetTheRightStatus(request: String, statusLine: String) async throws {
        try await withServer(router: echoRouter()) { server in
            let raw = try RawClient(port: server.boundAddress.port)
            raw.write(request)
            let response = String(decoding: await raw.readUntilClosed(), as: UTF8.self)
            #expect(response.hasPrefix(statusLine + "\r\n"), "got \(response.prefix(80).debugDescription)")
            try await assertStillServing(server)
        }
    }

    @Test func keepAliveServesPipelinedRequestsInOrder() async throws {
        try await withServer(router: echoRouter()) { server in
            let raw = try RawClient(port: server.boundAddress.port)
            raw.write("GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /missing HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let text = String(decoding: await raw.readUntilClosed(), as: UTF8.self)
            let statusLines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n").filter { $0.hasPrefix("HTTP/1.1") }
            #expect(statusLines == ["HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK"], "\(text.debugDescription)")
            #expect(text.hasSuffix("Connection: close\r\n\r\nhello\n"))
            #expect(text.components(separatedBy: "\r\nDate: ").count == 4)   // every response is dated
        }
    }

    @Test func slowlorisGets408WithinTheReadTimeout() async throws {
        var configuration = HTTPServerConfiguration()
        configuration.timeouts.requestRead = .milliseconds(300)
        try await withServer(router: echoRouter(), configuration: configuration) { server in
            let raw = try RawClient(port: server.boundAddress.port)
            raw.write("GET /hello HTTP/1.1\r\n")
            for _ in 0..<3 {
                try await Task.sleep(for: .milliseconds(100))
                raw.write("X-Slow: 1\r\n")   // trickling bytes must not extend the deadline
            }
            let response = String(decoding: await raw.readUntilClosed(), as: UTF8.self)
            #expect(response.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
        }
    }

    @Test func idleKeepAliveConnectionIsClosedSilently() async throws {
        var configuration = HTTPServerConfiguration()
        configuration.timeouts.keepAlive = .milliseconds(200)
        try await withServer(router: echoRouter(), configuration: configuration) { server in
            let raw = try RawClient(port: server.boundAddress.port)
            #expect(await raw.readUntilClosed().isEmpty)
            #expect(await eventually { server.connectionCount == 0 })
        }
    }

    func assertStillServing(_ server: HTTPServer) async throws {
        let (client, _) = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(server.boundAddress.port)/echo")
        try await client.send(text: "still here")
        #expect(try await client.receive() == .text("still here"))
        await client.close()
    }
}
