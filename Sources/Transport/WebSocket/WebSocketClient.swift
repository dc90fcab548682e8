import Foundation

/// Opens client WebSocket connections (ws:// and wss://), as chargers do. Used by the
/// simulator and the tests. Every step — TCP connect, TLS handshake, upgrade — must finish
/// within `connectTimeout`.
public enum WebSocketClient {
    /// How to connect.
    public struct Options: Sendable {
        public var subprotocols: [String] = []
        public var headers = HTTPHeaders()
        /// Required for wss://; a client context (`TLSContext(clientCAFile:)`).
        public var tls: TLSContext?
        public var connectTimeout: Duration = .seconds(10)
        public var configuration = WebSocketConfiguration()
        public init() {}
    }

    /// Why a connection attempt failed.
    public enum ConnectError: Error, Equatable, Sendable, CustomStringConvertible {
        case invalidURL(String)
        case tlsContextRequired
        case handshakeRejected(status: Int, body: String)
        case invalidHandshakeResponse(String)
        case connectionClosed(String)

        public var description: String {
            switch self {
            case .invalidURL(let url): return "invalid WebSocket URL \(url.debugDescription): use ws://host[:port]/path or wss://…"
            case .tlsContextRequired: return "wss:// needs a TLS context in the options"
            case .handshakeRejected(let status, let body): return "server refused the upgrade with \(status): \(body)"
            case .invalidHandshakeResponse(let why): return "invalid upgrade response: \(why)"
            case .connectionClosed(let why): return "connection closed before the upgrade completed: \(why)"
            }
        }
    }

    public static func connect(to url: String, options: Options = Options()) async throws -> (TransportConnection, WebSocketSessionInfo) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "ws" || scheme == "wss", let host = components.host, !host.isEmpty else {
            throw ConnectError.invalidURL(url)
        }
        let secure = scheme == "wss"
        if secure && options.tls == nil { throw ConnectError.tlsContextRequired }
        let port = components.port ?? (secure ? 443 : 80)
        var path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { path += "?" + query }
        let bareHost = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host

        let hostHeader = (port == (secure ? 443 : 80)) ? host : "\(host):\(port)"
        let address = SocketAddress(host: bareHost, port: port)
        // Try each resolved address in turn ("localhost" may resolve to ::1 first while the
        // server listens on 127.0.0.1 only); TLS and HTTP errors are not retried.
        var lastError: Error = SocketError("connect \(address)", code: EHOSTUNREACH)
        for target in try Socket.resolve(address, passive: false) {
            let (fd, inProgress): (Int32, Bool)
            do {
                (fd, inProgress) = try Socket.startConnect(to: target, describing: address)
            } catch {
                lastError = error
                continue
            }
            let connection: TransportConnection
            if secure, let tls = options.tls {
                do {
                    let session = try TLSSession(context: tls, serverName: bareHost)
                    connection = TransportConnection(fd: fd, role: .client, tls: session, executor: QueueExecutor(label: "vigil.client"),
                                                     parserLimits: HTTPRequestParser.Limits())
                } catch {
                    close(fd)
                    throw error
                }
            } else {
                connection = TransportConnection(fd: fd, role: .client, tls: nil, executor: QueueExecutor(label: "vigil.client"),
                                                 parserLimits: HTTPRequestParser.Limits())
            }
            do {
                let info = try await connection.openAsClient(connectInProgress: inProgress, hostHeader: hostHeader, path: path, options: options)
                return (connection, info)
            } catch let error as SocketError {
                lastError = error   // the TCP connect itself failed: try the next address
            }
        }
        throw lastError
    }
}
