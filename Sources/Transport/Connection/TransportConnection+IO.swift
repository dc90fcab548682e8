import Dispatch
import Glibc

/// Socket I/O: the poller's readiness events, reads through TLS, buffered writes, timers, teardown.
extension TransportConnection {
    /// Registers the socket with the poller. Called once, on the actor, before anything else.
    func startReading() {
        guard socketState == .open, registration == nil else { return }   // closed before serving began
        TransportTrace.log("fd \(fd) \(role) start reading tls=\(tls != nil)")
        do {
            registration = try Poller.shared.register(fd: fd, queue: executor.queue) { events in
                self.assumeIsolated { $0.handleEvents(events) }
            }
        } catch {
            closeStatus = WebSocketCloseStatus(code: .abnormal, reason: "\(error)", initiatedLocally: true)
            closeSocket()
        }
    }

    /// One readiness change from the poller (edge-triggered: every handler below goes on
    /// until the socket would block, or re-queues itself).
    func handleEvents(_ events: Poller.Events) {
        if events.isWritable { handleWritable() }
        if events.isReadable { handleReadable(untilWouldBlock: events.mayHaveEndOfFile) }
    }

    /// Stops reading; readiness events that come meanwhile are ignored, and `resumeReading`
    /// drains whatever arrived.
    func pauseReading() {
        guard !isReadPaused, socketState != .closed else { return }
        isReadPaused = true
    }

    /// Resumes reading and drains what arrived meanwhile: with edge-triggered readiness no
    /// new event comes for bytes that were already waiting.
    func resumeReading() {
        guard isReadPaused else { return }
        isReadPaused = false
        executor.queue.async { self.assumeIsolated { $0.handleReadable() } }
    }

    /// Reads until the socket is drained: readiness is edge-triggered, so no new event comes
    /// for bytes (or an end-of-file) already pending when the handler returns. A read that
    /// leaves room in the buffer took everything queued at that moment, and whatever arrives
    /// later raises a new event, so it ends the handler without a second `recv` that would only
    /// say `EAGAIN` (one system call per message saved) — unless `untilWouldBlock`: the event
    /// may carry an end-of-file no later event repeats (`EPOLLRDHUP`, `EPOLLHUP`, `EPOLLERR`),
    /// or there was no event (a resumed or continued read). After 16 reads it yields the queue to
    /// other work and continues in a fresh block.
    func handleReadable(untilWouldBlock: Bool = true) {
        var rounds = 0
        while socketState != .closed && !isReadPaused {
            if rounds == 16 {
                executor.queue.async { self.assumeIsolated { $0.handleReadable() } }
                return
            }
            rounds += 1
            var drained = false
            let result = ThreadBuffer.receive.withBuffer { buffer -> Int in
                let count = recv(fd, buffer.baseAddress, buffer.count, 0)
                if count > 0 {
                    drained = count < buffer.count
                    ingest(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                }
                return count > 0 ? count : (count == 0 ? 0 : -Int(errno))
            }
            if drained && !untilWouldBlock { return }
            if result == 0 { peerClosedSocket(); return }
            if result < 0 {
                let code = Int32(-result)
                if code == EAGAIN || code == EWOULDBLOCK { return }
                if code == EINTR { continue }
                peerClosedSocket()
                return
            }
        }
    }

    /// Raw bytes from the socket: decrypted if TLS, then handed to the current phase.
    func ingest(_ bytes: UnsafeRawBufferPointer) {
        if socketState == .lingering { return }   // draining before close: discard
        lastFrameReceived = .now()
        guard let tls else {
            route(bytes)
            return
        }
        tls.feed(bytes)
        if !tls.isHandshakeComplete {
            advanceTLSHandshake()
            if !tls.isHandshakeComplete { return }
        }
        switch tls.readPlaintext() {
        case .data(let plaintext): plaintext.withUnsafeBytes { route($0) }
        case .needMoreInput: break
        case .closedByPeer: peerClosedSocket()
        case .failed: peerClosedSocket()
        }
        flushTLSOutput()
    }

    func advanceTLSHandshake() {
        guard let tls else { return }
        TransportTrace.log("fd \(fd) \(role) tls handshake step")
        switch tls.handshake() {
        case .success(let done):
            flushTLSOutput()
            if done && role == .client { onSocketOpen?.resume(); onSocketOpen = nil }
        case .failure(let error):
            flushTLSOutput()
            onSocketOpen?.resume(throwing: error)
            onSocketOpen = nil
            if closeStatus == nil { closeStatus = WebSocketCloseStatus(code: .abnormal, reason: error.description, initiatedLocally: true) }
            closeWhenFlushed()
        }
    }

    func route(_ bytes: UnsafeRawBufferPointer) {
        switch phase {
        case .http:
            if isStreaming { return }   // a client has nothing to say during a stream: discarded
            parser.feed(bytes)
            deliverParsedRequest()
        case .clientHandshake:
            input.append(bytes)
            processHandshakeResponse()
        case .webSocket:
            input.append(bytes)
            processWebSocketInput()
        }
    }

    func peerClosedSocket() {
        TransportTrace.log("fd \(fd) \(role) peer closed phase=\(phase)")
        if closeStatus == nil {
            closeStatus = WebSocketCloseStatus(code: .abnormal, reason: "connection closed without a close frame", initiatedLocally: false)
        }
        closeSocket()
    }

    // MARK: - Writing

    /// Queues bytes (encrypting them under TLS) and writes as much as the socket takes.
    func writeToSocket(_ bytes: [UInt8]) {
        guard socketState == .open || socketState == .closingAfterFlush else { return }
        if let tls {
            tls.write(bytes)
            output.append(tls.takeOutput())
        } else {
            output.append(bytes)
        }
        flush()
    }

    func flushTLSOutput() {
        guard let tls else { return }
        let ciphertext = tls.takeOutput()
        if !ciphertext.isEmpty {
            output.append(ciphertext)
            flush()
        }
    }

    func flush() {
        while !output.isEmpty && (socketState == .open || socketState == .closingAfterFlush) {
            let written = output.withReadableBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written > 0 {
                output.skip(written)
                continue
            }
            if written < 0 && errno == EINTR { continue }
            if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return   // the poller reports writability again when there is room
            }
            peerClosedSocket()
            return
        }
        if !drainWaiters.isEmpty && output.readableCount <= configuration.outboundHighWatermark {
            let waiters = drainWaiters
            drainWaiters = []
            waiters.forEach { $0.resume() }
        }
        if output.isEmpty, let waiter = streamDrainWaiter {
            streamDrainWaiter = nil
            waiter.resume(returning: true)
        }
        if socketState == .closingAfterFlush && output.isEmpty { shutDownAndLinger() }
    }

