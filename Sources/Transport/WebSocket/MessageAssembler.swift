/// Reassembles fragmented messages (RFC 6455 §5.4) and validates text as UTF-8 frame by
/// frame, so invalid text fails on the frame that carries it. Control frames pass through
/// untouched, also in the middle of a fragmented message.
public struct MessageAssembler: Sendable {
    /// What a frame amounts to.
    public enum Output: Sendable, Equatable {
        case message(WebSocketMessage)
        case control(WebSocketFrame)
        case incomplete
    }

    public let maxMessageBytes: Int
    private var opcode: WebSocketOpcode?
    private var buffer: [UInt8] = []
    private var validator = UTF8Validator()

    public init(maxMessageBytes: Int) { self.maxMessageBytes = maxMessageBytes }

    /// Whether a fragmented message is in progress.
    public var isAssembling: Bool { opcode != nil }

    public mutating func accept(_ frame: WebSocketFrame) throws(WebSocketError) -> Output {
        if frame.opcode.isControl { return .control(frame) }
        let messageOpcode: WebSocketOpcode
        switch frame.opcode {
        case .continuation:
            guard let current = opcode else { throw .unexpectedContinuation }
            messageOpcode = current
        default:
            if opcode != nil { throw .expectedContinuation(opcode: frame.opcode.rawValue) }
            messageOpcode = frame.opcode
            validator = UTF8Validator()
        }
        if buffer.count + frame.payload.count > maxMessageBytes {
            throw .messageTooLarge(length: buffer.count + frame.payload.count, limit: maxMessageBytes)
        }
        if messageOpcode == .text {
            guard validator.validate(frame.payload) else { throw .invalidUTF8 }
            if frame.fin && !validator.isComplete { throw .invalidUTF8 }
        }
        if frame.fin {
            let payload: [UInt8]
            if opcode == nil {
                payload = frame.payload
            } else {
                buffer.append(contentsOf: frame.payload)
                payload = buffer
                buffer = []
            }
            opcode = nil
            switch messageOpcode {
            case .text: return .message(.text(String(decoding: payload, as: UTF8.self)))
            default: return .message(.binary(payload))
            }
        }
        opcode = messageOpcode
        buffer.append(contentsOf: frame.payload)
        return .incomplete
    }
}
