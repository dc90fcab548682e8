import Testing
import Transport
@testable import CPMS
@testable import OCPP

/// A station that reconnects while its old socket is still open keeps the new connection;
/// the old one is closed with 1001.
@Suite(.timeLimit(.minutes(1))) struct ConnectionRegistryTests {
    @Test func newConnectionReplacesTheOldOne() async throws {
        let registry = ConnectionRegistry()
        try await withRegisteringServer(registry) { port in
            var options = WebSocketClient.Options()
            options.connectTimeout = .seconds(60)   // the suite shares two cores: a handshake can wait behind it
            options.subprotocols = ["ocpp1.6"]
            let url = "ws://127.0.0.1:\(port)/ocpp/CP-1"
            let (old, _) = try await WebSocketClient.connect(to: url, options: options)
            #expect(await eventually { await registry.count == 1 })
            let (new, _) = try await WebSocketClient.connect(to: url, options: options)
            #expect(try await old.receive() == nil)
            #expect(await old.closeStatus == WebSocketCloseStatus(code: .goingAway, reason: "replaced by a new connection from the same station",
                                                                  initiatedLocally: false))
            // The replaced connection ending does not unregister its successor.
            try await Task.sleep(for: .milliseconds(200))   // let the replaced connection's task finish
            let current = try #require(await registry.connection(for: "CP-1"))
            #expect(await current.socket.closeStatus == nil)   // the live (new) connection, not the closed one
            try await new.send(text: #"[2,"1","Heartbeat",{}]"#)
            #expect(try await new.receive() == .text(#"[4,"1","NotImplemented","action Heartbeat is not implemented",{}]"#))
            await new.close()
            #expect(await eventually { await registry.count == 0 })
        }
    }

    @Test func keepOldRefusesTheSecondConnection() async throws {
        let registry = ConnectionRegistry(policy: .keepOld)
        try await withRegisteringServer(registry) { port in
            var options = WebSocketClient.Options()
            options.connectTimeout = .seconds(60)   // the suite shares two cores: a handshake can wait behind it
            options.subprotocols = ["ocpp1.6"]
            let url = "ws://127.0.0.1:\(port)/ocpp/CP-1"
            let (old, _) = try await WebSocketClient.connect(to: url, options: options)
            #expect(await eventually { await registry.count == 1 })
            let (new, _) = try await WebSocketClient.connect(to: url, options: options)
            #expect(try await new.receive() == nil)
            #expect(await new.closeStatus == WebSocketCloseStatus(code: .policyViolation, reason: "station already connected",
                                                                  initiatedLocally: false))
            // The first connection is still the station's and still answers.
            try await old.send(text: #"[2,"1","Heartbeat",{}]"#)
            #expect(try await old.receive() == .text(#"[4,"1","NotImplemented","action Heartbeat is not implemented",{}]"#))
            #expect(await registry.count == 1)
            await old.close()
            #expect(await eventually { await registry.count == 0 })
        }
    }

    @Test func anUnauthenticatedConnectionNeverReplacesAnAuthenticatedOne() async throws {
        let registry = ConnectionRegistry(policy: .keepNew)
        // The first and third connections authenticated; the second (an impostor) did not.
        try await withRegisteringServer(registry, authenticated: { $0 != 1 }) { port in
            var options = WebSocketClient.Options()
            options.connectTimeout = .seconds(60)   // the suite shares two cores: a handshake can wait behind it
            options.subprotocols = ["ocpp1.6"]
            let url = "ws://127.0.0.1:\(port)/ocpp/KEBA-1"
            let (real, _) = try await WebSocketClient.connect(to: url, options: options)
            #expect(await eventually { await registry.count == 1 })
            let (impostor, _) = try await WebSocketClient.connect(to: url, options: options)
            #expect(try await impostor.receive() == nil)
            #expect(await impostor.closeStatus == WebSocketCloseStatus(code: .policyViolation, reason: "station already connected with credentials",
                                                                       initiatedLocally: false))
            try await real.send(text: #"[2,"1","Heartbeat",{}]"#)
            #expect(try await real.receive() != nil)   // still the station's connection
            // The real charger reconnecting with credentials replaces its old socket as usual.
            let (again, _) = try await WebSocketClient.connect(to: url, options: options)
            #expect(try await real.receive() == nil)
            await again.close()
        }
    }

    @Test func idsAreComparedByteForByte() async throws {
        let registry = ConnectionRegistry()
        try await withRegisteringServer(registry) { port in
            var options = WebSocketClient.Options()
            options.connectTimeout = .seconds(60)   // the suite shares two cores: a handshake can wait behind it
            options.subprotocols = ["ocpp1.6"]
            let (client, _) = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(port)/ocpp/KEBA-1", options: options)
            #expect(await eventually { await registry.count == 1 })
            #expect(await registry.connection(for: "KEBA-1") != nil)
            #expect(await registry.connection(for: "\u{212A}EBA-1") == nil)   // KELVIN SIGN: equal as a Swift String, not as bytes
            await client.close()
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
