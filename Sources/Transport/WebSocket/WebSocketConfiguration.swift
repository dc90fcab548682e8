/// Limits and timers of one WebSocket connection. Defaults suit OCPP: small messages,
/// chargers behind NAT that need keep-alive pings, and peers that vanish without a FIN.
public struct WebSocketConfiguration: Sendable {
    /// Largest message (and frame) accepted; a bigger one closes with 1009. OCPP frames are
    /// a few KiB; 1 MiB leaves room for large GetConfiguration or certificate payloads.
    public var maxMessageBytes: Int = 1 << 20
    /// Keep-alive: a peer silent this long is pinged (RFC 6455 §5.5.2); nil disables pings.
    /// A peer that sends anything within the interval is not pinged.
    public var pingInterval: Duration? = .seconds(30)
    /// How long to wait for any frame (the pong, or anything else) after a ping before
    /// declaring the peer dead and dropping the socket.
    public var pongTimeout: Duration = .seconds(10)
    /// Close with 1001 when no message arrives for this long; nil disables it. Pongs and
    /// pings do not count: OCPP chargers send heartbeats, so this is off by default.
    public var idleTimeout: Duration? = nil
    /// How long to wait for the peer's close frame after sending ours.
    public var closeTimeout: Duration = .seconds(5)
    /// Received messages buffered for a slow consumer; beyond it the socket stops being
    /// read (TCP backpressure) until the consumer catches up.
    public var inboundQueueLimit: Int = 64
    /// Bytes queued for sending above which `send` waits until the socket drains.
    public var outboundHighWatermark: Int = 4 << 20

    public init() {}
}

/// What the handler of a WebSocket endpoint learns about the connection it was given.
public struct WebSocketSessionInfo: Sendable {
    /// The request path as sent (percent-encoded), e.g. `/ocpp/CP%201`.
    public var rawPath: String
    /// Router parameters, percent-decoded, e.g. `["chargePointId": "CP 1"]`.
    public var pathParameters: [String: String]
    public var headers: HTTPHeaders
    public var remoteAddress: SocketAddress?
    /// The subprotocol both sides agreed on, nil when none was negotiated.
    public var subprotocol: String?
    /// Subject of the client certificate (RFC 2253, for people: non-ASCII and control
    /// characters are escaped) when TLS with client certificates is used.
    public var peerCertificateSubject: String?
    /// The client certificate's common names as text (`TLSSession.peerCertificateCommonNames`):
    /// what identity checks compare, nil without a certificate.
    public var peerCertificateCommonNames: [String]?

    public init(rawPath: String, pathParameters: [String: String] = [:], headers: HTTPHeaders = HTTPHeaders(),
                remoteAddress: SocketAddress? = nil, subprotocol: String? = nil, peerCertificateSubject: String? = nil,
                peerCertificateCommonNames: [String]? = nil) {
        self.peerCertificateCommonNames = peerCertificateCommonNames
        self.rawPath = rawPath
        self.pathParameters = pathParameters
        self.headers = headers
        self.remoteAddress = remoteAddress
        self.subprotocol = subprotocol
        self.peerCertificateSubject = peerCertificateSubject
    }
}

/// How the closing of a connection went, for the layer above and the log.
public struct WebSocketCloseStatus: Sendable, Equatable {
    public var code: WebSocketCloseCode
    public var reason: String
    /// True when this side started the close (or failed the connection).
    public var initiatedLocally: Bool

    public init(code: WebSocketCloseCode, reason: String, initiatedLocally: Bool) {
        self.code = code
        self.reason = reason
        self.initiatedLocally = initiatedLocally
    }
}

/// A WebSocket endpoint: decides on upgrade requests and serves accepted connections.
public struct WebSocketRoute: Sendable {
    /// The answer to an upgrade request.
    public enum Decision: Sendable {
        /// Accept, naming the chosen subprotocol (which must be one the client offered).
        case accept(subprotocol: String?)
        /// Refuse with an HTTP status and a reason sent as the body.
        case reject(HTTPStatus, String)
        /// Refuse with extra response headers too (e.g. `WWW-Authenticate` with a 401).
        case rejectWithHeaders(HTTPStatus, String, HTTPHeaders)
    }

    public var configuration: WebSocketConfiguration
    /// Decides on an upgrade request; may suspend (e.g. to look up a station's credentials).
    public var negotiate: @Sendable (WebSocketSessionInfo, _ offeredSubprotocols: [String]) async -> Decision
    public var handler: @Sendable (TransportConnection, WebSocketSessionInfo) async -> Void

    public init(configuration: WebSocketConfiguration = WebSocketConfiguration(),
                negotiate: @escaping @Sendable (WebSocketSessionInfo, [String]) async -> Decision,
                handler: @escaping @Sendable (TransportConnection, WebSocketSessionInfo) async -> Void) {
        self.configuration = configuration
        self.negotiate = negotiate
        self.handler = handler
    }

    /// Picks the first subprotocol of `supported` the client offered, or rejects with 400
    /// naming both lists. OCPP endpoints use it with `["ocpp2.0.1", "ocpp1.6"]`.
    public static func selectSubprotocol(from supported: [String], offered: [String]) -> Decision {
        if let match = offered.first(where: { supported.contains($0) }) { return .accept(subprotocol: match) }
        let offeredText = offered.isEmpty ? "none" : offered.joined(separator: ", ")
        return .reject(.badRequest, "no supported WebSocket subprotocol offered (offered: \(offeredText); supported: \(supported.joined(separator: ", ")))")
    }
}
