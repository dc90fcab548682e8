import Synchronization
import Testing
@testable import Transport

/// `TransportConnection.takeMessages`: a reader that takes each message in the socket's own
/// job. Every message reaches it once, in order — those queued before it started first — and
/// then one nil, however the stream ends. Real sockets on 127.0.0.1.
@Suite(.timeLimit(.minutes(1))) struct TakeMessagesTests {
    /// What a sink heard: message texts, and "end" for each nil.
    final class Heard: Sendable {
        let items = Mutex<[String]>([])

        func record(_ message: WebSocketMessage?) {
            items.withLock { items in
                switch message {
                case .text(let text)?: items.append(text)
                case .binary?: items.append("binary")
                case nil: items.append("end")
                }
            }
        }

        var all: [String] { items.withLock { $0 } }

        /// Waits (polling, at most 10 s) until `condition` holds for what was heard.
        func wait(until condition: ([String]) -> Bool) async throws {
            for _ in 0..<1_000 where !condition(all) { try await Task.sleep(for: .milliseconds(10)) }
        }
    }

    /// A server on an ephemeral loopback port whose one WebSocket route runs `handler`; hands
    /// `body` a connected client socket, then shuts the server down.
    func withServer(_ handler: @escaping @Sendable (TransportConnection) async -> Void,
                    _ body: (TransportConnection) async throws -> Void) async throws {
        var router = Router()
        router.webSocket("/ws", WebSocketRoute(negotiate: { _, _ in .accept(subprotocol: nil) }, handler: { socket, _ in await handler(socket) }))
        let server = try HTTPServer(address: SocketAddress(host: "127.0.0.1", port: 0), router: router)
        async let running: Void = server.run()
        do {
            var options = WebSocketClient.Options()
            options.connectTimeout = .seconds(60)   // the suite shares two cores: a handshake can wait behind it
            let (client, _) = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(server.boundAddress.port)/ws", options: options)
            try await body(client)
        } catch {
            await server.shutdown()
            await running
            throw error
        }
        await server.shutdown()
        await running
    }

    /// Takes messages until the end, then returns (as a route handler does).
    static func takeAll(_ socket: TransportConnection, into heard: Heard) async {
        await withCheckedContinuation { (ended: CheckedContinuation<Void, Never>) in
            socket.executor.queue.async {
                socket.assumeIsolated { socket in
                    socket.takeMessages { message in
                        heard.record(message)
                        if message == nil { ended.resume() }
                    }
                }
            }
        }
    }

    @Test func everyMessageOnceInOrderThenOneEnd() async throws {
        let heard = Heard()
        try await withServer({ socket in await Self.takeAll(socket, into: heard) }) { client in
            for text in ["one", "two", "three"] { try await client.send(text: text) }
            try await heard.wait { $0.count >= 3 }
            await client.close()
            try await heard.wait { $0.last == "end" }
        }
        #expect(heard.all == ["one", "two", "three", "end"])
    }

    @Test func messagesQueuedBeforeTheReaderComeFirst() async throws {
        let heard = Heard()
        try await withServer({ socket in
            // Let two messages queue up before the reader starts.
            for _ in 0..<1_000 where await socket.queuedMessageCount < 2 { try? await Task.sleep(for: .milliseconds(10)) }
            await Self.takeAll(socket, into: heard)
        }) { client in
            try await client.send(text: "queued-1")
            try await client.send(text: "queued-2")
            try await heard.wait { $0.count >= 2 }
            try await client.send(text: "live")
            try await heard.wait { $0.count >= 3 }
            await client.close()
            try await heard.wait { $0.last == "end" }
        }
        #expect(heard.all == ["queued-1", "queued-2", "live", "end"])
    }

    /// A full queue pauses reading; taking from it resumes reading, and what that decodes —
    /// more messages, then the peer's close — queues behind the rest: all in order, then one end.
    @Test func aFullQueueIsTakenInOrderBeforeWhatFollows() async throws {
        let heard = Heard()
        let limit = WebSocketConfiguration().inboundQueueLimit
        let texts = (1...(limit + 20)).map { "m\($0)" }
        try await withServer({ socket in
            // Wait until reading has paused on a full queue with more (and the close) behind it.
            for _ in 0..<1_000 where await socket.queuedMessageCount < limit { try? await Task.sleep(for: .milliseconds(10)) }
            try? await Task.sleep(for: .milliseconds(100))
            await Self.takeAll(socket, into: heard)
        }) { client in
            for text in texts { try await client.send(text: text) }
            await client.close()
            try await heard.wait { $0.last == "end" }
        }
        #expect(heard.all == texts + ["end"])
    }

    @Test func stoppingEndsTheReaderOnceAndNothingFollows() async throws {
        let heard = Heard()
        let server = Mutex<TransportConnection?>(nil)
        try await withServer({ socket in
            server.withLock { $0 = socket }
            await Self.takeAll(socket, into: heard)
            // After the reader stopped, the next message is for `receive`.
            if let received = try? await socket.receive(), case .text(let text) = received { heard.items.withLock { $0.append("receive: " + text) } }
        }) { client in
            try await client.send(text: "before")
            try await heard.wait { $0.count >= 1 }
            let socket = try #require(server.withLock { $0 })
            socket.executor.queue.async { socket.assumeIsolated { $0.stopTakingMessages() } }
            try await heard.wait { $0.last == "end" }
            try await client.send(text: "after")   // for a `receive`, not the sink that ended
            try await heard.wait { $0.count >= 3 }
            await client.close()
        }
        #expect(heard.all == ["before", "end", "receive: after"])
    }
}
