import Synchronization

/// Fan-out of committed updates to live subscribers (the API's event stream), apart from the
/// event log's consumers: `publish` never waits and never fails — it adds the update to each
/// subscriber's `LiveBuffer` under one short lock — so a subscriber, however slow, cannot slow
/// the fault loop or the store. A subscriber whose buffer overflows learns it on its next
/// `next` and is expected to leave. Subscribers are not durable: a new one sees only what is
/// published after it subscribed.
public final class LiveFeed<Element: Sendable>: Sendable {
    struct Subscriber {
        var buffer: LiveBuffer<Element>
        var waiter: CheckedContinuation<Void, Never>?
    }

    struct State {
        var subscribers: [Int: Subscriber] = [:]
        var nextId = 0
        var isFinished = false
    }

    private let state = Mutex(State())
    /// Subscribers now; read without the lock by publishers that skip work nobody will see.
    private let subscriberCount = Atomic<Int>(0)

    public init() {}

    /// Whether anyone listens: a publisher may skip encoding an update when nobody does.
    public var hasSubscribers: Bool { subscriberCount.load(ordering: .relaxed) > 0 }

    /// Subscriptions open now.
    public var subscribers: Int { subscriberCount.load(ordering: .relaxed) }

    /// A new subscription whose buffer holds at most `capacity` updates.
    public func subscribe(capacity: Int) -> LiveSubscription<Element> {
        let id = state.withLock { state -> Int in
            state.nextId += 1
            state.subscribers[state.nextId] = Subscriber(buffer: LiveBuffer(capacity: capacity))
            return state.nextId
        }
        subscriberCount.add(1, ordering: .relaxed)
        return LiveSubscription(feed: self, id: id)
    }

    /// Hands `element` to every subscriber; never waits.
    public func publish(_ element: Element) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            var woken: [CheckedContinuation<Void, Never>] = []
            // In place through the subscript (no copy of a buffer per update).
            for id in state.subscribers.keys {
                state.subscribers[id]?.buffer.push(element)
                if let waiter = state.subscribers[id]?.waiter {
                    state.subscribers[id]?.waiter = nil
                    woken.append(waiter)
                }
            }
            return woken
        }
        woken.forEach { $0.resume() }
    }

    /// Ends every subscription (shutdown): each `next` returns `.finished` once drained.
    public func finish() {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.isFinished = true
            let woken = state.subscribers.values.compactMap(\.waiter)
            for id in state.subscribers.keys { state.subscribers[id]?.waiter = nil }
            return woken
        }
        woken.forEach { $0.resume() }
    }

    func cancel(_ id: Int) {
        let (waiter, removed) = state.withLock { state -> (CheckedContinuation<Void, Never>?, Bool) in
            guard let subscriber = state.subscribers.removeValue(forKey: id) else { return (nil, false) }
            return (subscriber.waiter, true)
        }
        if removed { subscriberCount.subtract(1, ordering: .relaxed) }
        waiter?.resume()
    }

    /// What the subscriber has: updates, an overflow, the end, or nothing yet.
    func poll(_ id: Int) -> LiveBatch<Element>? {
        state.withLock { state in
            guard let items = state.subscribers[id]?.buffer.take(), let buffer = state.subscribers[id]?.buffer else { return .finished }
            let (overflowed, dropped) = (buffer.isOverflowed, buffer.dropped)
            if overflowed { return .overflowed(delivered: items, dropped: dropped) }
            if !items.isEmpty { return .updates(items) }
            return state.isFinished ? .finished : nil
        }
    }

    /// Waits until the subscriber has something (or is gone); returns at once on cancellation.
    func wait(_ id: Int) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let goOn = state.withLock { state -> Bool in
                    guard let subscriber = state.subscribers[id], subscriber.buffer.count == 0, !subscriber.buffer.isOverflowed,
                          !state.isFinished, !Task.isCancelled else { return true }
                    state.subscribers[id]?.waiter = continuation
                    return false
                }
                if goOn { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.subscribers[id]?.waiter = nil }
                return state.subscribers[id]?.waiter
            }
            waiter?.resume()
        }
    }
}

/// What one `LiveSubscription.next` returns.
public enum LiveBatch<Element: Sendable>: Sendable {
    /// Updates in publication order.
    case updates([Element])
    /// The buffer overflowed: `delivered` is what it still held, `dropped` how many did not
    /// fit. The subscription takes nothing more; the subscriber should say so and leave.
    case overflowed(delivered: [Element], dropped: Int)
    /// Nothing was published within the timeout.
    case timedOut
    /// The feed finished, the subscription was cancelled, or the waiting task was.
    case finished
}

/// One subscriber's handle on a `LiveFeed`. Cancel it when done (its buffer is freed).
public struct LiveSubscription<Element: Sendable>: Sendable {
    let feed: LiveFeed<Element>
    let id: Int

    /// The next updates, waiting at most `timeout` for them (`.timedOut` then: time for a
    /// heartbeat). Returns `.finished` at once when the task is cancelled.
    public func next(timeout: Duration) async -> LiveBatch<Element> {
        if let ready = feed.poll(id) { return ready }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await feed.wait(id) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
        if Task.isCancelled { return .finished }
        if let ready = feed.poll(id) { return ready }
        return .timedOut   // woken with nothing to show (a race with the timeout): the caller asks again
    }

    /// Leaves the feed.
    public func cancel() { feed.cancel(id) }
}
