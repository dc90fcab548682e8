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

    /// Everything due at or before `limit`, in the order it must be processed.
    func dueItems(upTo limit: Date) -> [DueItem] {
        var items: [DueItem] = []
        for position in engine.timeDriven {
            let rule = rules[position]
            guard let runtime = state.rules[rule.id] else { continue }
            for key in runtime.ladders.keys.sorted() {
                if let deadline = runtime.ladders[key]?.deadline, deadline <= limit {
                    items.append(DueItem(time: deadline, rule: position, key: key, kind: .ladder))
                }
            }
            switch rule.pattern {
            case .sustained(let pattern):
                for (key, window) in runtime.groups {
                    if let cleared = window.clearedAt {
                        let due = cleared.adding(pattern.keepFor)
                        if due <= limit { items.append(DueItem(time: due, rule: position, key: key, kind: .sustainedClear)) }
                    } else if let since = window.since, !window.fired {
                        let due = since.adding(pattern.duration)
                        if due <= limit { items.append(DueItem(time: due, rule: position, key: key, kind: .sustainedFire)) }
                    }
                }
            case .absent(let length, let warmUp, _):
                for (key, window) in runtime.groups where !window.fired {
                    guard let due = absenceDue(window, length: length, warmUp: warmUp), due <= limit else { continue }
                    items.append(DueItem(time: due, rule: position, key: key, kind: .absence))
                }
            case .sequence(let pattern) where !pattern.expectNext:
                for (key, window) in runtime.groups {
                    if let first = window.pending.first?.deadline, first <= limit {
                        items.append(DueItem(time: first, rule: position, key: key, kind: .sequence))
                    }
                }
            default:
                break
            }
        }
        return items.sorted { a, b in
            if a.time != b.time { return a.time < b.time }
            if a.rule != b.rule { return a.rule < b.rule }
            if a.key != b.key { return a.key < b.key }
            return a.kind.rawValue < b.kind.rawValue
        }
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
        var guardCount = 0
        while let item = dueItems(upTo: now).first, guardCount < 100_000 {
            guardCount += 1
            process(item)
        }
    }

    mutating func process(_ item: DueItem) {
        let rule = rules[item.rule]
        guard var runtime = state.rules[rule.id] else { return }
        switch item.kind {
        case .ladder:
            ladderDeadline(rule: item.rule, key: item.key, at: item.time)
        case .sustainedClear:
            guard var window = runtime.groups[item.key] else { return }
            reset(&window)
            runtime.groups[item.key] = window
            state.rules[rule.id] = runtime
            closeEpisode(rule: item.rule, key: item.key)
        case .sustainedFire:
            guard var window = runtime.groups[item.key] else { return }
            window.fired = true
            runtime.groups[item.key] = window
            state.rules[rule.id] = runtime
            fire(rule: item.rule, window: window, evidence: window.eventIds, at: item.time)
        case .absence:
            guard var window = runtime.groups[item.key] else { return }
            window.fired = true
            runtime.groups[item.key] = window
            state.rules[rule.id] = runtime
            fire(rule: item.rule, window: window, evidence: window.lastEvent.map { [$0.id] } ?? [], at: item.time)
        case .sequence:
            guard var window = runtime.groups[item.key], !window.pending.isEmpty else { return }
            let first = window.pending.removeFirst()
            window.lastEvent = first.event
            runtime.groups[item.key] = window
            state.rules[rule.id] = runtime
            fire(rule: item.rule, window: window, evidence: [first.event.id], at: item.time)
        }
    }
}
