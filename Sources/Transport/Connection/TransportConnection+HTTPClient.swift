/// A single HTTP/1.1 request from the client side, on the same socket machinery as the
/// WebSocket client (non-blocking connect, TLS through memory BIOs, one deadline for the
/// whole exchange): connect, send the request, read the response head, close.
extension TransportConnection {
    func exchangeAsClient(connectInProgress: Bool, request: [UInt8], timeout: Duration) async throws -> HTTPResponseHead {
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
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                guard socketState == .open else { return continuation.resume(throwing: closedDuringHandshake) }
                onSocketOpen = continuation
                isConnectPending = true   // the poller reports writability when connect finishes
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
