/// A single HTTP/1.1 request from the client side, on the same socket machinery as the
/// WebSocket client (non-blocking connect, TLS through memory BIOs, one deadline for the
/// whole exchange): connect, send the request, read the response head, close.
extension TransportConnection {
    func exchangeAsClient(connectInProgress: Bool, request: [UInt8], timeout: Duration) async throws -> HTTPResponseHead {
        isConnectPending = connectInProgress
        startReading()
        scheduleDeadline(after: timeout)
        defer { closeSocket() }
        try await finishOpening(connectInProgress: connectInProgress)
        writeToSocket(request)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponseHead, Error>) in
            handshakeWaiter = continuation
            processHandshakeResponse()
            if socketState == .closed, let waiter = handshakeWaiter {
                handshakeWaiter = nil
                waiter.resume(throwing: closedDuringHandshake)
            }
        }
    }

    /// Waits for a non-blocking connect to finish, then for the TLS handshake (when there is
    /// TLS): the opening every client exchange starts with.
    func finishOpening(connectInProgress: Bool) async throws {
        if connectInProgress {
            // The poller reports writability when the connect finishes (`isConnectPending`, set
            // before reading started). That may come before this wait begins — the caller may
            // have been suspended on its way here — and then its outcome waits for us.
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                if let outcome = connectOutcome {
                    connectOutcome = nil
                    return continuation.resume(with: outcome)
                }
                guard socketState == .open else { return continuation.resume(throwing: closedDuringHandshake) }
                onSocketOpen = continuation
            }
        }
        if tls != nil {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                guard socketState == .open else { return continuation.resume(throwing: closedDuringHandshake) }
                onSocketOpen = continuation
                advanceTLSHandshake()
            }
        }
    }
}
