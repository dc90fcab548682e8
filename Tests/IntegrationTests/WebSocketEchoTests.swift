import Testing
import Transport

@Suite(.timeLimit(.minutes(1))) struct WebSocketEchoTests {
    @Test func textBinaryAndLargeMessagesRoundTrip() async throws {
        var configuration = WebSocketConfiguration()
        configuration.maxMessageBytes = 4 << 20
        try await withServer(router: echoRouter(configuration: configuration)) { server in
            var options = WebSocketClient.Options()
            options.configuration.maxMessageBytes = 4 << 20
            let (client, _) = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(server.boundAddress.port)/echo", options: options)
            try await client.send(text: "[2,\"1\",\"Heartbeat\",{}]")
            #expect(try await client.receive() == .text("[2,\"1\",\"Heartbeat\",{}]"))
            try await client.send(text: "Größe 🔌")
            #expect(try await client.receive() == .text("Größe 🔌"))
            let big = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            try await client.send(binary: big)
            #expect(try await client.receive() == .binary(big))
            await client.close()
            #expect(await client.closeStatus == WebSocketCloseStatus(code: .normal, reason: "", initiatedLocally: true))
        }
    }

    @Test func fragmentedClientMessageIsReassembled() async throws {
        try await withServer(router: echoRouter()) { server in
            let (client, _) = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(server.boundAddress.port)/echo")
            try await client.send(frame: WebSocketFrame(fin: false, opcode: .text, payload: Array("Status".utf8)))
            try await client.sendPing([1, 2, 3])
            try await client.send(frame: WebSocketFrame(fin: true, opcode: .continuation, payload: Array("Notification".utf8)))
            #expect(try await client.receive() == .text("StatusNotification"))
            await client.close()
        }
    }

    @Test func subprotocolIsNegotiatedAndPathParameterDecoded() async throws {
        try await withServer(router: echoRouter()) { server in
            var options = WebSocketClient.Options()
            options.subprotocols = ["ocpp1.6"]
            let (client, info) = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(server.boundAddress.port)/ocpp/CP%2017", options: options)
            #expect(info.subprotocol == "ocpp1.6")
            #expect(try await client.receive() == .text("CP 17 ocpp1.6 - []"))
            await client.close()
        }
    }

    @Test func connectionOfferingNoSupportedSubprotocolIsRefused() async throws {
        try await withServer(router: echoRouter()) { server in
            var options = WebSocketClient.Options()
            options.subprotocols = ["chat"]
            await #expect(throws: WebSocketClient.ConnectError.handshakeRejected(
                status: 400, body: "no supported WebSocket subprotocol offered (offered: chat; supported: ocpp2.0.1, ocpp1.6)")) {
                _ = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(server.boundAddress.port)/ocpp/CP-1", options: options)
            }
            await #expect(throws: WebSocketClient.ConnectError.handshakeRejected(status: 404, body: "no resource at /nowhere")) {
                _ = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(server.boundAddress.port)/nowhere")
            }
        }
    }

    @Test func serverCloseCodeReachesTheClient() async throws {
        var router = Router()
        router.webSocket("/bye", WebSocketRoute(negotiate: { _, _ in .accept(subprotocol: nil) }, handler: { connection, _ in
            await connection.close(code: .policyViolation, reason: "unknown charger")
        }))
        try await withServer(router: router) { server in
            let (client, _) = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(server.boundAddress.port)/bye")
            #expect(try await client.receive() == nil)
            #expect(await client.closeStatus == WebSocketCloseStatus(code: .policyViolation, reason: "unknown charger", initiatedLocally: false))
        }
    }

    @Test func gracefulShutdownClosesWebSocketsWith1001() async throws {
        let server = try HTTPServer(address: SocketAddress(host: "127.0.0.1", port: 0), router: echoRouter())
        async let running: Void = server.run()
        let (client, _) = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(server.boundAddress.port)/echo")
        try await client.send(text: "ping")
        #expect(try await client.receive() == .text("ping"))
        await server.shutdown()
        #expect(try await client.receive() == nil)
        #expect(await client.closeStatus?.code == .goingAway)
        await running
        #expect(server.connectionCount == 0)
        await #expect(throws: (any Error).self) {
            _ = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(server.boundAddress.port)/echo")
        }
    }

    @Test func ipv6LoopbackWorks() async throws {
        let server = try HTTPServer(address: SocketAddress(host: "::1", port: 0), router: echoRouter())
        async let running: Void = server.run()
        let (client, _) = try await WebSocketClient.connect(to: "ws://[::1]:\(server.boundAddress.port)/echo")
        try await client.send(text: "v6")
        #expect(try await client.receive() == .text("v6"))
        #expect(server.boundAddress.host == "::1")
        await client.close()
        await server.shutdown()
        await running
    }

    @Test func localhostReachesAnIPv4OnlyServer() async throws {
        // Where "localhost" resolves to ::1 first, the refused IPv6 attempt falls back to IPv4.
        try await withServer(router: echoRouter()) { server in
            let (client, _) = try await WebSocketClient.connect(to: "ws://localhost:\(server.boundAddress.port)/echo")
            try await client.send(text: "via localhost")
            #expect(try await client.receive() == .text("via localhost"))
            await client.close()
        }
    }
}
