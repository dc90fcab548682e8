import Glibc
import Testing
@testable import Transport

/// A client's non-blocking connect can finish — the poller reporting writability once, edge
/// triggered — before the task opening the connection starts waiting for it: any `await` on the
/// way may suspend (a task that does not prefer the connection's queue takes a job per call
/// between its actors). The outcome must then wait for the waiter instead of being lost, which
/// hung one handshake in five under `bench cpms` when it was. Real sockets on 127.0.0.1.
@Suite(.timeLimit(.minutes(1))) struct ClientConnectWaitTests {
    /// A listening socket on an ephemeral loopback port, and the target to connect to it.
    func listener() throws -> (fd: Int32, target: Socket.Target, address: SocketAddress) {
        let (fd, bound) = try Socket.listen(on: SocketAddress(host: "127.0.0.1", port: 0), backlog: 8)
        let target = try #require(try Socket.resolve(bound, passive: false).first)
        return (fd, target, bound)
    }

    /// A client connection whose non-blocking connect to `server` has started.
    func clientConnection(to server: (fd: Int32, target: Socket.Target, address: SocketAddress)) throws -> TransportConnection {
        let (fd, _) = try Socket.startConnect(to: server.target, describing: server.address)
        return TransportConnection(fd: fd, role: .client, tls: nil, executor: QueueExecutor(label: "vigil.test.connect"),
                                   parserLimits: HTTPRequestParser.Limits())
    }

    @Test func aConnectThatFinishedBeforeTheWaitIsNotLost() async throws {
        let server = try listener()
        defer { close(server.fd) }
        let connection = try clientConnection(to: server)
        // The writability the poller would report, handled before anyone waits for it.
        await connection.reportConnectFinishedBeforeWaiting()
        try await connection.finishOpening(connectInProgress: true)   // returns: the outcome waited
        #expect(await connection.socketState == .open)
        await connection.abortForTest()
    }

    /// A port bound on 127.0.0.1 that does not listen: a connect to it is refused, and no other
    /// test can take the port while the socket stays open.
    func refusingPort() throws -> (fd: Int32, target: Socket.Target, address: SocketAddress) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(bound == 0)
        let local = try #require(Socket.localAddress(of: fd))
        return (fd, try #require(try Socket.resolve(local, passive: false).first), local)
    }

    @Test func aConnectThatFailedBeforeTheWaitThrowsItsError() async throws {
        let server = try refusingPort()
        defer { close(server.fd) }
        let connection = try clientConnection(to: server)
        await connection.reportConnectFinishedBeforeWaiting()
        await #expect(throws: SocketError.self) { try await connection.finishOpening(connectInProgress: true) }
    }
}

extension TransportConnection {
    /// Marks a connect pending, waits until the kernel has settled it, and handles the
    /// writability as the poller would — all before `finishOpening` is called. A lost outcome
    /// would leave the wait to the connect deadline (5 s here), which fails it with `timedOut`.
    fileprivate func reportConnectFinishedBeforeWaiting() async {
        scheduleDeadline(after: .seconds(5))
        isConnectPending = true
        var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        _ = poll(&descriptor, 1, 5_000)
        handleWritable()
    }

    fileprivate func abortForTest() {
        closeSocket()
    }
}
