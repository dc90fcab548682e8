import Testing
import Transport

/// Serialized: the thousand-connection test starves its neighbours of the two cores, and the
/// ping test measures a peer's answers in wall time.
@Suite(.serialized, .timeLimit(.minutes(1))) struct ConnectionLimitsTests {
    @Test func idleTimeoutClosesWith1001() async throws {
        var configuration = WebSocketConfiguration()
        configuration.idleTimeout = .milliseconds(300)
        try await withServer(router: echoRouter(configuration: configuration)) { server in
            let (client, _) = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(server.boundAddress.port)/echo")
            #expect(try await client.receive() == nil)
            #expect(await client.closeStatus == WebSocketCloseStatus(code: .goingAway, reason: "idle timeout", initiatedLocally: false))
        }
    }

    @Test func peerThatNeverAnswersPingsIsDropped() async throws {
        var configuration = WebSocketConfiguration()
        configuration.pingInterval = .milliseconds(200)
        configuration.pongTimeout = .milliseconds(200)
        let closes = Recorder<WebSocketCloseStatus?>()
        try await withServer(router: echoRouter(configuration: configuration, onClose: { closes.append($0) })) { server in
            let raw = try RawClient(port: server.boundAddress.port)
            #expect(await raw.upgrade().hasPrefix("HTTP/1.1 101"))
            // The raw client reads nothing and never answers the ping.
            #expect(await eventually(within: 5) { !closes.values.isEmpty })
            #expect(closes.values.first??.code == .abnormal)
            #expect(closes.values.first??.reason.hasPrefix("no pong within") == true)
        }
    }

    @Test func oneAddressCannotTakeMoreThanItsCap() async throws {
        var server = HTTPServerConfiguration()
        server.maxConnectionsPerAddress = 2
        server.capsLoopback = true   // loopback is exempt in production (a local TLS proxy); capped here to test it
        try await withServer(router: echoRouter(), configuration: server) { server in
            let url = "ws://127.0.0.1:\(server.boundAddress.port)/echo"
            let (first, _) = try await WebSocketClient.connect(to: url)
            let (second, _) = try await WebSocketClient.connect(to: url)
            await #expect(throws: (any Error).self) { _ = try await WebSocketClient.connect(to: url) }
            // A connection closing frees its place.
            await first.close()
            try await Task.sleep(for: .milliseconds(300))
            let (third, _) = try await WebSocketClient.connect(to: url)
            try await third.send(text: "ok")
            #expect(try await third.receive() == .text("ok"))
            await second.close()
            await third.close()
        }
    }

    @Test func livePeerAnsweringPingsStaysConnected() async throws {
        var configuration = WebSocketConfiguration()
        // Many pings within the wait, which is longer than the pong timeout (a peer that did not
        // answer would be closed before it ends); the timeout leaves room for a loaded 2-core machine.
        configuration.pingInterval = .milliseconds(100)
        configuration.pongTimeout = .milliseconds(2_000)
        try await withServer(router: echoRouter(configuration: configuration)) { server in
            let (client, _) = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(server.boundAddress.port)/echo")
            let receiving = Task { try await client.receive() }   // the client answers pings while it reads
            try await Task.sleep(for: .milliseconds(3_000))
            try await client.send(text: "alive")
            #expect(try await receiving.value == .text("alive"))
            await client.close()
        }
    }

    @Test func thousandConcurrentConnections() async throws {
        SystemLimits.raiseFileDescriptorLimit()
        try await withServer(router: echoRouter()) { server in
            let port = server.boundAddress.port
            let clients = try await withThrowingTaskGroup(of: TransportConnection.self) { group in
                for index in 0..<1000 {
                    group.addTask {
                        let (client, _) = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(port)/echo")
                        try await client.send(text: "hello \(index)")
                        guard try await client.receive() == .text("hello \(index)") else { throw WebSocketError.closed }
                        return client
                    }
                }
                var all: [TransportConnection] = []
                for try await client in group { all.append(client) }
                return all
            }
            #expect(clients.count == 1000)
            #expect(server.connectionCount == 1000)
            await withTaskGroup(of: Void.self) { group in
                for client in clients { group.addTask { await client.close() } }
            }
            #expect(await eventually { server.connectionCount == 0 })
        }
    }

    @Test func maxConnectionsIsEnforced() async throws {
        var configuration = HTTPServerConfiguration()
        configuration.maxConnections = 2
        try await withServer(router: echoRouter(), configuration: configuration) { server in
            let url = "ws://127.0.0.1:\(server.boundAddress.port)/echo"
            let (first, _) = try await WebSocketClient.connect(to: url)
            let (second, _) = try await WebSocketClient.connect(to: url)
            await #expect(throws: (any Error).self) { _ = try await WebSocketClient.connect(to: url) }
            await first.close()
            #expect(await eventually { server.connectionCount == 1 })
            let (third, _) = try await WebSocketClient.connect(to: url)
            await second.close()
            await third.close()
        }
    }
}
