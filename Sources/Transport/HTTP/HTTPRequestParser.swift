/// Incremental HTTP/1.1 request parser (RFC 9112) for the server side. Feed it bytes as
/// they arrive; it returns complete requests one at a time, so pipelined requests are
/// handled in order. It enforces the head and body limits as soon as they are crossed,
/// before buffering more, and does not decode chunked bodies (answered with 501).
public struct HTTPRequestParser: Sendable {
    public struct Limits: Sendable {
        /// Request line plus header fields, in bytes (431 when exceeded).
        public var maxHeadBytes: Int = 16 * 1024
        /// Request target, in bytes (414 when exceeded).
        public var maxTargetBytes: Int = 8 * 1024
        /// Content-Length body, in bytes (413 when exceeded).
        public var maxBodyBytes: Int = 1 << 20
        public init() {}
    }

    public let limits: Limits
    private var buffer = ByteBuffer()
    private var pendingHead: HTTPRequest?
    private var pendingBodyLength = 0
    /// Where to resume searching for the end of the head.
    private var scanFrom = 0

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Bytes received but not yet part of a returned request (pipelined data, or the first
    /// WebSocket frames sent right after an upgrade request).
    public var bufferedBytes: Int { buffer.readableCount }

    /// Whether part of a request has arrived (used to decide between 408 and a silent close).
    public var hasPartialRequest: Bool { !buffer.isEmpty || pendingHead != nil }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer) { buffer.append(bytes) }
    public mutating func feed(_ bytes: [UInt8]) { buffer.append(bytes) }

    /// Removes and returns the bytes after the last returned request.
    public mutating func takeRemainingBytes() -> [UInt8] { buffer.read(buffer.readableCount) }

    /// The next complete request, nil when more bytes are needed.
    public mutating func nextRequest() throws(HTTPParseError) -> HTTPRequest? {
        if pendingHead == nil {
            // RFC 9112 §2.2: ignore empty lines before the request line.
            while buffer.readableCount >= 2 && buffer[0] == 13 && buffer[1] == 10 { buffer.skip(2) }
            guard let end = buffer.firstIndex(of: [13, 10, 13, 10], from: max(0, scanFrom - 3)) else {
                scanFrom = buffer.readableCount
                if buffer.readableCount > limits.maxHeadBytes { throw .headersTooLarge(limit: limits.maxHeadBytes) }
                if let lineEnd = buffer.firstIndex(of: [13, 10]), lineEnd > limits.maxTargetBytes + 32 {
                    throw .requestTargetTooLong(limit: limits.maxTargetBytes)
                }
                return nil
            }
            scanFrom = 0
            if end + 4 > limits.maxHeadBytes { throw .headersTooLarge(limit: limits.maxHeadBytes) }
            let head = buffer.read(end + 4)
            var request = try Self.parseHead(head[..<end], limits: limits)
            pendingBodyLength = try Self.bodyLength(of: request, limit: limits.maxBodyBytes)
            request.body = []
            pendingHead = request
        }
        guard var request = pendingHead, buffer.readableCount >= pendingBodyLength else { return nil }
        request.body = buffer.read(pendingBodyLength)
        pendingHead = nil
        pendingBodyLength = 0
        return request
    }

    private static func parseHead(_ head: ArraySlice<UInt8>, limits: Limits) throws(HTTPParseError) -> HTTPRequest {
        var lines = head.split(separator: 10, omittingEmptySubsequences: false).map { line -> ArraySlice<UInt8> in
            line.last == 13 ? line.dropLast() : line
        }
        let requestLine = String(decoding: lines.removeFirst(), as: UTF8.self)
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty,
              parts[0].utf8.allSatisfy(isTokenByte) else {
            throw .malformedRequestLine(requestLine)
        }
        if parts[1].utf8.count > limits.maxTargetBytes { throw .requestTargetTooLong(limit: limits.maxTargetBytes) }
        guard parts[1].utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else { throw .malformedRequestLine(requestLine) }
        let version = parts[2]
        guard version.hasPrefix("HTTP/"), version.count == 8 else { throw .malformedRequestLine(requestLine) }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else { throw .unsupportedVersion(String(version)) }

        var headers = HTTPHeaders()
        for line in lines {
            let text = String(decoding: line, as: UTF8.self)
            // Obsolete line folding and whitespace before the colon are rejected (RFC 9112 §5).
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                  line[line.startIndex..<colon].allSatisfy(isTokenByte) else {
                throw .malformedHeader(text)
            }
            let value = line[(colon + 1)...]
            guard value.allSatisfy({ $0 == 9 || ($0 >= 32 && $0 != 127) }) else { throw .malformedHeader(text) }
            headers.add(String(decoding: line[line.startIndex..<colon], as: UTF8.self),
                        String(decoding: value, as: UTF8.self).trimmingHTTPWhitespace())
        }
        if version == "HTTP/1.1" && headers["Host"] == nil {
            throw .malformedHeader("missing Host header (required in HTTP/1.1)")
        }
        // RFC 9112 §3.2: more than one Host is a bad request — a proxy acting on the last one and
        // a server checking the first would disagree about where the request goes.
        if headers.values("Host").count > 1 {
            throw .malformedHeader("more than one Host header")
        }
        return HTTPRequest(method: String(parts[0]), target: String(parts[1]),
                           minorVersion: version == "HTTP/1.1" ? 1 : 0, headers: headers)
    }

    private static func bodyLength(of request: HTTPRequest, limit: Int) throws(HTTPParseError) -> Int {
        if let te = request.headers["Transfer-Encoding"] { throw .transferEncodingNotSupported(te) }
        let lengths = request.headers.values("Content-Length")
        guard let first = lengths.first else { return 0 }
        guard lengths.allSatisfy({ $0 == first }) else { throw .invalidContentLength(lengths.joined(separator: ", ")) }
        guard first.utf8.count <= 18, first.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let length = Int(first) else {
            throw .invalidContentLength(first)
        }
        if length > limit { throw .bodyTooLarge(length: length, limit: limit) }
        return length
    }
}

/// RFC 9110 token characters (method names, header field names).
@inline(__always) func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case 48...57, 65...90, 97...122: return true
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
         UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
         UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
        return true
    default: return false
    }
}
