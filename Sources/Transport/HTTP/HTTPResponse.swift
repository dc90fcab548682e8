import Foundation

/// An HTTP response to be written by the server. `Content-Length` and `Date` are added
/// when serialised; the connection adds `Connection: close` when it will close.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Set for a streaming response (`HTTPResponse.streaming`): `body` is then ignored, and the
    /// head goes out without `Content-Length`, the body ending when the connection closes.
    public var stream: HTTPStreamBody?

    public init(status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A plain-text response; used for errors so a human reading curl output sees why.
    public static func text(_ status: HTTPStatus, _ text: String, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        var headers = headers
        headers.set("Content-Type", "text/plain; charset=utf-8")
        return HTTPResponse(status: status, headers: headers, body: Array((text + "\n").utf8))
    }

    /// A JSON response from an already encoded body.
    public static func json(_ status: HTTPStatus = .ok, _ body: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: body)
    }

    /// The response encoded for the wire. `includeBody` is false for HEAD requests.
    public func serialized(closing: Bool, includeBody: Bool = true) -> [UInt8] {
        var head = "HTTP/1.1 \(status.code) \(status.reason)\r\n"
        if headers["Date"] == nil { head += "Date: \(HTTPDate.now())\r\n" }
        for (name, value) in headers where !name.caseInsensitiveEquals("Content-Length") {
            head += "\(name): \(value)\r\n"
        }
        let bodyless = status.code == 101 || status.code == 204 || status.code == 304
        if !bodyless && stream == nil { head += "Content-Length: \(body.count)\r\n" }
        if closing && headers["Connection"] == nil { head += "Connection: close\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if includeBody && !bodyless && stream == nil { bytes.append(contentsOf: body) }
        return bytes
    }
}
