import Testing
@testable import Transport

@Suite struct WebSocketHandshakeTests {
    @Test func acceptKeyMatchesRFC6455Example() {
        #expect(WebSocketHandshake.acceptKey(for: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    func request(_ headers: HTTPHeaders, method: String = "GET") -> HTTPRequest {
        HTTPRequest(method: method, target: "/ocpp/CP-1", headers: headers)
    }

    let valid: HTTPHeaders = ["Host": "x", "Connection": "Upgrade", "Upgrade": "websocket",
                              "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
                              "Sec-WebSocket-Protocol": "ocpp1.6, ocpp2.0.1"]

    @Test func validRequestYieldsKeyAndOfferedSubprotocols() throws {
        #expect(try WebSocketHandshake.validate(request(valid)).get() == "dGhlIHNhbXBsZSBub25jZQ==")
        #expect(WebSocketHandshake.offeredSubprotocols(request(valid)) == ["ocpp1.6", "ocpp2.0.1"])
    }

    @Test func refusalsCarryTheRightStatus() {
        var noUpgrade = valid
        noUpgrade.remove("Upgrade")
        var oldVersion = valid
        oldVersion.set("Sec-WebSocket-Version", "8")
        var badKey = valid
        badKey.set("Sec-WebSocket-Key", "short")
        #expect(status(of: request(noUpgrade)) == 426)
        #expect(status(of: request(oldVersion)) == 426)
        #expect(status(of: request(badKey)) == 400)
        #expect(status(of: request(valid, method: "POST")) == 405)
    }

    func status(of request: HTTPRequest) -> Int? {
        if case .failure(let rejection) = WebSocketHandshake.validate(request) { return rejection.status.code }
        return nil
    }

    @Test func subprotocolSelectionPrefersClientOrderAndRejectsNone() {
        guard case .accept(let chosen) = WebSocketRoute.selectSubprotocol(from: ["ocpp2.0.1", "ocpp1.6"], offered: ["ocpp1.6", "ocpp2.0.1"]) else {
            Issue.record("expected accept")
            return
        }
        #expect(chosen == "ocpp1.6")
        guard case .reject(let status, let reason) = WebSocketRoute.selectSubprotocol(from: ["ocpp1.6"], offered: ["chat"]) else {
            Issue.record("expected reject")
            return
        }
        #expect(status == .badRequest)
        #expect(reason == "no supported WebSocket subprotocol offered (offered: chat; supported: ocpp1.6)")
    }

    @Test func closeCodesAllowedOnTheWire() {
        for code: UInt16 in [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999] {
            #expect(WebSocketCloseCode(rawValue: code).isValidOnWire, "\(code)")
        }
        for code: UInt16 in [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000] {
            #expect(!WebSocketCloseCode(rawValue: code).isValidOnWire, "\(code)")
        }
    }
}
