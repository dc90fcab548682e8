import Dispatch
import Glibc
import Synchronization

/// A TCP listener serving HTTP/1.1 and WebSocket through a `Router`. It binds in `init`
/// (so `boundAddress` shows the ephemeral port), serves in `run()` — one child task per
/// connection — and stops in `shutdown()`: no new connections, WebSockets closed with 1001,
/// then connections still open after `drainTimeout` are dropped.
public final class HTTPServer: Sendable {
    public let boundAddress: SocketAddress
    let router: Router
    let configuration: HTTPServerConfiguration
    let listenFD: Int32
    let listenQueue = DispatchQueue(label: "vigil.listener")
    let accepted: AsyncStream<Accepted>
    let state: Mutex<State>

    /// An accepted socket and the address it came from.
    struct Accepted: Sendable {
        var fd: Int32
        var host: String?
    }

    struct State {
        var connections: [ObjectIdentifier: TransportConnection] = [:]
        var pendingAccepted = 0
        /// Open (or accepted and pending) connections per remote address, for the per-address cap.
        var perAddress: [String: Int] = [:]
        var isShuttingDown = false
        var acceptRegistration: Poller.Registration?
        var continuation: AsyncStream<Accepted>.Continuation?
        var connectionCount: Int { connections.count + pendingAccepted }

        mutating func release(_ host: String?) {
            guard let host, let count = perAddress[host] else { return }
            perAddress[host] = count > 1 ? count - 1 : nil
        }
    }

    public init(address: SocketAddress, router: Router, configuration: HTTPServerConfiguration = HTTPServerConfiguration()) throws {
        let (fd, bound) = try Socket.listen(on: address, backlog: configuration.backlog)
        listenFD = fd
        boundAddress = bound
        self.router = router
        self.configuration = configuration
        let (stream, continuation) = AsyncStream.makeStream(of: Accepted.self)
        accepted = stream
        state = Mutex(State(continuation: continuation))
    }

    /// Number of connections currently open.
    public var connectionCount: Int { state.withLock { $0.connections.count } }

    /// Accepts and serves connections until `shutdown()` has completed its drain.
    public func run() async {
        state.withLock { state in
            guard !state.isShuttingDown else { return }   // shutdown() already closed the socket
            do {
                state.acceptRegistration = try Poller.shared.register(fd: listenFD, queue: listenQueue) { [self] events in
                    if events.isReadable { acceptPending() }
                }
            } catch {
                // Only ENOMEM can refuse a fresh listening socket; a server that cannot accept must not pretend to run.
                fatalError("cannot watch the listening socket: \(error)")
            }
        }

        await withDiscardingTaskGroup { group in
            for await socket in accepted {
                let fd = socket.fd
                guard let connection = makeConnection(fd: fd) else {
                    state.withLock { state in
                        state.pendingAccepted -= 1
                        state.release(socket.host)
                    }
                    Glibc.close(fd)
                    continue
                }
                let id = ObjectIdentifier(connection)
                let shuttingDown = state.withLock { state -> Bool in
                    state.pendingAccepted -= 1
                    state.connections[id] = connection
                    return state.isShuttingDown
                }
                // The connection's task prefers its queue: what it runs between the connection's
                // actors (the route's handler, the OCPP layer) stays there, job for job.
                group.addTask(executorPreference: connection.executor.tasks) { [self] in
                    if shuttingDown { await connection.goAway() }
                    await connection.serve(router: router, timeouts: configuration.timeouts)
                    state.withLock { state in
                        state.connections.removeValue(forKey: id)
                        state.release(socket.host)
                    }
                }
            }
        }
    }

    private func makeConnection(fd: Int32) -> TransportConnection? {
        let executor = QueueExecutor(label: "vigil.connection")
        guard let tls = configuration.tls else {
            return TransportConnection(fd: fd, role: .server, tls: nil, executor: executor, parserLimits: configuration.limits)
        }
        guard let session = try? TLSSession(context: tls, serverName: nil) else { return nil }
        return TransportConnection(fd: fd, role: .server, tls: session, executor: executor, parserLimits: configuration.limits)
    }

    /// Accepts until the backlog is empty (readiness is edge-triggered). After 256 it yields
    /// the queue and continues; out of descriptors, it tries again in 100 ms rather than
    /// waiting for a next connection to signal readiness.
    private func acceptPending() {
        guard !state.withLock({ $0.isShuttingDown }) else { return }
        for _ in 0..<256 {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return }
                listenQueue.asyncAfter(deadline: .now() + .milliseconds(100)) { [self] in acceptPending() }
                return
            }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            Socket.setNoDelay(fd)
            var host = configuration.maxConnectionsPerAddress > 0 ? Socket.peerAddress(of: fd)?.host : nil
            if let peer = host, !configuration.capsLoopback, peer == "127.0.0.1" || peer == "::1" || peer.hasPrefix("::ffff:127.") { host = nil }
            let continuation = state.withLock { state -> AsyncStream<Accepted>.Continuation? in
                guard !state.isShuttingDown, state.connectionCount < configuration.maxConnections else { return nil }
                if let host {
                    let open = state.perAddress[host] ?? 0
                    // One address may not take the whole server: beyond its cap the socket is closed at once.
                    guard open < configuration.maxConnectionsPerAddress else { return nil }
                    state.perAddress[host] = open + 1
                }
                state.pendingAccepted += 1
                return state.continuation
            }
            if let continuation { continuation.yield(Accepted(fd: fd, host: host)) } else { Glibc.close(fd) }
        }
        listenQueue.async { [self] in acceptPending() }
    }

    /// Stops accepting, asks every connection to go away, and drops those still open after
    /// `drainTimeout`. `run()` returns once the last connection has finished.
    public func shutdown() async {
        let connections = state.withLock { state -> [TransportConnection] in
            guard !state.isShuttingDown else { return [] }
            state.isShuttingDown = true
            if let registration = state.acceptRegistration { Poller.shared.deregister(registration) }
            state.acceptRegistration = nil
            listenQueue.async { [listenFD] in Glibc.close(listenFD) }   // after any accept under way
            state.continuation?.finish()
            state.continuation = nil
            return Array(state.connections.values)
        }
        for connection in connections { await connection.goAway() }
        listenQueue.asyncAfter(deadline: .now() + configuration.drainTimeout.dispatchInterval) { [self] in
            let remaining = state.withLock { Array($0.connections.values) }
            for connection in remaining {
                connection.executor.queue.async { connection.assumeIsolated { $0.abort() } }
            }
        }
    }
}
