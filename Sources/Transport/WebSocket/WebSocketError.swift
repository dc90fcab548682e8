/// Protocol violations and limits on a WebSocket connection. Each maps to the close code
/// sent to the peer in one place, `closeCode`.
public enum WebSocketError: Error, Equatable, Sendable {
    case reservedBitsSet(UInt8)
    case unknownOpcode(UInt8)
    case fragmentedControlFrame(opcode: UInt8)
    case controlFrameTooLong(length: Int)
    case unmaskedClientFrame
    case maskedServerFrame
    case lengthOutOfRange
    case frameTooLarge(length: UInt64, limit: Int)
    case messageTooLarge(length: Int, limit: Int)
    case unexpectedContinuation
    case expectedContinuation(opcode: UInt8)
    case invalidUTF8
    case invalidClosePayload(length: Int)
    case invalidCloseCode(UInt16)
    case closed
    case receiveAlreadyPending
    case timedOut(String)

    /// The close code to send when this error ends the connection.
    public var closeCode: WebSocketCloseCode {
        switch self {
        case .invalidUTF8: return .invalidPayload
        case .frameTooLarge, .messageTooLarge: return .messageTooBig
        case .closed, .receiveAlreadyPending: return .normal
        case .timedOut: return .goingAway
        default: return .protocolError
        }
    }

    /// A short reason for the close frame and the log.
    public var reason: String {
        switch self {
        case .reservedBitsSet(let bits): return "reserved bits set (0x\(String(bits, radix: 16))) without an extension"
        case .unknownOpcode(let op): return "unknown opcode 0x\(String(op, radix: 16))"
        case .fragmentedControlFrame(let op): return "fragmented control frame (opcode 0x\(String(op, radix: 16)))"
        case .controlFrameTooLong(let length): return "control frame payload of \(length) bytes exceeds 125"
        case .unmaskedClientFrame: return "client frame is not masked"
        case .maskedServerFrame: return "server frame is masked"
        case .lengthOutOfRange: return "64-bit payload length has its most significant bit set"
        case .frameTooLarge(let length, let limit): return "frame of \(length) bytes exceeds the \(limit)-byte limit"
        case .messageTooLarge(let length, let limit): return "message of \(length)+ bytes exceeds the \(limit)-byte limit"
        case .unexpectedContinuation: return "continuation frame without a message in progress"
        case .expectedContinuation(let op): return "new data frame (opcode 0x\(String(op, radix: 16))) while a fragmented message is in progress"
        case .invalidUTF8: return "text is not valid UTF-8"
        case .invalidClosePayload(let length): return "close frame payload of \(length) byte is too short for a status code"
        case .invalidCloseCode(let code): return "close code \(code) is not allowed on the wire"
        case .closed: return "connection is closed"
        case .receiveAlreadyPending: return "another task is already waiting to receive"
        case .timedOut(let what): return "timed out: \(what)"
        }
    }
}
