/// Settings of an `HTTPServer`: limits, timeouts, TLS and shutdown.
public struct HTTPServerConfiguration: Sendable {
    /// How long the server waits for clients.
    public struct Timeouts: Sendable {
        /// From the first byte of a request until its head and body are complete (408 after).
        /// It does not restart on each byte, so a slowloris client cannot hold a socket.
        public var requestRead: Duration = .seconds(10)
        /// An idle keep-alive connection is closed after this long.
        public var keepAlive: Duration = .seconds(60)
        public init() {}
    }

    public var timeouts = Timeouts()
    public var limits = HTTPRequestParser.Limits()
    /// Connections held at once; beyond it new sockets are closed right after accept.
    public var maxConnections = 50_000
    public var backlog: Int32 = 4096
    /// When set, every connection speaks TLS (wss:// and https://).
    public var tls: TLSContext?
    /// On shutdown, connections still open after this long are dropped.
    public var drainTimeout: Duration = .seconds(10)

    public init() {}
}
