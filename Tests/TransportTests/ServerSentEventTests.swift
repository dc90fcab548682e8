import Testing
import Transport

/// Server-Sent Event framing (WHATWG HTML §9.2): exact bytes for each field and line ending.
@Suite struct ServerSentEventTests {
    func text(_ event: ServerSentEvent) -> String { String(decoding: event.encoded, as: UTF8.self) }

    @Test func oneLineOfDataEndsWithABlankLine() {
        #expect(text(ServerSentEvent(data: #"{"a":1}"#)) == "data: {\"a\":1}\n\n")
    }

    @Test func idAndEventComeBeforeTheData() {
        #expect(text(ServerSentEvent(id: "7", event: "decision", data: "x")) == "id: 7\nevent: decision\ndata: x\n\n")
    }

    @Test(arguments: [("a\nb", "data: a\ndata: b\n\n"), ("a\r\nb", "data: a\ndata: b\n\n"), ("a\rb", "data: a\ndata: b\n\n"),
                      ("a\n", "data: a\ndata: \n\n"), ("", "data: \n\n")])
    func everyLineEndingInDataStartsANewDataLine(data: String, expected: String) {
        #expect(text(ServerSentEvent(data: data)) == expected)
    }

    @Test func aLineBreakInAnEventNameOrIdCannotForgeAField() {
        // claims: an event named "x" followed by a forged data line
        #expect(text(ServerSentEvent(id: "1\n\0data: forged", event: "x\r\ndata: forged", data: "real"))
                == "id: 1data: forged\nevent: xdata: forged\ndata: real\n\n")
    }

    @Test func aCommentIsOneLineTheClientIgnores() {
        #expect(String(decoding: ServerSentEvent.comment("heartbeat"), as: UTF8.self) == ": heartbeat\n\n")
        #expect(String(decoding: ServerSentEvent.comment("a\nb"), as: UTF8.self) == ": ab\n\n")
    }

    @Test func aStreamingResponseHasNoContentLength() {
        let response = HTTPResponse.streaming(headers: ["Content-Type": "text/event-stream"], body: HTTPStreamBody { _ in })
        let head = String(decoding: response.serialized(closing: true), as: UTF8.self)
        #expect(!head.contains("Content-Length"))
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n") && head.contains("Connection: close\r\n") && head.hasSuffix("\r\n\r\n"))
    }
}
