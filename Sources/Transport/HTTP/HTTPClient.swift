import Foundation
import Glibc

/// A minimal HTTP/1.1 client for webhooks: one POST per connection (`Connection: close`),
/// over TCP or TLS (OpenSSL, system trust store by default), with one deadline covering
/// connect, TLS handshake, request and response head. It runs on the same libdispatch socket
/// machinery as the rest of Transport, so sockets of a busy server and of its webhooks never
/// meet in another library's event loop.
public enum HTTPClient {
    public struct Response: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
    }

    public enum ClientError: Error, Equatable, Sendable, CustomStringConvertible {
        case invalidURL(String)
        case timedOut(Duration)
        case connection(String)

        public var description: String {
            switch self {
            case .invalidURL(let url): return "not an http:// or https:// URL: \(url)"
            case .timedOut(let limit): return "no answer within \(limit)"
            case .connection(let why): return why
            }
        }
    }

    /// POSTs `body`; returns the status and headers of the answer (its body is not read).
    public static func post(_ url: URL, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8], timeout: Duration = .seconds(10),
                            tls: TLSContext? = nil) async throws -> Response {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty else {
            throw ClientError.invalidURL(url.absoluteString)
        }
        let secure = scheme == "https"
        let port = url.port ?? (secure ? 443 : 80)
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        var path = components?.percentEncodedPath ?? url.path
        if path.isEmpty { path = "/" }
        if let query = components?.percentEncodedQuery { path += "?" + query }
        let bareHost = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        let hostHeader = url.port == nil ? host : "\(host):\(port)"
        var request = "POST \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        for (name, value) in headers {
            guard !value.contains("\r") && !value.contains("\n") && !name.contains(":") else { throw ClientError.connection("bad header \(name)") }
            request += "\(name): \(value)\r\n"
        }
        let bytes = Array((request + "\r\n").utf8) + body
        let context = secure ? try (tls ?? TLSContext()) : nil
        let address = SocketAddress(host: bareHost, port: port)
        var lastError: Error = ClientError.connection("cannot resolve \(bareHost)")
        let started = ContinuousClock.now
        // The deadline closes the socket whatever step it interrupts; a failure at or after it is a timeout.
        func failure(_ error: Error) -> ClientError {
            if ContinuousClock.now - started >= timeout { return .timedOut(timeout) }
            if let error = error as? WebSocketClient.ConnectError { return .connection(error.description) }
            return .connection("\(error)")
        }
        for target in try Socket.resolve(address, passive: false) {
            let (fd, inProgress): (Int32, Bool)
            do {
                (fd, inProgress) = try Socket.startConnect(to: target, describing: address)
            } catch {
                lastError = error
                continue
            }
            let session: TLSSession?
            do { session = try context.map { try TLSSession(context: $0, serverName: bareHost) } } catch {
                close(fd)
                throw error
            }
            let connection = TransportConnection(fd: fd, role: .client, tls: session, executor: QueueExecutor(label: "vigil.http-client"),
                                                 parserLimits: HTTPRequestParser.Limits())
            do {
                // Cancelled (serve shutting down), the exchange ends at once rather than at its deadline.
                let head = try await withTaskCancellationHandler {
                    try await connection.exchangeAsClient(connectInProgress: inProgress, request: bytes, timeout: timeout)
                } onCancel: {
                    Task { await connection.abort() }
                }
                return Response(status: head.statusCode, headers: head.headers)
            } catch let error as SocketError {
                lastError = error   // the TCP connect failed: try the next address
            } catch let error as WebSocketError {
                if case .timedOut = error { throw ClientError.timedOut(timeout) }
                throw failure(error)
            } catch {
                throw failure(error)   // TLS: the certificate did not verify, the handshake failed …
            }
        }
        throw ClientError.connection("\(lastError)")
    }
}
