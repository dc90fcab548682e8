/// The body of a streaming response (Server-Sent Events): the head goes out first, without
/// `Content-Length` and with `Connection: close` (the body ends when the connection does,
/// RFC 9112 §6.3), then `run` writes through an `HTTPStreamWriter` for as long as it likes.
/// The stream ends when `run` returns, when the client goes away, or when the server shuts
/// down; in the last two cases `run`'s task is cancelled and every later write throws, so
/// `run` must return promptly on cancellation. Each write must be taken by the socket within
/// `writeTimeout`, or the connection is dropped: a client that stops reading never holds the
/// server's memory or its shutdown.
public struct HTTPStreamBody: Sendable {
    public var writeTimeout: Duration
    public var run: @Sendable (HTTPStreamWriter) async -> Void

    public init(writeTimeout: Duration = .seconds(10), run: @escaping @Sendable (HTTPStreamWriter) async -> Void) {
        self.writeTimeout = writeTimeout
        self.run = run
    }
}

/// Writes a streaming response's body to its connection (see `HTTPStreamBody`).
public struct HTTPStreamWriter: Sendable {
    let connection: TransportConnection
    let timeout: Duration

    /// Sends `bytes` and waits until the socket has taken all of them. Throws
    /// `HTTPStreamError.closed` once the client has gone or the server is stopping, and
    /// `.writeTimedOut` (the connection is then dropped) when the socket does not take them
    /// within the stream's write timeout.
    public func write(_ bytes: [UInt8]) async throws(HTTPStreamError) {
        try await connection.streamWrite(bytes, timeout: timeout)
    }
}

/// Why a streaming response can take no more writes.
public enum HTTPStreamError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The client closed the connection, or the server is shutting down.
    case closed
    /// The client did not read `bytes` queued bytes within `timeout`; the connection was dropped.
    case writeTimedOut(bytes: Int, timeout: Duration)

    public var description: String {
        switch self {
        case .closed: return "the stream is closed (client gone or server stopping)"
        case .writeTimedOut(let bytes, let timeout): return "the client did not take \(bytes) bytes within \(timeout); dropped"
        }
    }
}

extension HTTPResponse {
    /// A streaming response: `status` and `headers` first, then whatever `body` writes.
    public static func streaming(_ status: HTTPStatus = .ok, headers: HTTPHeaders, body: HTTPStreamBody) -> HTTPResponse {
        var response = HTTPResponse(status: status, headers: headers)
        response.stream = body
        return response
    }
}
