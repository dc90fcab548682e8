import Dispatch

/// A streaming response (`HTTPStreamBody`): the head, then the body's writes until the body
/// returns, the client goes away or the server shuts down.
extension TransportConnection {
    /// Writes the head, runs the body in a child task and ends the stream at the first of: the
    /// body returning, the client closing (input is still read, and discarded, to notice it),
    /// `goAway` (shutdown). The body's task is then cancelled and the connection closes once
    /// what was written has gone out.
    func stream(_ response: HTTPResponse, body: HTTPStreamBody, to request: HTTPRequest) async {
        writeToSocket(response.serialized(closing: true, includeBody: false))
        guard request.method != "HEAD", socketState == .open, !isShuttingDown else {
            closeWhenFlushed()
            return
        }
        isStreaming = true
        isStreamStopped = false
        resumeReading()
        let writer = HTTPStreamWriter(connection: self, timeout: body.writeTimeout)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await body.run(writer) }
            group.addTask { await self.waitForStreamStop() }
            await group.next()
            group.cancelAll()
        }
        stopStream()
        isStreaming = false
        closeWhenFlushed()
    }

    /// Returns once the stream must end, or when the waiting task is cancelled.
    func waitForStreamStop() async {
        if isStreamStopped || socketState != .open { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if isStreamStopped || socketState != .open || Task.isCancelled {
                    continuation.resume()
                } else {
                    streamStopWaiter = continuation
                }
            }
        } onCancel: {
            executor.queue.async { self.assumeIsolated { $0.stopStream() } }
        }
    }

    /// Ends the stream: later writes throw, and whoever waits for the stop or a drain is woken.
    func stopStream() {
        guard isStreaming else { return }
        isStreamStopped = true
        streamStopWaiter?.resume()
        streamStopWaiter = nil
        streamDrainWaiter?.resume(returning: false)
        streamDrainWaiter = nil
    }

    /// One write of a streaming body: queued, flushed, then waited for until the socket has
    /// taken every queued byte. Past `timeout` the connection is dropped (a client that stops
    /// reading gets no more of the server's memory than one write).
    func streamWrite(_ bytes: [UInt8], timeout: Duration) async throws(HTTPStreamError) {
        guard isStreaming, !isStreamStopped, socketState == .open else { throw .closed }
        writeToSocket(bytes)
        if output.isEmpty { return }
        guard streamDrainWaiter == nil else { throw .closed }   // one writer at a time; a second is a bug above
        streamWriteNumber += 1
        let number = streamWriteNumber
        let queued = output.readableCount
        executor.queue.asyncAfter(deadline: .now() + timeout.dispatchInterval) { [weak self] in
            self?.assumeIsolated { connection in
                guard connection.streamWriteNumber == number, let waiter = connection.streamDrainWaiter else { return }
                connection.streamDrainWaiter = nil
                waiter.resume(returning: false)
                connection.isStreamTimedOut = true
                connection.abort()
            }
        }
        let drained = await withCheckedContinuation { (waiter: CheckedContinuation<Bool, Never>) in
            // The socket may have taken the bytes, or the stream stopped, while the caller was
            // on its way here (see `receive`).
            if output.isEmpty { return waiter.resume(returning: true) }
            if isStreamStopped || socketState != .open || streamDrainWaiter != nil { return waiter.resume(returning: false) }
            streamDrainWaiter = waiter
        }
        streamWriteNumber += 1   // disarms the timer
        if drained { return }
        if isStreamTimedOut { throw .writeTimedOut(bytes: queued, timeout: timeout) }
        throw .closed
    }
}
