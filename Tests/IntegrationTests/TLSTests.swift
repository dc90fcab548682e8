import Testing
import Transport

@Suite(.timeLimit(.minutes(1))) struct TLSTests {
    @Test func wssEchoWithVerifiedServerCertificate() async throws {
        let pki = try await TestCertificates.make()
        defer { pki.remove() }
        var configuration = HTTPServerConfiguration()
        configuration.tls = try TLSContext(serverCertificateFile: pki.serverCertificate, privateKeyFile: pki.serverKey)
        try await withServer(router: echoRouter(), configuration: configuration) { server in
            var options = WebSocketClient.Options()
            options.tls = try TLSContext(clientCAFile: pki.caCertificate)
            let (client, _) = try await WebSocketClient.connect(to: "wss://127.0.0.1:\(server.boundAddress.port)/echo", options: options)
            let message = String(repeating: "secure ", count: 5000)
            try await client.send(text: message)
            #expect(try await client.receive() == .text(message))
            await client.close()
            #expect(await client.closeStatus?.code == .normal)
        }
    }

    @Test func clientRefusesAServerItCannotVerify() async throws {
        let pki = try await TestCertificates.make()
        let other = try await TestCertificates.make()
        defer { pki.remove(); other.remove() }
        var configuration = HTTPServerConfiguration()
        configuration.tls = try TLSContext(serverCertificateFile: pki.serverCertificate, privateKeyFile: pki.serverKey)
        try await withServer(router: echoRouter(), configuration: configuration) { server in
            var options = WebSocketClient.Options()
            options.tls = try TLSContext(clientCAFile: other.caCertificate)
            await #expect(throws: TLSError.self) {
                _ = try await WebSocketClient.connect(to: "wss://127.0.0.1:\(server.boundAddress.port)/echo", options: options)
            }
        }
    }

    @Test func mutualTLSExposesTheChargerCertificateSubject() async throws {
        let pki = try await TestCertificates.make()
        defer { pki.remove() }
        var configuration = HTTPServerConfiguration()
        configuration.tls = try TLSContext(serverCertificateFile: pki.serverCertificate, privateKeyFile: pki.serverKey,
                                           clientCAFile: pki.caCertificate)
        try await withServer(router: echoRouter(), configuration: configuration) { server in
            var options = WebSocketClient.Options()
            options.subprotocols = ["ocpp2.0.1"]
            options.tls = try TLSContext(clientCAFile: pki.caCertificate, certificateFile: pki.clientCertificate, privateKeyFile: pki.clientKey)
            let (client, _) = try await WebSocketClient.connect(to: "wss://localhost:\(server.boundAddress.port)/ocpp/CP-17", options: options)
            #expect(try await client.receive() == .text(#"CP-17 ocpp2.0.1 CN=CP-17,O=Vigil Test ["CP-17"]"#))
            await client.close()

            // A common name that is not ASCII: the printed subject escapes it; the names are read as text.
            var accented = WebSocketClient.Options()
            accented.subprotocols = ["ocpp2.0.1"]
            accented.tls = try TLSContext(clientCAFile: pki.caCertificate, certificateFile: pki.accentedCertificate, privateKeyFile: pki.accentedKey)
            let (other, _) = try await WebSocketClient.connect(to: "wss://localhost:\(server.boundAddress.port)/ocpp/CPC3A9", options: accented)
            #expect(try await other.receive() == .text(#"CPC3A9 ocpp2.0.1 CN=CP\C3\A9 ["CPé"]"#))
            await other.close()

            // Without a client certificate the server ends the TLS handshake.
            var anonymous = WebSocketClient.Options()
            anonymous.tls = try TLSContext(clientCAFile: pki.caCertificate)
            await #expect(throws: (any Error).self) {
                let (refused, _) = try await WebSocketClient.connect(to: "wss://127.0.0.1:\(server.boundAddress.port)/ocpp/CP-17", options: anonymous)
                _ = try await refused.receive()
            }
        }
    }
}
