import Testing
@testable import Transport

@Suite struct WebSocketFrameDecoderTests {
    let server = WebSocketFrameDecoder(role: .server, maxFrameBytes: 16384)

    func decode(_ bytes: [UInt8], with decoder: WebSocketFrameDecoder? = nil) throws(WebSocketError) -> WebSocketFrame? {
        var buffer = ByteBuffer(bytes)
        return try (decoder ?? server).decode(&buffer)
    }

    @Test func decodesTheRFCMaskedHelloExample() throws {
        // RFC 6455 §5.7: a single-frame masked text message containing "Hello".
        let frame = try #require(try decode([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]))
        #expect(frame == WebSocketFrame(fin: true, opcode: .text, payload: Array("Hello".utf8)))
    }

    @Test func truncatedFramesWaitWithoutConsuming() throws {
        let whole: [UInt8] = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
        for length in 0..<whole.count {
            var buffer = ByteBuffer(Array(whole.prefix(length)))
            #expect(try server.decode(&buffer) == nil)
            #expect(buffer.readableCount == length)
        }
    }

    @Test func sixteenAndSixtyFourBitLengthsRoundTrip() throws {
        let encoder = WebSocketFrameEncoder(role: .client)
        let big = WebSocketFrameDecoder(role: .server, maxFrameBytes: 1 << 20)
        for size in [125, 126, 65535, 65536, 100_000] {
            let payload = (0..<size).map { UInt8($0 & 0xFF) }
            let frame = try #require(try decode(encoder.encode(opcode: .binary, payload: payload), with: big))
            #expect(frame.payload == payload)
        }
    }

    @Test(arguments: [
        // claims: FIN + text, unmasked (a client must mask)
        ([0x81, 0x05] + Array("hello".utf8), WebSocketError.unmaskedClientFrame),
        // claims: RSV1 set with no extension negotiated
        ([0xC1, 0x80, 0, 0, 0, 0], .reservedBitsSet(4)),
        // claims: opcode 0x3, reserved for future data frames
        ([0x83, 0x80, 0, 0, 0, 0], .unknownOpcode(3)),
        // claims: opcode 0xB, reserved for future control frames
        ([0x8B, 0x80, 0, 0, 0, 0], .unknownOpcode(11)),
        // claims: ping without FIN
        ([0x09, 0x80, 0, 0, 0, 0], .fragmentedControlFrame(opcode: 9)),
        // claims: ping with a 126-byte payload (control frames carry at most 125)
        ([0x89, 0xFE, 0x00, 0x7E], .controlFrameTooLong(length: 126)),
        // claims: 64-bit length 2^63, most significant bit set
        ([0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0], .lengthOutOfRange),
        // claims: FIN + text, 16-bit length 16385, over the 16384 limit
        ([0x81, 0xFE, 0x40, 0x01], .frameTooLarge(length: 16385, limit: 16384)),
        // claims: 64-bit length 2^62 - refused from the header alone
        ([0x82, 0xFF, 0x40, 0, 0, 0, 0, 0, 0, 0], .frameTooLarge(length: 1 << 62, limit: 16384)),
    ] as [([UInt8], WebSocketError)])
    func hostileHeadersAreRefusedFromTheHeader(bytes: [UInt8], expected: WebSocketError) {
        #expect(throws: expected) { try decode(bytes) }
        #expect(expected.closeCode == (expected == .frameTooLarge(length: 16385, limit: 16384) || expected == .frameTooLarge(length: 1 << 62, limit: 16384) ? .messageTooBig : .protocolError))
    }

    @Test func clientRefusesMaskedServerFrames() {
        let client = WebSocketFrameDecoder(role: .client, maxFrameBytes: 1024)
        #expect(throws: WebSocketError.maskedServerFrame) { try decode([0x81, 0x80, 1, 2, 3, 4], with: client) }
        let frame = try? decode([0x81, 0x02, 0x68, 0x69], with: client)
        #expect(frame == WebSocketFrame(opcode: .text, payload: Array("hi".utf8)))
    }

    @Test func serverEncoderDoesNotMaskAndClientEncoderDoes() {
        let serverBytes = WebSocketFrameEncoder(role: .server).encode(opcode: .text, payload: Array("hi".utf8))
        #expect(serverBytes == [0x81, 0x02, 0x68, 0x69])
        let clientBytes = WebSocketFrameEncoder(role: .client).encode(opcode: .text, payload: Array("hi".utf8))
        #expect(clientBytes[1] == 0x82 && clientBytes.count == 8)
    }

    @Test func closeFrameReasonIsTruncatedOnACharacterBoundary() throws {
        let reason = String(repeating: "é", count: 100)   // 200 bytes of 2-byte characters
        let bytes = WebSocketFrameEncoder(role: .server).encodeClose(code: .goingAway, reason: reason)
        #expect(bytes[0] == 0x88)
        #expect(Int(bytes[1]) <= 125)
        let reasonBytes = Array(bytes[4...])
        #expect(String(validating: reasonBytes, as: UTF8.self) != nil)
        #expect(Array(bytes[2...3]) == [0x03, 0xE9])
    }

    @Test func maskingIsItsOwnInverseForEveryLength() {
        for length in 0..<40 {
            let original = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 7) }
            var bytes = original
            WebSocketMasking.apply(mask: (1, 2, 3, 4), to: &bytes)
            if length > 0 { #expect(bytes != original) }
            WebSocketMasking.apply(mask: (1, 2, 3, 4), to: &bytes)
            #expect(bytes == original)
        }
    }
}
