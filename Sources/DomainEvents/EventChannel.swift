import Synchronization

/// A bounded, lossless queue of events between one producer side (any number of publishers)
/// and one consumer: `send` waits while `capacity` events are waiting, so a consumer that falls
/// behind slows its producers down instead of losing events (backpressure). `receive` waits for
/// the next event and returns nil once the channel is finished and drained.
final class EventChannel: Sendable {
    struct State {
        var buffer: [DomainEvent] = []
        var head = 0
        var senders: [CheckedContinuation<Void, Never>] = []
        var receiver: CheckedContinuation<DomainEvent?, Never>?
        var finished = false
        /// How many sends had to wait for room (backpressure engaged).
        var waits = 0

        var count: Int { buffer.count - head }

        mutating func pop() -> DomainEvent {
            let event = buffer[head]
            head += 1
            if head > 1_024 && head * 2 > buffer.count {
                buffer.removeFirst(head)
                head = 0
            }
            return event
        }
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Events waiting, and how often a sender had to wait.
    var backlog: (waiting: Int, waits: Int) { state.withLock { ($0.count, $0.waits) } }

    /// Appends `event`, waiting while the channel is full. Returns false when finished.
    @discardableResult
    func send(_ event: DomainEvent) async -> Bool {
        while true {
            enum Step { case done(Bool), wait }
            let step: Step = state.withLock { state in
                if state.finished { return .done(false) }
                guard state.count >= capacity else {
                    if let receiver = state.receiver {
                        state.receiver = nil
                        receiver.resume(returning: event)
                    } else {
                        state.buffer.append(event)
                    }
                    return .done(true)
                }
                return .wait
            }
            switch step {
            case .done(let sent): return sent
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        // Room may have appeared (or the channel finished) since the check above.
                        if state.finished || state.count < capacity { return true }
                        state.waits += 1
                        state.senders.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    /// The next event, waiting for one; nil once finished and drained.
    func receive() async -> DomainEvent? {
        await withCheckedContinuation { (continuation: CheckedContinuation<DomainEvent?, Never>) in
            enum Outcome { case event(DomainEvent, CheckedContinuation<Void, Never>?), end, parked }
            let outcome: Outcome = state.withLock { state in
                if state.count > 0 {
                    let event = state.pop()
                    let sender = state.senders.isEmpty ? nil : state.senders.removeFirst()
                    return .event(event, sender)
                }
                if state.finished { return .end }
                state.receiver = continuation
                return .parked
            }
            switch outcome {
            case .event(let event, let sender):
                sender?.resume()
                continuation.resume(returning: event)
            case .end:
                continuation.resume(returning: nil)
            case .parked:
                break
            }
        }
    }

    /// No more events: waiting senders give up, the receiver drains what is buffered.
    func finish() {
        let (senders, receiver) = state.withLock { state -> ([CheckedContinuation<Void, Never>], CheckedContinuation<DomainEvent?, Never>?) in
            state.finished = true
            defer { state.senders = []; state.receiver = nil }
            return (state.senders, state.count == 0 ? state.receiver : nil)
        }
        senders.forEach { $0.resume() }
        receiver?.resume(returning: nil)
    }
}
