/// A parsed HTTP/1.1 request: the head plus a complete Content-Length body.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The request target as sent, e.g. `/api/v1/sessions?station=CP-1`.
    public var target: String
    /// HTTP minor version: 1 for HTTP/1.1, 0 for HTTP/1.0.
    public var minorVersion: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Path parameters filled in by the router, e.g. `id` for `/stations/{id}`.
    public var pathParameters: [String: String] = [:]

    public init(method: String, target: String, minorVersion: Int = 1,
                headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.minorVersion = minorVersion
        self.headers = headers
        self.body = body
    }

    /// The raw (still percent-encoded) path, without the query.
    public var rawPath: String {
        if let q = target.firstIndex(of: "?") { return String(target[..<q]) }
        return target
    }

    /// The decoded query parameters; a key without `=` maps to "".
    public var query: [String: String] {
        guard let q = target.firstIndex(of: "?") else { return [:] }
        var result: [String: String] = [:]
        for pair in target[target.index(after: q)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = PercentEncoding.decode(String(parts[0]), plusAsSpace: true) ?? String(parts[0])
            let value = parts.count > 1 ? (PercentEncoding.decode(String(parts[1]), plusAsSpace: true) ?? String(parts[1])) : ""
            result[key] = value
        }
        return result
    }

    /// Whether the connection stays open after the response (RFC 9112 §9.3).
    public var isKeepAlive: Bool {
        if headers.contains("Connection", token: "close") { return false }
        if minorVersion == 0 { return headers.contains("Connection", token: "keep-alive") }
        return true
    }

    /// Whether the client asks to switch to WebSocket.
    public var isWebSocketUpgrade: Bool {
        headers.contains("Connection", token: "upgrade") && headers.contains("Upgrade", token: "websocket")
    }
}

/// Percent-decoding of URL path segments and query components (RFC 3986).
public enum PercentEncoding {
    /// Decodes `%XX` escapes; nil when an escape is malformed or the result is not UTF-8.
    public static func decode(_ text: String, plusAsSpace: Bool = false) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+") where plusAsSpace:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 65...70: return byte - 55
        case 97...102: return byte - 87
        default: return nil
        }
    }
}
