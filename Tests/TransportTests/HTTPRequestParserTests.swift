import Testing
@testable import Transport

@Suite struct HTTPRequestParserTests {
    func parse(_ text: String, limits: HTTPRequestParser.Limits = .init()) throws(HTTPParseError) -> HTTPRequest? {
        var parser = HTTPRequestParser(limits: limits)
        parser.feed(Array(text.utf8))
        return try parser.nextRequest()
    }

    @Test func parsesRequestLineHeadersAndQuery() throws {
        let request = try #require(try parse("GET /api/v1/sessions?station=CP%2D1&open HTTP/1.1\r\nHost: x\r\nX-Multi: a\r\nx-multi: b\r\n\r\n"))
        #expect(request.method == "GET")
        #expect(request.rawPath == "/api/v1/sessions")
        #expect(request.query == ["station": "CP-1", "open": ""])
        #expect(request.headers["HOST"] == "x")
        #expect(request.headers.values("X-Multi") == ["a", "b"])
        #expect(request.isKeepAlive)
    }

    @Test func feedsByteByByteAndHandlesPipelining() throws {
        var parser = HTTPRequestParser()
        let text = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
        var requests: [HTTPRequest] = []
        for byte in text.utf8 {
            parser.feed([byte])
            while let request = try parser.nextRequest() { requests.append(request) }
        }
        #expect(requests.map(\.target) == ["/a", "/b"])
        #expect(requests[0].body == Array("hello".utf8))
        #expect(requests[1].body.isEmpty)
    }

    @Test func keepAliveFollowsVersionAndConnectionHeader() throws {
        #expect(try parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?.isKeepAlive == false)
        #expect(try parse("GET / HTTP/1.0\r\n\r\n")?.isKeepAlive == false)
        #expect(try parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")?.isKeepAlive == true)
    }

    @Test func incompleteRequestWaitsForMoreBytes() throws {
        #expect(try parse("GET / HTTP/1.1\r\nHost: x\r\n") == nil)
        #expect(try parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nshort") == nil)
    }

    @Test(arguments: [
        ("GARBAGE\r\n\r\n", HTTPStatus.badRequest),
        ("GET /\r\nHost: x\r\n\r\n", .badRequest),
        ("GET / HTTP/2.0\r\nHost: x\r\n\r\n", .httpVersionNotSupported),
        ("GET / HTTP/1.1\r\n\r\n", .badRequest),                                  // no Host
        ("GET / HTTP/1.1\r\nHost: a:1\r\nHost: evil.example\r\n\r\n", .badRequest),   // two Hosts (RFC 9112 §3.2)
        ("GET / HTTP/1.1\r\nHost : x\r\n\r\n", .badRequest),                      // space before colon
        ("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", .badRequest),            // obsolete line folding
        ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", .badRequest),
        ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\n", .badRequest),
        ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", .badRequest),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", .contentTooLarge),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", .notImplemented),
    ])
    func rejectsMalformedRequests(text: String, status: HTTPStatus) {
        #expect(throws: HTTPParseError.self) { try parse(text) }
        do {
            _ = try parse(text)
        } catch {
            #expect(error.status == status, "\(text.debugDescription) gave \(error)")
        }
    }

    @Test func oversizedHeadIsRefusedBeforeItEnds() {
        var limits = HTTPRequestParser.Limits()
        limits.maxHeadBytes = 1024
        var parser = HTTPRequestParser(limits: limits)
        parser.feed(Array("GET / HTTP/1.1\r\nHost: x\r\nX-Big: ".utf8) + [UInt8](repeating: 65, count: 2000))
        #expect(throws: HTTPParseError.headersTooLarge(limit: 1024)) { try parser.nextRequest() }
    }

    @Test func headersAtExactlyTheLimitAreAccepted() throws {
        var limits = HTTPRequestParser.Limits()
        limits.maxHeadBytes = 64
        let head = "GET / HTTP/1.1\r\nHost: x\r\nX: "
        let text = head + String(repeating: "a", count: 64 - head.utf8.count - 4) + "\r\n\r\n"
        #expect(text.utf8.count == 64)
        #expect(try parse(text, limits: limits) != nil)
        let tooLong = head + String(repeating: "a", count: 65 - head.utf8.count - 4) + "\r\n\r\n"
        #expect(throws: HTTPParseError.headersTooLarge(limit: 64)) { try parse(tooLong, limits: limits) }
    }

    @Test func requestTargetLimit() {
        var limits = HTTPRequestParser.Limits()
        limits.maxTargetBytes = 100
        let text = "GET /" + String(repeating: "a", count: 200) + " HTTP/1.1\r\nHost: x\r\n\r\n"
        #expect(throws: HTTPParseError.requestTargetTooLong(limit: 100)) { try parse(text, limits: limits) }
    }

    @Test func upgradeDetection() throws {
        let request = try #require(try parse("GET /ocpp/CP-1 HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\nUpgrade: WebSocket\r\n\r\n"))
        #expect(request.isWebSocketUpgrade)
    }
}
