import DomainEvents
import Foundation
import Synchronization

/// The durable, lossless event log between the CPMS and what acts on its events (the rule
/// runner, the remediation executor). `append` writes an event in the store's next group
/// commit — the charger is answered only after it — and hands it, in sequence order, to every
/// registered consumer's `ConsumerQueue`. Consumers take batches with `next` (urgent events
/// first, each station's events in their order) and persist their cursor with what they made
/// of them, so a restart resumes exactly where they stopped: `register` reloads what a
/// consumer had not done from the store.
///
/// Backpressure instead of loss: while a consumer is further behind than `limits`, appends
/// wait (the charger's answer comes later, and a charger waits for its answer before sending
/// the next call); bulk traffic waits first, so faults are still recorded and decided.
public final class EventLog: Sendable {
    /// How far behind a consumer may be before appends wait.
    public struct Limits: Sendable {
        /// Events waiting for a consumer before bulk appends (meter values, heartbeats) wait.
        public var bulk = 20_000
        /// Events waiting before any append from a charger waits.
        public var urgent = 40_000
        public init() {}
    }

    /// One consumer's progress, for `/api/v1/health` and `/metrics`.
    public struct ConsumerStatistics: Sendable, Equatable {
        public var name: String
        /// Every event at or below this sequence is done.
        public var position: Int
        /// Events waiting for the consumer.
        public var lag: Int
        /// Age of the oldest waiting event (0 when none waits).
        public var lagMilliseconds: Double
        /// Events handed to the consumer since start.
        public var taken: Int
    }

    public struct Statistics: Sendable, Equatable {
        /// The newest sequence in the log.
        public var head: Int
        /// Events appended since start.
        public var appended: Int
        /// Appends that had to wait for a consumer (backpressure engaged), and how many wait now.
        public var waits: Int
        public var waitingAppends: Int
        public var consumers: [ConsumerStatistics]
    }

    struct Consumer {
        let name: String
        var queue: ConsumerQueue
        let accepts: @Sendable (DomainEvent) -> Bool
        var waiter: CheckedContinuation<Void, Never>?
        var taken = 0
    }

    struct Waiter {
        var urgent: Bool
        var continuation: CheckedContinuation<Void, Never>
    }

    /// Where the consumers' events come from.
    public enum Source: Sendable {
        /// This process's own appends, handed over right after their commit (one node).
        case local
        /// The store's log, read in sequence order (`tail`): several nodes append to one
        /// database, and only the node running the remediation consumes — from `activate` on.
        case shared
    }

    struct State {
        var head = 0
        /// Whether the consumers take events (always with `.local`; with `.shared` once activated).
        var active = true
        var appended = 0
        var waits = 0
        /// A handful of consumers: an array, changed in place (no copy of a queue per event).
        var consumers: [Consumer] = []
        var waiters: [Waiter] = []
        var finished = false

        /// Several nodes, on a node that does not consume: the backlog the consuming node
        /// published (`setSharedBacklog`), so appends here wait for it as they would there.
        var sharedBacklog = 0

        /// The longest queue: what the limits are measured against (here, or on the node that consumes).
        var backlog: Int {
            guard active else { return sharedBacklog }
            // By index: `reduce` would copy each consumer (its name, queue and closure retained)
            // on every append's check.
            var longest = 0
            for index in consumers.indices { longest = max(longest, consumers[index].queue.count) }
            return longest
        }

        func index(of name: String) -> Int? { consumers.firstIndex { $0.name == name } }

        /// Hands `event` to every consumer (that has not seen it yet, with `onlyUnseen`): queued
        /// where accepted, skipped otherwise; the consumers it wakes go to `woken`.
        mutating func offer(_ event: SequencedEvent, onlyUnseen: Bool, waking woken: inout [CheckedContinuation<Void, Never>]) {
            for index in consumers.indices where !onlyUnseen || event.sequence > consumers[index].queue.lastSeen {
                if consumers[index].accepts(event.event) {
                    consumers[index].queue.add(event)
                    if let waiter = consumers[index].waiter {
                        consumers[index].waiter = nil
                        woken.append(waiter)
                    }
                } else {
                    consumers[index].queue.skip(event.sequence)
                }
            }
        }

        /// Appends that may go on now.
        mutating func releasable(limits: Limits) -> [CheckedContinuation<Void, Never>] {
            guard !waiters.isEmpty else { return [] }
            let backlog = self.backlog
            var released: [CheckedContinuation<Void, Never>] = []
            waiters.removeAll { waiter in
                guard finished || backlog < (waiter.urgent ? limits.urgent : limits.bulk) else { return false }
                released.append(waiter.continuation)
                return true
            }
            return released
        }
    }

