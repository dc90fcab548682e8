/// Decodes RFC 6455 frames from a byte buffer. It validates a frame's header (reserved
/// bits, opcode, masking for the role, control-frame rules, length) as soon as the header
/// has arrived, before buffering the payload, so an oversized or hostile frame is refused
/// without reading it. It does not reassemble fragmented messages; `MessageAssembler` does.
public struct WebSocketFrameDecoder: Sendable {
    public let role: WebSocketRole
    /// Largest payload accepted in one frame.
    public let maxFrameBytes: Int

    public init(role: WebSocketRole, maxFrameBytes: Int) {
        self.role = role
        self.maxFrameBytes = maxFrameBytes
    }

    /// The next complete frame, consumed from `buffer`; nil when more bytes are needed.
    public func decode(_ buffer: inout ByteBuffer) throws(WebSocketError) -> WebSocketFrame? {
        guard buffer.readableCount >= 2 else { return nil }
        let first = buffer[0], second = buffer[1]
        let fin = first & 0x80 != 0
        let reserved = first & 0x70
        if reserved != 0 { throw .reservedBitsSet(reserved >> 4) }
        guard let opcode = WebSocketOpcode(rawValue: first & 0x0F) else { throw .unknownOpcode(first & 0x0F) }
        if opcode.isControl && !fin { throw .fragmentedControlFrame(opcode: opcode.rawValue) }
        let masked = second & 0x80 != 0
        switch role {
        case .server where !masked: throw .unmaskedClientFrame
        case .client where masked: throw .maskedServerFrame
        default: break
        }
        let shortLength = Int(second & 0x7F)
        if opcode.isControl && shortLength > 125 { throw .controlFrameTooLong(length: shortLength) }

        var headerLength = 2
        let length: UInt64
        switch shortLength {
        case 126:
            guard buffer.readableCount >= 4 else { return nil }
            length = UInt64(buffer[2]) << 8 | UInt64(buffer[3])
            headerLength = 4
        case 127:
            guard buffer.readableCount >= 10 else { return nil }
            var value: UInt64 = 0
            for i in 2..<10 { value = value << 8 | UInt64(buffer[i]) }
            if value & (1 << 63) != 0 { throw .lengthOutOfRange }
            length = value
            headerLength = 10
        default:
            length = UInt64(shortLength)
        }
        if length > UInt64(maxFrameBytes) { throw .frameTooLarge(length: length, limit: maxFrameBytes) }
        let payloadLength = Int(length)
        let maskOffset = headerLength
        if masked { headerLength += 4 }
        guard buffer.readableCount >= headerLength + payloadLength else { return nil }

        var mask: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        if masked {
            mask = (buffer[maskOffset], buffer[maskOffset + 1], buffer[maskOffset + 2], buffer[maskOffset + 3])
        }
        buffer.skip(headerLength)
        var payload = buffer.read(payloadLength)
        if masked { WebSocketMasking.apply(mask: mask, to: &payload) }
        return WebSocketFrame(fin: fin, opcode: opcode, payload: payload)
    }
}

/// The XOR masking of RFC 6455 §5.3, eight bytes at a time.
public enum WebSocketMasking {
    public static func apply(mask: (UInt8, UInt8, UInt8, UInt8), to payload: inout [UInt8]) {
        let key32 = UInt32(mask.0) | UInt32(mask.1) << 8 | UInt32(mask.2) << 16 | UInt32(mask.3) << 24
        let key64 = UInt64(key32) | UInt64(key32) << 32
        payload.withUnsafeMutableBytes { raw in
            let count = raw.count
            guard let base = raw.baseAddress else { return }
            var i = 0
            while i + 8 <= count {
                let word = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                base.storeBytes(of: word ^ key64, toByteOffset: i, as: UInt64.self)
                i += 8
            }
            let keyBytes = [mask.0, mask.1, mask.2, mask.3]
            while i < count {
                raw[i] ^= keyBytes[i & 3]
                i += 1
            }
        }
    }
}
