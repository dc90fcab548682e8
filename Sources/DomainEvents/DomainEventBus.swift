import Synchronization

/// The in-process bus that carries domain events from the CPMS to their consumers (the rule
/// runner, the remediation executor's breakers …). Each subscriber has its own bounded buffer
/// and its own consuming task. What happens when a buffer is full is the subscriber's policy:
/// `.wait` (the default for anything that acts on events) makes `publish` wait for room, so a
/// consumer that falls behind by more than its capacity slows ingestion down — the charger's
/// answer comes later — and no event is ever lost; `.drop` (for best-effort observers) drops
/// for that subscriber alone and counts it. `statistics` shows each backlog.
public final class DomainEventBus: Sendable {
    /// One subscriber's counters.
    public struct Statistics: Sendable, Equatable {
        public var name: String
        public var capacity: Int
        public var delivered: Int
        public var dropped: Int
        /// Events waiting for the consumer now (`.wait` subscribers).
        public var backlog = 0
        /// How often a publisher had to wait for room (backpressure engaged).
        public var waits = 0
    }

    /// What a full buffer does.
    public enum Overflow: Sendable {
        /// The publisher waits for room: lossless, with backpressure.
        case wait
        /// The event is dropped for this subscriber and counted.
        case drop
    }

    struct Subscriber: Sendable {
        var continuation: AsyncStream<DomainEvent>.Continuation?
        var channel: EventChannel?
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
    public func subscribe(_ name: String, capacity: Int, overflow: Overflow = .wait,
                          accepts: @escaping @Sendable (DomainEvent) -> Bool = { _ in true },
                          _ consume: @escaping @Sendable (DomainEvent) async -> Void) -> Task<Void, Never> {
        let statistics = Statistics(name: name, capacity: capacity, delivered: 0, dropped: 0)
        switch overflow {
        case .wait:
            let channel = EventChannel(capacity: capacity)
            subscribers.withLock { $0.append(Subscriber(continuation: nil, channel: channel, statistics: statistics, accepts: accepts)) }
            return Task {
                while let event = await channel.receive() { await consume(event) }
            }
        case .drop:
            let (stream, continuation) = AsyncStream.makeStream(of: DomainEvent.self, bufferingPolicy: .bufferingOldest(capacity))
            subscribers.withLock { $0.append(Subscriber(continuation: continuation, channel: nil, statistics: statistics, accepts: accepts)) }
            return Task {
                for await event in stream { await consume(event) }
            }
        }
    }

    /// Hands `event` to every subscriber that accepts it: into a `.drop` buffer at once, into a
    /// `.wait` buffer as soon as it has room (this is where ingestion slows down).
    public func publish(_ event: DomainEvent) async {
        var drops: [(String, Int)] = []
        var channels: [EventChannel] = []
        subscribers.withLock { subscribers in
            for index in subscribers.indices where subscribers[index].accepts(event) {
                if let channel = subscribers[index].channel {
                    channels.append(channel)
                    subscribers[index].statistics.delivered += 1
                    continue
                }
                guard let continuation = subscribers[index].continuation else { continue }
                switch continuation.yield(event) {
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
        for channel in channels { await channel.send(event) }
    }

    /// Ends every subscription: consumers finish what is buffered, then their tasks return.
    public func finish() {
        subscribers.withLock { $0.forEach { $0.continuation?.finish(); $0.channel?.finish() } }
    }

    public var statistics: [Statistics] {
        subscribers.withLock { subscribers in
            subscribers.map { subscriber in
                var statistics = subscriber.statistics
                if let backlog = subscriber.channel?.backlog {
                    statistics.backlog = backlog.waiting
                    statistics.waits = backlog.waits
                }
                return statistics
            }
        }
    }
}
