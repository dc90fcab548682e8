import Foundation

/// Time-driven work: what falls due when, processed in time order.
extension Evaluation {
    struct DueItem {
        enum Kind: Int { case ladder = 0, sustainedClear, sustainedFire, absence, sequence }
        var time: Date
        var rule: Int
        var key: String
        var kind: Kind
    }

    /// Everything due at or before `limit`, in the order it must be processed. Only rules
    /// whose cached earliest deadline has passed are scanned.
    func dueItems(upTo limit: Date) -> [DueItem] {
        var items: [DueItem] = []
        for position in engine.timeDriven {
            let id = rules[position].id
            guard let earliest = state.deadlines[id], earliest <= limit, let runtime = state.rules[id] else { continue }
            items += allDueItems(rule: position, runtime).filter { $0.time <= limit }
        }
        return items.sorted { a, b in
            if a.time != b.time { return a.time < b.time }
            if a.rule != b.rule { return a.rule < b.rule }
            if a.key != b.key { return a.key < b.key }
            return a.kind.rawValue < b.kind.rawValue
        }
    }

    /// Every pending deadline of one rule, whenever it falls.
    func allDueItems(rule position: Int, _ runtime: RuleRuntime) -> [DueItem] {
        var items: [DueItem] = []
        for (key, ladder) in runtime.ladders {
            if let deadline = ladder.deadline { items.append(DueItem(time: deadline, rule: position, key: key, kind: .ladder)) }
        }
        for (key, window) in runtime.groups {
            if let (time, kind) = due(window, rule: position) { items.append(DueItem(time: time, rule: position, key: key, kind: kind)) }
        }
        return items
    }

    /// When a group's pattern next falls due, and what happens then.
    func due(_ window: GroupWindow, rule position: Int) -> (Date, DueItem.Kind)? {
        switch rules[position].pattern {
        case .sustained(let pattern):
            if let cleared = window.clearedAt { return (cleared.adding(pattern.keepFor), .sustainedClear) }
            if let since = window.since, !window.fired {
                return (max(since.adding(pattern.duration), window.recheckAt ?? .distantPast), .sustainedFire)
            }
            return nil
        case .absent(let length, let warmUp, _):
            guard !window.fired, let time = absenceDue(window, length: length, warmUp: warmUp) else { return nil }
            return (max(time, window.recheckAt ?? .distantPast), .absence)
        case .sequence(let pattern) where !pattern.expectNext:
            return window.pending.first.map { ($0.deadline, .sequence) }
        default:
            return nil
        }
    }

    /// The cached earliest deadline may be early (a deadline moved later), never late: every
    /// change that creates or advances a deadline lowers it through here.
    mutating func noteDeadline(rule position: Int, _ time: Date?) {
        guard let time else { return }
        let id = rules[position].id
        if let current = state.deadlines[id], current <= time { return }
        state.deadlines[id] = time
    }

    /// Recomputes the exact earliest deadline of the rules whose cached one has passed.
    mutating func refreshEarliest(upTo limit: Date) {
        for id in state.deadlines.keys where engine.timeDrivenIds[id] == nil { state.deadlines[id] = nil }
        for position in engine.timeDriven {
            let id = rules[position].id
            guard let earliest = state.deadlines[id], earliest <= limit else { continue }
            let exact = state.rules[id].flatMap { allDueItems(rule: position, $0).map(\.time).min() }
            state.deadlines[id] = exact
        }
    }

    /// Whether an item found by a scan is still due as found (processing an earlier one may
    /// have moved or removed it).
    func isStillDue(_ item: DueItem) -> Bool {
        guard let runtime = state.rules[rules[item.rule].id] else { return false }
        if item.kind == .ladder { return runtime.ladders[item.key]?.deadline == item.time }
        guard let window = runtime.groups[item.key], let (time, kind) = due(window, rule: item.rule) else { return false }
        return time == item.time && kind == item.kind
    }

    /// When an absence group falls due: the silence has lasted `length` and the warm-up after
    /// the engine's start and the station's (re)connection is over.
    func absenceDue(_ window: GroupWindow, length: RuleDuration, warmUp: RuleDuration) -> Date? {
        guard let lastSeen = window.lastSeen else { return nil }
        var due = lastSeen.adding(length)
        if let started = state.startedAt { due = max(due, started.adding(warmUp)) }
        if let station = window.target.station, let connected = state.stations[station]?.connectedAt {
            due = max(due, connected.adding(warmUp))
        }
        return due
    }

    /// Processes everything due up to `now`, including what processing makes due (the next
    /// rung's deadline after a failed verification), each at its own time.
    mutating func advance(to now: Date) {
        guard let next = state.deadlines.values.min(), next <= now else { return }
        var rounds = 0
        while rounds < 10_000 {
            rounds += 1
            let items = dueItems(upTo: now)
            guard !items.isEmpty else { break }
            for item in items where isStillDue(item) { process(item) }
            refreshEarliest(upTo: now)
        }
        refreshEarliest(upTo: now)
    }

    mutating func process(_ item: DueItem) {
        let id = rules[item.rule].id
        if item.kind == .ladder {
            ladderDeadline(rule: item.rule, key: item.key, at: item.time)
            return
        }
        guard var window = state.rules[id]?.groups[item.key] else { return }
        switch item.kind {
        case .ladder:
            return
        case .sustainedClear:
            reset(&window)
            state.rules[id]?.groups[item.key] = nil
            if state.rules[id]?.episodes[item.key] != nil {
                closeEpisode(rule: item.rule, key: item.key)
                emit(rule: item.rule, kind: .cleared, target: window.target, evidence: window.lastEvent.map { [$0.id] } ?? [],
                     reason: "the condition stayed clear for its keepFor", at: item.time)
            }
        case .sustainedFire:
            guard surroundingsHold(rules[item.rule], target: window.target, at: item.time) else {
                if case .sustained(let pattern) = rules[item.rule].pattern { window.recheckAt = Self.recheck(after: pattern.duration, from: item.time) }
                state.rules[id]?.groups[item.key] = window
                noteDeadline(rule: item.rule, window.recheckAt)
                return
            }
            window.fired = true
            state.rules[id]?.groups[item.key] = window
            fire(rule: item.rule, window: window, evidence: window.eventIds, firstSeen: window.since, at: item.time)
        case .absence:
            guard surroundingsHold(rules[item.rule], target: window.target, at: item.time) else {
                if case .absent(let length, _, _) = rules[item.rule].pattern { window.recheckAt = Self.recheck(after: length, from: item.time) }
                state.rules[id]?.groups[item.key] = window
                noteDeadline(rule: item.rule, window.recheckAt)
                return
            }
            window.fired = true
            state.rules[id]?.groups[item.key] = window
            fire(rule: item.rule, window: window, evidence: window.lastEvent.map { [$0.id] } ?? [], firstSeen: window.lastSeen, at: item.time)
        case .sequence:
            guard !window.pending.isEmpty else { return }
            let first = window.pending.removeFirst()
            window.lastEvent = first.event
            state.rules[id]?.groups[item.key] = window.pending.isEmpty ? nil : window
            guard surroundingsHold(rules[item.rule], target: window.target, at: item.time) else { return }
            fire(rule: item.rule, window: window, evidence: [first.event.id], firstSeen: first.event.time, at: item.time)
        }
    }
}
