/// Encodes frames for the wire. A client masks every frame with a fresh random key
/// (RFC 6455 §5.3); a server never masks.
public struct WebSocketFrameEncoder: Sendable {
    public let role: WebSocketRole

    public init(role: WebSocketRole) { self.role = role }

    public func encode(_ frame: WebSocketFrame) -> [UInt8] {
        encode(fin: frame.fin, opcode: frame.opcode, payload: frame.payload)
    }

    public func encode(fin: Bool = true, opcode: WebSocketOpcode, payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(payload.count + 14)
        bytes.append((fin ? 0x80 : 0) | opcode.rawValue)
        let maskBit: UInt8 = role == .client ? 0x80 : 0
        switch payload.count {
        case ..<126:
            bytes.append(maskBit | UInt8(payload.count))
        case ..<65536:
            bytes.append(maskBit | 126)
            bytes.append(UInt8(payload.count >> 8))
            bytes.append(UInt8(payload.count & 0xFF))
        default:
            bytes.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((UInt64(payload.count) >> UInt64(shift)) & 0xFF)) }
        }
        if role == .client {
            let key = UInt32.random(in: .min ... .max)
            let mask = (UInt8(key & 0xFF), UInt8(key >> 8 & 0xFF), UInt8(key >> 16 & 0xFF), UInt8(key >> 24))
            bytes.append(contentsOf: [mask.0, mask.1, mask.2, mask.3])
            var masked = payload
            WebSocketMasking.apply(mask: mask, to: &masked)
            bytes.append(contentsOf: masked)
        } else {
            bytes.append(contentsOf: payload)
        }
        return bytes
    }

    /// Appends the head of an unmasked frame (a server's) whose payload is `length` bytes to
    /// `buffer`; the payload then follows from wherever it is, with no frame array built around
    /// a copy of it.
    public func appendUnmaskedHead(fin: Bool = true, opcode: WebSocketOpcode, length: Int, to buffer: inout ByteBuffer) {
        precondition(role == .server, "a client's frames are masked")
        buffer.append(byte: (fin ? 0x80 : 0) | opcode.rawValue)
        switch length {
        case ..<126:
            buffer.append(byte: UInt8(length))
        case ..<65536:
            buffer.append(byte: 126)
            buffer.append(byte: UInt8(length >> 8))
            buffer.append(byte: UInt8(length & 0xFF))
        default:
            buffer.append(byte: 127)
            for shift in stride(from: 56, through: 0, by: -8) { buffer.append(byte: UInt8((UInt64(length) >> UInt64(shift)) & 0xFF)) }
        }
    }

    /// A close frame carrying `code` and a reason truncated to fit the 125-byte limit
    /// on a UTF-8 character boundary.
    public func encodeClose(code: WebSocketCloseCode, reason: String = "") -> [UInt8] {
        var payload: [UInt8] = [UInt8(code.rawValue >> 8), UInt8(code.rawValue & 0xFF)]
        var reasonBytes = Array(reason.utf8)
        if reasonBytes.count > 123 {
            reasonBytes = Array(reasonBytes.prefix(123))
            while let last = reasonBytes.last, last & 0xC0 == 0x80 { reasonBytes.removeLast() }
            if let last = reasonBytes.last, last >= 0xC0 { reasonBytes.removeLast() }
        }
        payload.append(contentsOf: reasonBytes)
        return encode(opcode: .close, payload: payload)
    }
}