    let state = Mutex(State())
    let store: StationStore
    public let limits: Limits
    public let source: Source
    /// Every committed event, for live subscribers (the API's event stream): published right
    /// after the commit, without waiting, apart from the consumers and their backpressure.
    public let live = LiveFeed<LiveUpdate>()
    private let clock: @Sendable () -> Date

    public init(store: StationStore, limits: Limits = Limits(), clock: @escaping @Sendable () -> Date = { Date() },
                source: Source = .local) {
        self.store = store
        self.limits = limits
        self.clock = clock
        self.source = source
        if source == .shared { state.withLock { $0.active = false } }
    }

    /// Appends `event` durably and hands it to the consumers; returns its sequence once the
    /// commit is done. First waits while a consumer is further behind than the limits.
    /// `waitForRoom: false` is for events the consumers themselves produce (command results,
    /// holds, approvals): they must never wait on their own consumers.
    @discardableResult
    public func append(_ event: DomainEvent, waitForRoom: Bool = true) async throws -> Int {
        if waitForRoom { await room(urgent: !event.kind.isBulk) }
        return try await store.appendEvent(event) { [self] sequence in
            deliver(SequencedEvent(sequence: sequence, event: event))
        }
    }

    /// What a store write needs to append events in its own transaction: the events it returns
    /// are inserted with what they describe, and `published` hands them on after that commit.
    public struct InCommitAppend: Sendable {
        let published: @Sendable ([SequencedEvent]) -> Void
    }

    /// Waits for room like `append` (`urgent` for anything but meter values and heartbeats),
    /// then returns the hook for a write that appends its events itself — in the same group
    /// commit as the state they describe (`StationStore.recordStatusChange(…, appending:)`).
    public func inCommit(urgent: Bool) async -> InCommitAppend {
        await room(urgent: urgent)
        return InCommitAppend { [self] events in deliver(events) }
    }

    /// Called on the store right after the commit that made the event durable, in sequence order.
    private func deliver(_ event: SequencedEvent) {
        deliver(CollectionOfOne(event))
    }

    /// `deliver` for one write's events, under one lock.
    private func deliver(_ events: some Collection<SequencedEvent>) {
        guard !events.isEmpty else { return }
        if source == .shared {
            // The consumers read the store's log (`tail`), where every node's events are in order;
            // this node's own appends are still counted (`appended` read 0 on every node).
            state.withLock { $0.appended += events.count }
            if live.hasSubscribers { events.forEach { live.publish(.event($0)) } }
            return
        }
        let woken: [CheckedContinuation<Void, Never>] = state.withLock { state in
            var woken: [CheckedContinuation<Void, Never>] = []
            for event in events {
                state.head = max(state.head, event.sequence)
                state.appended += 1
                state.offer(event, onlyUnseen: false, waking: &woken)
            }
            return woken
        }
        woken.forEach { $0.resume() }
        if live.hasSubscribers { events.forEach { live.publish(.event($0)) } }
    }

    private func room(urgent: Bool) async {
        let limit = urgent ? limits.urgent : limits.bulk
        if state.withLock({ $0.finished || $0.backlog < limit }) { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let goOn = state.withLock { state -> Bool in
                if state.finished || state.backlog < limit { return true }
                state.waits += 1
                state.waiters.append(Waiter(urgent: urgent, continuation: continuation))
                return false
            }
            if goOn { continuation.resume() }
        }
    }

    /// The longest consumer queue (on a node that does not consume, the consuming node's).
    public var backlog: Int { state.withLock { $0.backlog } }

