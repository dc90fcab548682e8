import Dispatch
import Glibc

/// The transport's one connection type: a TCP (optionally TLS) socket speaking HTTP/1.1 and,
/// after an upgrade, WebSocket. On the server it starts in the HTTP/1.1 phase, serving
/// requests through a `Router`, and may upgrade to WebSocket; a client connection starts with
/// its own upgrade request (`WebSocketClient`) or one plain request (`HTTPClient`). All state is isolated to the actor, which runs on
/// the same serial dispatch queue to which the `Poller` delivers the socket's readiness events.
///
/// The WebSocket API: `receive()` returns whole messages (nil once closed); `send` writes a
/// message, waiting when more than `outboundHighWatermark` bytes are queued; `close`
/// performs the closing handshake. Only one task may wait in `receive()` at a time.
public actor TransportConnection {
    enum Phase {
        case http
        case clientHandshake
        case webSocket
    }

    enum SocketState {
        case open
        /// Close the socket as soon as everything queued is written.
        case closingAfterFlush
        /// Our side is shut down (FIN sent); unread input is drained and discarded until the
        /// peer closes or a short linger time passes, so the kernel never answers a final
        /// close frame or error response with a reset that could destroy it in flight.
        case lingering
        case closed
    }

    /// The connection's serial queue as an executor: the layer above may run its own actor
    /// and tasks on it, so its work on this connection never hops to another thread.
    public nonisolated let executor: QueueExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    nonisolated let fd: Int32
    /// The peer's address, read when the socket was accepted or connected.
    public nonisolated let remoteAddress: SocketAddress?
    let role: WebSocketRole

    // Socket and TLS.
    var registration: Poller.Registration?
    var isReadPaused = false
    var tls: TLSSession?
    var socketState = SocketState.open
    var output = ByteBuffer()
    var drainWaiters: [CheckedContinuation<Void, Never>] = []
    var closedWaiters: [CheckedContinuation<Void, Never>] = []
    var deadlineTimer: DispatchSourceTimer?
    var pingTimer: DispatchSourceTimer?
    var onSocketOpen: CheckedContinuation<Void, Error>?
    /// A client's non-blocking connect is in progress: the next writability reports its end.
    var isConnectPending = false
    /// How the connect ended, when it ended before `finishOpening` began to wait for it.
    var connectOutcome: Result<Void, Error>?

    // HTTP phase.
    var phase: Phase
    var parser: HTTPRequestParser
    var requestWaiter: CheckedContinuation<HTTPRequest?, Never>?
    var isHandlingRequest = false
    var isShuttingDown = false
    var requestDeadlineIsIdle = true
    var requestTimeouts = HTTPServerConfiguration.Timeouts()

    // A streaming response (TransportConnection+Stream.swift).
    var isStreaming = false
    /// Set when the stream must end (client gone, server stopping); no write goes out after it.
    var isStreamStopped = false
    var streamStopWaiter: CheckedContinuation<Void, Never>?
    var streamDrainWaiter: CheckedContinuation<Bool, Never>?
    /// Tells a write-timeout timer whether the write it was armed for is still waiting.
    var streamWriteNumber = 0
    /// Set when a stream's write timed out and the connection was dropped for it.
    var isStreamTimedOut = false

    // WebSocket phase.
    var configuration = WebSocketConfiguration()
    var input = ByteBuffer()
    var decoder: WebSocketFrameDecoder
    let encoder: WebSocketFrameEncoder
    var assembler: MessageAssembler
    var inbound: [WebSocketMessage] = []
    var inboundHead = 0
    var receiveWaiter: CheckedContinuation<WebSocketMessage?, Error>?
    /// Which `receive` the waiter belongs to: a cancelled receive's handler (queued, so it runs
    /// later) ends only its own wait, never that of a receive begun after it.
    var receiveWaiterTicket: UInt64 = 0
    /// The reader that takes each message as it completes (`takeMessages`), instead of `receive`.
    var messageSink: (@Sendable (WebSocketMessage?) -> Void)?
    var isCloseSent = false
    var isCloseReceived = false
    /// Set once this side has failed the connection: input is only scanned for a close.
    var isFailed = false
    public internal(set) var closeStatus: WebSocketCloseStatus?
    var lastFrameReceived = DispatchTime.now()
    var lastMessageReceived = DispatchTime.now()
    var pingSentAt: DispatchTime?
    var handshakeWaiter: CheckedContinuation<HTTPResponseHead, Error>?

    init(fd: Int32, role: WebSocketRole, tls: sending TLSSession?, executor: QueueExecutor, parserLimits: HTTPRequestParser.Limits) {
        self.fd = fd
        self.role = role
        self.tls = tls
        self.executor = executor
        self.remoteAddress = Socket.peerAddress(of: fd)
        self.phase = role == .server ? .http : .clientHandshake
        self.parser = HTTPRequestParser(limits: parserLimits)
        self.decoder = WebSocketFrameDecoder(role: role, maxFrameBytes: WebSocketConfiguration().maxMessageBytes)
        self.encoder = WebSocketFrameEncoder(role: role)
        self.assembler = MessageAssembler(maxMessageBytes: WebSocketConfiguration().maxMessageBytes)
    }

    // MARK: - Receiving

    /// The next complete message, or nil once the connection is closed (see `closeStatus`).
    /// Throws `WebSocketError.receiveAlreadyPending` if another task is already waiting.
    public func receive() async throws -> WebSocketMessage? {
        if let message = dequeueMessage() { return message }
        if socketState == .closed || isCloseReceived || phase != .webSocket { return nil }
        if receiveWaiter != nil { throw WebSocketError.receiveAlreadyPending }
        receiveWaiterTicket &+= 1
        let ticket = receiveWaiterTicket
        return try await withTaskCancellationHandler {
            // Checked again where the waiter is installed: a task that does not prefer this
            // connection's executor may be suspended on its way here (see `QueueExecutor`),
            // and a message or the end may have come meanwhile.
            try await withCheckedThrowingContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else if receiveWaiter != nil {
                    continuation.resume(throwing: WebSocketError.receiveAlreadyPending)
                } else if let message = dequeueMessage() {
                    continuation.resume(returning: message)
                } else if socketState == .closed || isCloseReceived || phase != .webSocket {
                    continuation.resume(returning: nil)
                } else {
                    receiveWaiterTicket = ticket
                    receiveWaiter = continuation
                }
            }
        } onCancel: {
            executor.queue.async {
                self.assumeIsolated { connection in
                    guard connection.receiveWaiterTicket == ticket else { return }
                    connection.receiveWaiter?.resume(throwing: CancellationError())
                    connection.receiveWaiter = nil
                }
            }
        }
    }

    /// Hands every message, as it completes, to `sink` — called on this connection's executor,
    /// inside its isolation — then nil once no more will come (the socket closed, the peer's
    /// close frame, a failed connection, or `stopTakingMessages`); messages already queued go
    /// first. For a reader that handles a message in place (the OCPP session): it spares the
    /// job that resuming a waiting `receive` takes, and the task's cancellation record a
    /// waiting `receive` sets up, per message. Then `receive` is not used. A sink must not
    /// block; work that waits belongs in a task it starts. With another reader already there
    /// (a waiting `receive`, an earlier sink), `sink` hears nil at once, as a second `receive`
    /// would fail.
    public func takeMessages(_ sink: @escaping @Sendable (WebSocketMessage?) -> Void) {
        guard receiveWaiter == nil, messageSink == nil else { return sink(nil) }
        // The queue first, with no sink installed yet: taking a message from a full queue
        // resumes reading, and what that decodes (more messages, a close frame) must queue
        // behind the rest, not overtake it or end the reader before the queue is through.
        while let message = dequeueMessage() { sink(message) }
        messageSink = sink
        if socketState == .closed || isCloseReceived || isFailed || phase != .webSocket { endMessages() }
    }

    /// Ends `takeMessages`: the sink hears nil, and no message after it.
    public func stopTakingMessages() {
        endMessages()
    }

    func endMessages() {
        guard let sink = messageSink else { return }
        messageSink = nil
        sink(nil)
    }

    func dequeueMessage() -> WebSocketMessage? {
        guard inboundHead < inbound.count else { return nil }
        let message = inbound[inboundHead]
        inboundHead += 1
        if inboundHead == inbound.count {
            inbound.removeAll(keepingCapacity: true)
            inboundHead = 0
        }
        if isReadPaused && queuedMessageCount < configuration.inboundQueueLimit && phase == .webSocket {
            resumeReading()
            processWebSocketInput()
        }
        return message
    }

    var queuedMessageCount: Int { inbound.count - inboundHead }

    func deliver(_ message: WebSocketMessage) {
        lastMessageReceived = .now()
        if let sink = messageSink {
            sink(message)
        } else if let waiter = receiveWaiter {
            receiveWaiter = nil
            waiter.resume(returning: message)
        } else {
            inbound.append(message)
        }
    }

    // MARK: - Sending

    /// Sends a text message.
    public func send(text: String) async throws {
        try await send(opcode: .text, payload: Array(text.utf8))
    }

    /// Sends a binary message.
    public func send(binary: [UInt8]) async throws {
        try await send(opcode: .binary, payload: binary)
    }

    public func send(_ message: WebSocketMessage) async throws {
        switch message {
        case .text(let text): try await send(text: text)
        case .binary(let bytes): try await send(binary: bytes)
        }
    }

    /// Queues a text message without waiting and without backpressure, for small control
    /// traffic issued from synchronous code (an RPC state machine's "send" effect). Order
    /// is preserved with every other send on this connection; dropped once closing.
    public nonisolated func enqueue(text: String) {
        executor.queue.async {
            self.assumeIsolated { connection in _ = try? connection.write(text: text) }
        }
    }

    /// How long since the peer last sent anything: a message, a ping, a pong to a keep-alive
    /// ping, or part of a frame. It is the connection's proof of life, whatever the protocol
    /// above does or does not send.
    public var timeSinceLastFrame: Duration {
        let (now, last) = (DispatchTime.now().uptimeNanoseconds, lastFrameReceived.uptimeNanoseconds)
        return .nanoseconds(Int64(clamping: now > last ? now - last : 0))
    }

    /// Sends a ping; the peer's pong counts as proof of life.
    public func sendPing(_ payload: [UInt8] = []) throws {
        guard canSend else { throw WebSocketError.closed }
        writeToSocket(encoder.encode(opcode: .ping, payload: Array(payload.prefix(125))))
    }

    /// Sends one frame as given, for tests that need unusual framing (fragments).
    public func send(frame: WebSocketFrame) async throws {
        guard canSend else { throw WebSocketError.closed }
        writeToSocket(encoder.encode(frame))
        await waitForDrain()
    }

    func send(opcode: WebSocketOpcode, payload: [UInt8]) async throws {
        _ = try write(opcode: opcode, payload: payload)
        await waitForDrain()
    }

    /// Writes a text message at once, for code already running on this connection's executor
    /// (an actor sharing it enters with `assumeIsolated`): `send(text:)` without the await,
    /// which costs a job on the queue per call from such an actor (issue #15). Returns whether
    /// the output is over its high watermark: the caller then awaits `waitForDrain()` before
    /// it sends more, the backpressure `send` applies by itself.
    public func write(text: String) throws(WebSocketError) -> Bool {
        guard role == .server, tls == nil else { return try write(opcode: .text, payload: Array(text.utf8)) }
        // A server's frame over plain TCP: the head, then the text's own UTF-8 bytes, straight
        // into the output (no copy of the text into an array, and none into a frame array).
        guard canSend else { throw WebSocketError.closed }
        encoder.appendUnmaskedHead(opcode: .text, length: text.utf8.count, to: &output)
        var text = text
        text.withUTF8 { output.append(UnsafeRawBufferPointer($0)) }
        flush()
        return isOverHighWatermark
    }

    func write(opcode: WebSocketOpcode, payload: [UInt8]) throws(WebSocketError) -> Bool {
        guard canSend else { throw WebSocketError.closed }
        writeToSocket(encoder.encode(opcode: opcode, payload: payload))
        return isOverHighWatermark
    }

    var canSend: Bool { phase == .webSocket && socketState == .open && !isCloseSent }

    /// More output is queued than the high watermark allows, on a socket still open.
    var isOverHighWatermark: Bool { output.readableCount > configuration.outboundHighWatermark && socketState != .closed }

    /// Waits until the output is back under its high watermark, or the socket closed.
    public func waitForDrain() async {
        while isOverHighWatermark {
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                // Checked again here: the caller may have been suspended on its way (see `receive`).
                if isOverHighWatermark {
                    drainWaiters.append(waiter)
                } else {
                    waiter.resume()
                }
            }
        }
    }

    // MARK: - Closing

    /// Starts the closing handshake and waits until the socket is closed: when the peer
    /// answers with its close frame, or after `closeTimeout`.
    public func close(code: WebSocketCloseCode = .normal, reason: String = "") async {
        beginClose(code: code, reason: reason)
        await waitUntilClosed()
    }

    /// Starts the closing handshake without waiting for it to finish.
    public func beginClose(code: WebSocketCloseCode = .normal, reason: String = "") {
        if phase == .webSocket && socketState == .open && !isCloseSent {
            sendClose(code: code, reason: reason)
            if isCloseReceived { closeWhenFlushed() } else { scheduleDeadline(after: configuration.closeTimeout) }
        } else if phase != .webSocket {
            closeSocket()
        }
    }

    /// Waits until the socket is closed, by either side.
    public func waitUntilClosed() async {
        if socketState == .closed { return }
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            // Checked again here: the caller may have been suspended on its way (see `receive`).
            if socketState == .closed { waiter.resume() } else { closedWaiters.append(waiter) }
        }
    }

    func sendClose(code: WebSocketCloseCode, reason: String) {
        guard !isCloseSent else { return }
        isCloseSent = true
        if closeStatus == nil { closeStatus = WebSocketCloseStatus(code: code, reason: reason, initiatedLocally: true) }
        writeToSocket(encoder.encodeClose(code: code, reason: reason))
    }

    /// Fails the connection (RFC 6455 §7.1.7): sends the matching close code, then waits
    /// briefly for the peer's close frame while ignoring everything else.
    func fail(_ error: WebSocketError) {
        guard !isFailed else { return }
        isFailed = true
        sendClose(code: error.closeCode, reason: error.reason)
        finishReceiving()
        closeWhenFlushed()
    }

    /// Tells a waiting receiver that no more messages will come.
    func finishReceiving() {
        endMessages()
        if let waiter = receiveWaiter, inboundHead >= inbound.count {
            receiveWaiter = nil
            waiter.resume(returning: nil)
        }
    }

    /// Graceful shutdown: WebSockets close with 1001, idle HTTP connections close now, and
    /// a request in progress gets its response with `Connection: close`.
    public func goAway() {
        isShuttingDown = true
        switch phase {
        case .webSocket:
            if socketState == .open && !isCloseSent {
                sendClose(code: .goingAway, reason: "server shutting down")
                scheduleDeadline(after: configuration.closeTimeout)
            }
        case .http:
            if isStreaming { stopStream() } else if !isHandlingRequest { closeSocket() }
        case .clientHandshake:
            closeSocket()
        }
    }

    /// Drops the connection at once, without a closing handshake.
    public func abort() {
        if closeStatus == nil { closeStatus = WebSocketCloseStatus(code: .abnormal, reason: "aborted", initiatedLocally: true) }
        closeSocket()
    }
}
