/// One consumer's events not yet taken, as a pure value: events arrive in sequence order and
/// leave in batches, urgent ones first. When urgent events are waiting, a batch is made of them
/// (oldest first), each preceded by the older events of its own station still waiting, so a
/// station's own events always leave in their order while a fault overtakes other stations'
/// meter values and heartbeats. With nothing urgent waiting, events leave in sequence order.
/// The queue keeps the consumer's `cursor` in step with what it has handed out.
public struct ConsumerQueue: Sendable {
    /// Waiting events by sequence.
    private var waiting: [Int: SequencedEvent] = [:]
    /// Sequences in arrival order (some already taken out of turn; skipped lazily).
    private var order: [Int] = []
    private var orderHead = 0
    /// Urgent sequences in arrival order (some already taken with their station; skipped lazily).
    private var urgent: [Int] = []
    private var urgentHead = 0
    /// Each station's waiting sequences, oldest first.
    private var stations: [String: StationLine] = [:]
    /// Everything handed out so far, as a cursor.
    public private(set) var cursor: EventCursor
    /// The highest sequence seen (waiting, handed out or skipped).
    public private(set) var lastSeen: Int

    struct StationLine: Sendable {
        var sequences: [Int] = []
        var head = 0
        var isEmpty: Bool { head >= sequences.count }
        mutating func popFront() -> Int {
            let value = sequences[head]
            head += 1
            if head > 64 && head * 2 > sequences.count { sequences.removeFirst(head); head = 0 }
            return value
        }
    }

    public init(cursor: EventCursor) {
        self.cursor = cursor
        lastSeen = cursor.position
    }

    /// Events waiting.
    public var count: Int { waiting.count }

    /// The oldest waiting event (by sequence), for the lag in time.
    public var oldest: SequencedEvent? {
        var index = orderHead
        while index < order.count {
            if let event = waiting[order[index]] { return event }
            index += 1
        }
        return nil
    }

    /// Adds the next event of the log. Sequences must grow; one already covered by the cursor
    /// (done before a restart) is ignored.
    public mutating func add(_ event: SequencedEvent) {
        lastSeen = max(lastSeen, event.sequence)
        guard !cursor.covers(event.sequence), waiting[event.sequence] == nil else { return advance() }
        waiting[event.sequence] = event
        order.append(event.sequence)
        if !event.event.kind.isBulk { urgent.append(event.sequence) }
        stations[event.event.station, default: StationLine()].sequences.append(event.sequence)
    }

    /// Notes an event of the log this consumer does not take (filtered out): the cursor may
    /// move past it.
    public mutating func skip(_ sequence: Int) {
        lastSeen = max(lastSeen, sequence)
        advance()
    }

    /// Takes up to `limit` events: urgent ones (each with its station's older waiting events)
    /// if any wait, else the oldest. The cursor afterwards covers them.
    public mutating func take(limit: Int) -> [SequencedEvent] {
        var batch: [SequencedEvent] = []
        while batch.count < limit, urgentHead < urgent.count {
            let sequence = urgent[urgentHead]
            guard let event = waiting[sequence] else { urgentHead += 1; continue }
            // The station's older events first, then the urgent one itself.
            let station = event.event.station
            while stations[station]?.isEmpty == false, let next = stations[station]?.popFront() {
                if let taken = waiting.removeValue(forKey: next) { batch.append(taken) }
                if next == sequence { break }
            }
            if stations[station]?.isEmpty == true { stations[station] = nil }
            urgentHead += 1
        }
        if batch.isEmpty {
            while batch.count < limit, orderHead < order.count {
                let sequence = order[orderHead]
                orderHead += 1
                guard let event = waiting.removeValue(forKey: sequence) else { continue }
                // In sequence order an event is always its station's oldest waiting one.
                let station = event.event.station
                _ = stations[station]?.popFront()
                if stations[station]?.isEmpty == true { stations[station] = nil }
                batch.append(event)
            }
        }
        for event in batch where event.sequence > cursor.position { cursor.ahead.insert(event.sequence) }
        compact()
        advance()
        return batch
    }

    /// Moves `position` up to just below the oldest waiting event (or to the last seen one
    /// when nothing waits), dropping what it passes from `ahead`.
    private mutating func advance() {
        let target: Int
        if let oldest = oldest { target = oldest.sequence - 1 } else { target = lastSeen }
        guard target > cursor.position else { return }
        cursor.position = target
        if !cursor.ahead.isEmpty { cursor.ahead = cursor.ahead.filter { $0 > target } }
    }

    /// Frees the consumed parts of the arrival lists now and then.
    private mutating func compact() {
        while orderHead < order.count, waiting[order[orderHead]] == nil { orderHead += 1 }
        if orderHead > 1_024 && orderHead * 2 > order.count { order.removeFirst(orderHead); orderHead = 0 }
        while urgentHead < urgent.count, waiting[urgent[urgentHead]] == nil { urgentHead += 1 }
        if urgentHead > 1_024 && urgentHead * 2 > urgent.count { urgent.removeFirst(urgentHead); urgentHead = 0 }
    }
}
