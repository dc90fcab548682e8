/// The status line and headers of a response, as parsed by the WebSocket client.
public struct HTTPResponseHead: Sendable {
    public var statusCode: Int
    public var reason: String
    public var headers: HTTPHeaders

    /// Parses a head (without the final blank line); nil when malformed.
    public static func parse(_ bytes: [UInt8]) -> HTTPResponseHead? {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.components(separatedBy: "\r\n")
        guard !lines.isEmpty else { return nil }
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let code = Int(parts[1]) else { return nil }
        var headers = HTTPHeaders()
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            headers.add(String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingHTTPWhitespace())
        }
        return HTTPResponseHead(statusCode: code, reason: parts.count > 2 ? String(parts[2]) : "", headers: headers)
    }
}