    /// Sends FIN after the last queued byte, then drains and discards input until the peer
    /// closes too, for at most `closeTimeout` (a peer may still be mid-way through a large
    /// message we refused).
    func shutDownAndLinger() {
        TransportTrace.log("fd \(fd) \(role) linger phase=\(phase)")
        socketState = .lingering
        if let tls {
            tls.shutdown()
            let alert = tls.takeOutput()
            _ = alert.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        Glibc.shutdown(fd, Int32(SHUT_WR))
        resumeReading()
        scheduleDeadline(after: configuration.closeTimeout)
    }

    func handleWritable() {
        guard socketState != .closed else { return }   // a last event after cancellation
        if isConnectPending {
            // A non-blocking connect finished; SO_ERROR says how.
            isConnectPending = false
            let error = Socket.pendingError(of: fd)
            let outcome: Result<Void, Error> = error == 0 ? .success(()) : .failure(SocketError("connect", code: error))
            if let waiter = onSocketOpen {
                onSocketOpen = nil
                waiter.resume(with: outcome)
            } else {
                connectOutcome = outcome   // `finishOpening` has not begun to wait: it takes this
            }
            if error != 0 { closeSocket() }
            return
        }
        flush()
    }

    // MARK: - Closing the socket

    /// Closes once everything queued has been written.
    func closeWhenFlushed() {
        guard socketState == .open else { return }
        socketState = .closingAfterFlush
        if output.isEmpty { shutDownAndLinger() }
    }

    /// Tears the connection down: stops timers, removes the socket from the poller (so its
    /// number may be reused at once) and closes it, wakes every waiter.
    func closeSocket() {
        guard socketState != .closed else { return }
        socketState = .closed
        TransportTrace.log("fd \(fd) \(role) close socket")
        if closeStatus == nil { closeStatus = WebSocketCloseStatus(code: .abnormal, reason: "closed", initiatedLocally: true) }
        deadlineTimer?.cancel()
        deadlineTimer = nil
        pingTimer?.cancel()
        pingTimer = nil
        if let registration { Poller.shared.deregister(registration) }
        registration = nil
        Glibc.close(fd)
        requestWaiter?.resume(returning: nil)
        requestWaiter = nil
        receiveWaiter?.resume(returning: nil)
        receiveWaiter = nil
        endMessages()
        onSocketOpen?.resume(throwing: closedDuringHandshake)
        onSocketOpen = nil
        handshakeWaiter?.resume(throwing: closedDuringHandshake)
        handshakeWaiter = nil
        stopStream()
        let waiters = drainWaiters + closedWaiters
        drainWaiters = []
        closedWaiters = []
        waiters.forEach { $0.resume() }
    }

    // MARK: - Timers

    /// Arms the single deadline timer; `deadlineFired` decides what it means in the
    /// current phase (request timeout, idle timeout, close timeout).
    func scheduleDeadline(after duration: Duration) {
        guard socketState != .closed else { return }
        if deadlineTimer == nil {
            let timer = DispatchSource.makeTimerSource(queue: executor.queue)
            timer.setEventHandler { [weak self] in self?.assumeIsolated { $0.deadlineFired() } }
            deadlineTimer = timer
            timer.schedule(deadline: .now() + duration.dispatchInterval)
            timer.resume()
        } else {
            deadlineTimer?.schedule(deadline: .now() + duration.dispatchInterval)
        }
    }

    func cancelDeadline() {
        deadlineTimer?.schedule(deadline: .distantFuture)
    }

    func deadlineFired() {
        TransportTrace.log("fd \(fd) \(role) deadline fired phase=\(phase) state=\(socketState)")
        if socketState == .lingering {
            closeSocket()
            return
        }
        switch phase {
        case .http: requestDeadlineFired()
        case .clientHandshake:
            let error = WebSocketError.timedOut("opening handshake not completed within the connect timeout")
            if let waiter = onSocketOpen {
                onSocketOpen = nil
                waiter.resume(throwing: error)
            } else if isConnectPending {
                connectOutcome = .failure(error)   // `finishOpening` has not begun to wait: it takes this
            }
            // A wait that begins after the close names the timeout too (`closedDuringHandshake`).
            if closeStatus == nil { closeStatus = WebSocketCloseStatus(code: .abnormal, reason: error.reason, initiatedLocally: true) }
            handshakeWaiter?.resume(throwing: error)
            handshakeWaiter = nil
            closeSocket()
        case .webSocket:
            if isCloseSent || isFailed {
                closeSocket()
            } else if let idle = configuration.idleTimeout {
                let idleFor = DispatchTime.now().uptimeNanoseconds - lastMessageReceived.uptimeNanoseconds
                if idleFor >= UInt64(idle.nanoseconds) {
                    sendClose(code: .goingAway, reason: "idle timeout")
                    finishReceiving()
                    scheduleDeadline(after: configuration.closeTimeout)
                } else {
                    scheduleDeadline(after: .nanoseconds(Int64(UInt64(idle.nanoseconds) - idleFor)))
                }
            }
        }
    }

    func startPingTimer() {
        guard let interval = configuration.pingInterval else { return }
        let timer = DispatchSource.makeTimerSource(queue: executor.queue)
        timer.setEventHandler { [weak self] in self?.assumeIsolated { $0.pingTimerFired() } }
        timer.schedule(deadline: .now() + interval.dispatchInterval)
        pingTimer = timer
        timer.resume()
    }

    /// Pings a peer that has sent nothing for `pingInterval`; if nothing at all (a pong or any
    /// other frame) arrives within `pongTimeout` of the ping, the peer is considered dead and
    /// the socket is dropped. A peer that keeps talking is not pinged: its frames already prove
    /// it alive. So an open socket has always heard from its peer within `pingInterval +
    /// pongTimeout` (plus timer latency).
    func pingTimerFired() {
        guard let interval = configuration.pingInterval, socketState == .open else { return }
        if let sent = pingSentAt {
            if lastFrameReceived < sent {
                closeStatus = WebSocketCloseStatus(code: .abnormal, reason: "no pong within \(configuration.pongTimeout)", initiatedLocally: true)
                finishReceiving()
                closeSocket()
                return
            }
            pingSentAt = nil
        }
        let silentUntil = lastFrameReceived + interval.dispatchInterval
        if silentUntil > .now() {
            pingTimer?.schedule(deadline: silentUntil)
            return
        }
        guard !isCloseSent else { return }
        pingSentAt = .now()
        writeToSocket(encoder.encode(opcode: .ping, payload: []))
        pingTimer?.schedule(deadline: .now() + configuration.pongTimeout.dispatchInterval)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    var dispatchInterval: DispatchTimeInterval { .nanoseconds(Int(max(0, nanoseconds))) }
}
