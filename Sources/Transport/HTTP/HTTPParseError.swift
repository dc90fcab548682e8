/// Why a request could not be parsed, with the status code the server answers with.
public enum HTTPParseError: Error, Equatable, Sendable {
    case malformedRequestLine(String)
    case unsupportedVersion(String)
    case malformedHeader(String)
    case headersTooLarge(limit: Int)
    case requestTargetTooLong(limit: Int)
    case invalidContentLength(String)
    case bodyTooLarge(length: Int, limit: Int)
    case transferEncodingNotSupported(String)

    /// The response status for this error.
    public var status: HTTPStatus {
        switch self {
        case .malformedRequestLine, .malformedHeader, .invalidContentLength: return .badRequest
        case .unsupportedVersion: return .httpVersionNotSupported
        case .headersTooLarge: return .requestHeaderFieldsTooLarge
        case .requestTargetTooLong: return .uriTooLong
        case .bodyTooLarge: return .contentTooLarge
        case .transferEncodingNotSupported: return .notImplemented
        }
    }

    /// A one-line explanation for the response body and the log.
    public var message: String {
        switch self {
        case .malformedRequestLine(let line): return "malformed request line: \(line.prefix(120).debugDescription)"
        case .unsupportedVersion(let v): return "unsupported HTTP version \(v.prefix(20).debugDescription); use HTTP/1.1"
        case .malformedHeader(let line): return "malformed header field: \(line.prefix(120).debugDescription)"
        case .headersTooLarge(let limit): return "request head exceeds \(limit) bytes"
        case .requestTargetTooLong(let limit): return "request target exceeds \(limit) bytes"
        case .invalidContentLength(let v): return "invalid Content-Length \(v.prefix(40).debugDescription)"
        case .bodyTooLarge(let length, let limit): return "body of \(length) bytes exceeds the \(limit)-byte limit"
        case .transferEncodingNotSupported(let v): return "Transfer-Encoding \(v.prefix(40).debugDescription) is not supported; send Content-Length"
        }
    }
}