    /// Several nodes: the consuming node's backlog as it last published it (0 when it published
    /// none lately). On a node that does not consume, appends wait while it is over the limits.
    public func setSharedBacklog(_ backlog: Int) {
        let released = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.sharedBacklog = backlog
            return state.releasable(limits: limits)
        }
        released.forEach { $0.resume() }
    }

    /// Adds a consumer that takes the events it `accepts`, resuming after `from` (else after its
    /// stored cursor, else — a new consumer — after the newest event). What it had not done is
    /// read back from the store. Register every consumer before the first append.
    public func register(_ name: String, from start: EventCursor? = nil,
                         accepts: @escaping @Sendable (DomainEvent) -> Bool = { _ in true }) async throws {
        let cursor: EventCursor
        if let start {
            cursor = start
        } else if let stored = try await store.eventCursor(consumer: name) {
            cursor = stored.cursor
        } else if source == .shared, let created = try await store.createEventCursorIfMissing(
            consumer: name, position: try await store.lastEventSequence(), now: StoreTime.format(clock())) {
            // Several nodes: from the first registration on, whichever node consumes later starts here.
            cursor = created.cursor
        } else {
            cursor = EventCursor(position: try await store.lastEventSequence())
        }
        var queue = ConsumerQueue(cursor: cursor)
        var after = cursor.position
        // Not consuming here (a node that does not run the remediation): nothing is read back.
        while state.withLock({ $0.active }) {
            let page = try await store.sequencedEvents(after: after, limit: 5_000)
            for event in page {
                if accepts(event.event) { queue.add(event) } else { queue.skip(event.sequence) }
            }
            guard let last = page.last else { break }
            after = last.sequence
        }
        state.withLock { state in
            state.head = max(state.head, queue.lastSeen)
            if let index = state.index(of: name) { state.consumers.remove(at: index) }
            state.consumers.append(Consumer(name: name, queue: queue, accepts: accepts))
        }
    }

    /// The next batch for `name` (at most `limit` events, urgent ones first) and the cursor
    /// that covers it, waiting while none is there. An empty batch means the log finished or
    /// the task was cancelled.
    public func next(_ name: String, limit: Int = 256) async -> (events: [SequencedEvent], cursor: EventCursor) {
        while true {
            enum Step { case batch([SequencedEvent], EventCursor, [CheckedContinuation<Void, Never>]), end(EventCursor), wait }
            let step: Step = state.withLock { state in
                guard let index = state.index(of: name) else { return .end(EventCursor(position: 0)) }
                if state.consumers[index].queue.count > 0 {
                    let batch = state.consumers[index].queue.take(limit: limit)
                    state.consumers[index].taken += batch.count
                    return .batch(batch, state.consumers[index].queue.cursor, state.releasable(limits: limits))
                }
                return state.finished ? .end(state.consumers[index].queue.cursor) : .wait
            }
            switch step {
            case .batch(let batch, let cursor, let released):
                released.forEach { $0.resume() }
                return (batch, cursor)
            case .end(let cursor):
                return ([], cursor)
            case .wait:
                if Task.isCancelled { return ([], cursor(name)) }
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        let goOn = state.withLock { state -> Bool in
                            guard let index = state.index(of: name), state.consumers[index].queue.count == 0, !state.finished,
                                  !Task.isCancelled else { return true }
                            state.consumers[index].waiter = continuation
                            return false
                        }
                        if goOn { continuation.resume() }
                    }
                } onCancel: {
                    let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                        guard let index = state.index(of: name) else { return nil }
                        defer { state.consumers[index].waiter = nil }
                        return state.consumers[index].waiter
                    }
                    waiter?.resume()
                }
                if Task.isCancelled { return ([], cursor(name)) }
            }
        }
    }

    /// What `name` has been handed so far, as a cursor.
    public func cursor(_ name: String) -> EventCursor {
        state.withLock { state in state.index(of: name).map { state.consumers[$0].queue.cursor } ?? EventCursor(position: 0) }
    }

    /// Whether nothing waits for `name`.
    public func isCaughtUp(_ name: String) -> Bool {
        state.withLock { state in state.index(of: name).map { state.consumers[$0].queue.count == 0 } ?? true }
    }

    /// Runs `body` on each batch of `name`'s events until cancelled or finished, saving the
    /// cursor after each batch (at least once: a batch cut short by a crash is taken again).
    public func consume(_ name: String, limit: Int = 256, onSaveFailure: @escaping @Sendable (Error) -> Void,
                        _ body: @Sendable ([SequencedEvent]) async -> Void) async {
        while true {
            let (batch, cursor) = await next(name, limit: limit)
            if batch.isEmpty { return }
            await body(batch)
            do {
                try await store.saveEventCursor(consumer: name, StationStore.StoredCursor(cursor: cursor, tickedThrough: nil),
                                                now: StoreTime.format(clock()))
            } catch { onSaveFailure(error) }
        }
    }

    /// No more events: waiting appends go on, consumers get what is queued, then empty batches.
    public func finish() {
        live.finish()
        let woken: [CheckedContinuation<Void, Never>] = state.withLock { state in
            state.finished = true
            var woken = state.waiters.map(\.continuation)
            state.waiters = []
            for index in state.consumers.indices {
                if let waiter = state.consumers[index].waiter { woken.append(waiter) }
                state.consumers[index].waiter = nil
            }
            return woken
        }
        woken.forEach { $0.resume() }
    }

    public var statistics: Statistics {
        let now = clock()
        return state.withLock { state in
            let consumers = state.consumers.sorted { $0.name < $1.name }.map { consumer -> ConsumerStatistics in
                let name = consumer.name
                let age = consumer.queue.oldest.map { max(0, now.timeIntervalSince($0.event.time) * 1_000) } ?? 0
                return ConsumerStatistics(name: name, position: consumer.queue.cursor.position, lag: consumer.queue.count,
                                          lagMilliseconds: age, taken: consumer.taken)
            }
            return Statistics(head: state.head, appended: state.appended, waits: state.waits, waitingAppends: state.waiters.count,
                              consumers: consumers)
        }
    }
}
