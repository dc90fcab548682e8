import Synchronization

/// The in-process bus that carries domain events from the CPMS to their consumers (the rule
/// runner, the remediation executor's breakers …). Each subscriber has its own bounded buffer
/// and its own consuming task: `publish` never waits, a slow subscriber only fills its own
/// buffer, and what it cannot take is dropped for it alone and counted (`statistics`), so
/// ingestion of charger messages is never held up by a consumer.
public final class DomainEventBus: Sendable {
    /// One subscriber's counters.
    public struct Statistics: Sendable, Equatable {
        public var name: String
        public var capacity: Int
        public var delivered: Int
        public var dropped: Int
    }

    struct Subscriber: Sendable {
        var continuation: AsyncStream<DomainEvent>.Continuation
        var statistics: Statistics
        /// Only these events enter the subscriber's buffer (the rest never take a slot).
        var accepts: @Sendable (DomainEvent) -> Bool
    }

    private let subscribers = Mutex<[Subscriber]>([])
    private let onDrop: @Sendable (_ subscriber: String, _ dropped: Int) -> Void

    /// `onDrop` is told of the first drop of each subscriber and of every thousandth after.
    public init(onDrop: @escaping @Sendable (_ subscriber: String, _ dropped: Int) -> Void = { _, _ in }) {
        self.onDrop = onDrop
    }

    /// Adds a subscriber whose `consume` runs for each event it `accepts`, in order, on a task
    /// of its own, with at most `capacity` events waiting. The filter runs at publish, so events
    /// a subscriber does not want never fill its buffer. Returns that task (cancel it to
    /// unsubscribe).
    @discardableResult
    public func subscribe(_ name: String, capacity: Int, accepts: @escaping @Sendable (DomainEvent) -> Bool = { _ in true },
                          _ consume: @escaping @Sendable (DomainEvent) async -> Void) -> Task<Void, Never> {
        let (stream, continuation) = AsyncStream.makeStream(of: DomainEvent.self, bufferingPolicy: .bufferingOldest(capacity))
        subscribers.withLock {
            $0.append(Subscriber(continuation: continuation,
                                 statistics: Statistics(name: name, capacity: capacity, delivered: 0, dropped: 0), accepts: accepts))
        }
        return Task {
            for await event in stream { await consume(event) }
        }
    }

    /// Hands `event` to every subscriber's buffer without waiting.
    public func publish(_ event: DomainEvent) {
        var drops: [(String, Int)] = []
        subscribers.withLock { subscribers in
            for index in subscribers.indices where subscribers[index].accepts(event) {
                switch subscribers[index].continuation.yield(event) {
                case .enqueued: subscribers[index].statistics.delivered += 1
                case .dropped, .terminated:
                    subscribers[index].statistics.dropped += 1
                    let dropped = subscribers[index].statistics.dropped
                    if dropped == 1 || dropped % 1_000 == 0 { drops.append((subscribers[index].statistics.name, dropped)) }
                @unknown default: break
                }
            }
        }
        for (name, dropped) in drops { onDrop(name, dropped) }
    }

    /// Ends every subscription: consumers finish what is buffered, then their tasks return.
    public func finish() {
        subscribers.withLock { $0.forEach { $0.continuation.finish() } }
    }

    public var statistics: [Statistics] { subscribers.withLock { $0.map(\.statistics) } }
}
