import Testing
@testable import Transport

@Suite struct MessageAssemblerTests {
    @Test func reassemblesFragmentsWithAControlFrameInBetween() throws {
        var assembler = MessageAssembler(maxMessageBytes: 100)
        #expect(try assembler.accept(WebSocketFrame(fin: false, opcode: .text, payload: Array("Hel".utf8))) == .incomplete)
        let ping = WebSocketFrame(opcode: .ping, payload: [1])
        #expect(try assembler.accept(ping) == .control(ping))
        #expect(try assembler.accept(WebSocketFrame(fin: true, opcode: .continuation, payload: Array("lo".utf8))) == .message(.text("Hello")))
        #expect(!assembler.isAssembling)
    }

    @Test func codePointSplitAcrossFragmentsIsValid() throws {
        var assembler = MessageAssembler(maxMessageBytes: 100)
        let euro: [UInt8] = [0xE2, 0x82, 0xAC]
        _ = try assembler.accept(WebSocketFrame(fin: false, opcode: .text, payload: [euro[0]]))
        _ = try assembler.accept(WebSocketFrame(fin: false, opcode: .continuation, payload: [euro[1]]))
        #expect(try assembler.accept(WebSocketFrame(fin: true, opcode: .continuation, payload: [euro[2]])) == .message(.text("€")))
    }

    @Test func invalidUTF8FailsOnTheFrameThatCarriesIt() throws {
        var assembler = MessageAssembler(maxMessageBytes: 100)
        _ = try assembler.accept(WebSocketFrame(fin: false, opcode: .text, payload: Array("ok".utf8)))
        // 0xED 0xA0 0x80 encodes a UTF-16 surrogate, never valid in UTF-8.
        #expect(throws: WebSocketError.invalidUTF8) {
            try assembler.accept(WebSocketFrame(fin: false, opcode: .continuation, payload: [0xED, 0xA0, 0x80]))
        }
    }

    @Test func truncatedCodePointAtTheEndIsInvalid() {
        var assembler = MessageAssembler(maxMessageBytes: 100)
        #expect(throws: WebSocketError.invalidUTF8) {
            try assembler.accept(WebSocketFrame(fin: true, opcode: .text, payload: [0x41, 0xE2, 0x82]))
        }
    }

    @Test func continuationWithoutStartAndNewMessageMidwayAreProtocolErrors() throws {
        var assembler = MessageAssembler(maxMessageBytes: 100)
        #expect(throws: WebSocketError.unexpectedContinuation) {
            try assembler.accept(WebSocketFrame(fin: true, opcode: .continuation, payload: []))
        }
        _ = try assembler.accept(WebSocketFrame(fin: false, opcode: .binary, payload: [1]))
        #expect(throws: WebSocketError.expectedContinuation(opcode: 1)) {
            try assembler.accept(WebSocketFrame(fin: true, opcode: .text, payload: []))
        }
    }

    @Test func messageLimitCountsAllFragments() throws {
        var assembler = MessageAssembler(maxMessageBytes: 10)
        _ = try assembler.accept(WebSocketFrame(fin: false, opcode: .binary, payload: [UInt8](repeating: 0, count: 6)))
        #expect(throws: WebSocketError.messageTooLarge(length: 12, limit: 10)) {
            try assembler.accept(WebSocketFrame(fin: true, opcode: .continuation, payload: [UInt8](repeating: 0, count: 6)))
        }
    }
}
