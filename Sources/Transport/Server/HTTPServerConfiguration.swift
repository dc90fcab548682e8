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
    /// Connections held at once from one remote address (0: no cap). Beyond it new sockets
    /// from that address are closed right after accept. Chargers of a large site may share one
    /// NAT address, hence a generous default.
    public var maxConnectionsPerAddress = 1_000
    /// Loopback peers are not capped: a TLS proxy on the same host brings every charger from
    /// 127.0.0.1 (tests turn this off to exercise the cap).
    public var capsLoopback = false
    public var backlog: Int32 = 4096
    /// When set, every connection speaks TLS (wss:// and https://).
    public var tls: TLSContext?
    /// On shutdown, connections still open after this long are dropped.
    public var drainTimeout: Duration = .seconds(10)

    public init() {}
}
