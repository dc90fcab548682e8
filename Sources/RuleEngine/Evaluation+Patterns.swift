import Foundation

/// One event against one rule: verification of running ladders, then the rule's pattern
/// window for the event's group, and the firing when the pattern says so.
extension Evaluation {
    /// What a pattern update decided.
    struct Firing {
        var evidence: [String]
        var firstSeen: Date?
    }

    mutating func handle(_ event: DomainEvent, subject: ScopeSubject, rule position: Int, at time: Date) {
        let rule = rules[position]
        // A superseded report is history: it neither matches, clears nor verifies anything for a
        // rule that does not ask for it by name.
        if event.kind == .statusChanged, event.isSuperseded, !rule.trigger.seesSuperseded { return }
        if state.rules.index(forKey: rule.id) == nil { state.rules[rule.id] = RuleRuntime(hash: rule.hash) }
        if event.kind == .approval {
            approval(event, rule: position, at: time)
            return
        }
        if event.kind == .commandResult { commandOutcome(event, rule: position, at: time) }
        if state.laddersRunning.contains(rule.id) { verifyLadders(with: event, rule: position, at: time) }
        guard rule.scope.isEmpty || rule.scope.contains(subject) else { return }
        // The group key is built once (a string: the station, a connector, a site …).
        let by = rule.pattern.by
        let key = by.key(for: event)
        // An event that does not match leaves a counting pattern's window as it was (none, or one
        // still counting): nothing to take out and write back. An emptied window goes the long
        // way, which drops it.
        if !rule.pattern.seesNonMatchingEvents, !rule.trigger.matches(event),
           state.rules[rule.id]?.windowStaysAsItIs(key, under: rule.pattern) ?? true {
            return
        }
        if case .absent = rule.pattern, by != .station, event.kind == .connected || event.kind == .booted,
           !rule.trigger.matches(event) {
            return   // a (re)connection says nothing about one connector
        }
        // Take the runtime out while changing it, so that it is uniquely referenced and its
        // groups are changed in place rather than copied.
        guard var runtime = state.rules.removeValue(forKey: rule.id) else { return }
        var window = runtime.groups.removeValue(forKey: key) ?? GroupWindow(target: target(for: event, by: by))
        let hadIncident = runtime.episodes[key] != nil
        let (firing, keep) = update(&window, runtime: &runtime, key: key, rule: rule, event: event, at: time)
        let cleared = hadIncident && runtime.episodes[key] == nil
        let due = keep ? due(window, rule: position)?.0 : nil
        if keep { runtime.groups[key] = window }
        state.rules[rule.id] = runtime
        noteDeadline(rule: position, due)
        if cleared {
            emit(rule: position, kind: .cleared, target: window.target, evidence: [event.id],
                 reason: "\(event.kind.rawValue) cleared the condition", at: time)
        }
        if let firing { fire(rule: position, window: window, evidence: firing.evidence, firstSeen: firing.firstSeen, at: time) }
    }

    /// Updates a group's window for an event; returns the firing, if any, and whether the
    /// window is worth keeping.
    func update(_ window: inout GroupWindow, runtime: inout RuleRuntime, key: String, rule: Rule, event: DomainEvent,
                at time: Date) -> (Firing?, keep: Bool) {
        let matches = rule.trigger.matches(event)
        switch rule.pattern {
        case .each:
            guard matches else { return (nil, false) }
            window.lastEvent = event
            guard surroundingsHold(rule, target: window.target, at: time) else { return (nil, false) }
            return (Firing(evidence: [event.id], firstSeen: time), false)

        case .sustained(let pattern):
            // Vigil's own footprint (Unavailable after its disable, the reboot after its reset)
            // is not the condition clearing.
            let clears = (pattern.clearedBy.map { $0.matches(event) } ?? (!matches && rule.trigger.events.contains(event.kind)))
                && !isVigilsOwnDoing(event)
            if matches {
                if window.since == nil { window.since = time; window.eventIds = [] }
                window.clearedAt = nil
                window.eventIds = Array((window.eventIds + [event.id]).suffix(20))
                window.lastEvent = event
            } else if clears, window.since != nil {
                if pattern.keepFor.seconds == 0 { reset(&window) } else if window.clearedAt == nil { window.clearedAt = time }
                if window.since == nil { runtime.episodes[key] = nil }
            }
            guard window.since != nil else { return (nil, false) }
            if let since = window.since, window.clearedAt == nil, !window.fired, time >= since.adding(pattern.duration),
               surroundingsHold(rule, target: window.target, at: time) {
                window.fired = true
                return (Firing(evidence: window.eventIds, firstSeen: since), true)
            }
            return (nil, true)

        case .count(let atLeast, let within, _, let distinct):
            guard matches else { return (nil, !window.times.isEmpty) }
            window.times.append(time)
            window.eventIds.append(event.id)
            if let distinct { window.distinctKeys.append(distinct.key(for: event)) }
            prune(&window, before: time.addingTimeInterval(-within.timeInterval))
            window.lastEvent = event
            let counted = distinct == nil ? window.times.count : Set(window.distinctKeys).count
            // Not around yet: the window keeps its events and the next matching one looks again.
            guard counted >= atLeast, surroundingsHold(rule, target: window.target, at: time) else { return (nil, true) }
            let firing = Firing(evidence: window.eventIds, firstSeen: window.times.first)
            window.times = []
            window.eventIds = []
            window.distinctKeys = []
            return (firing, true)

        case .absent:
            if matches {
                window.lastSeen = time
                window.lastEvent = event
                window.recheckAt = nil
                if window.fired { window.fired = false; runtime.episodes[key] = nil }
            } else if event.kind == .connected || event.kind == .booted {
                // A (re)connection starts a new watch (and the warm-up): an earlier silence,
                // reported or held back, is over.
                window.lastSeen = max(window.lastSeen ?? time, time)
                window.recheckAt = nil
                if window.lastEvent == nil { window.lastEvent = event }
                if window.fired { window.fired = false; runtime.episodes[key] = nil }
            } else {
                return (nil, window.lastSeen != nil)
            }
            return (nil, true)

        case .recurring(let days, let within, _):
            guard matches else { return (nil, !window.days.isEmpty) }
            let day = Int((time.timeIntervalSince1970 / 86_400).rounded(.down))
            let spanDays = Int((within.timeInterval / 86_400).rounded(.up))
            window.days = window.days.filter { $0.key > day - spanDays }
            window.dayTimes = window.dayTimes.filter { $0.key > day - spanDays }
            if window.days[day] == nil {
                window.days[day] = event.id
                window.dayTimes[day] = time
            }
            window.lastEvent = event
            guard window.days.count >= days, surroundingsHold(rule, target: window.target, at: time) else { return (nil, true) }
            let ordered = window.days.keys.sorted()
            let firing = Firing(evidence: ordered.compactMap { window.days[$0] }, firstSeen: ordered.first.flatMap { window.dayTimes[$0] })
            window.days = [:]
            window.dayTimes = [:]
            return (firing, true)

        case .ratio(let pattern):
            guard matches else { return (nil, !window.samples.isEmpty) }
            window.samples.append(.init(time: time, success: pattern.success.matches(event), eventId: event.id))
            let start = time.addingTimeInterval(-pattern.within.timeInterval)
            if let firstKept = window.samples.firstIndex(where: { $0.time > start }), firstKept > 0 {
                window.samples.removeFirst(firstKept)
            }
            if window.samples.count > 10_000 { window.samples.removeFirst(window.samples.count - 10_000) }
            window.lastEvent = event
            let successes = window.samples.reduce(0) { $0 + ($1.success ? 1 : 0) }
            let share = Double(successes) / Double(window.samples.count)
            let tripped = window.samples.count >= pattern.minSamples
                && (pattern.below.map { share < $0 } ?? pattern.above.map { share > $0 } ?? false)
            if tripped && !window.fired && surroundingsHold(rule, target: window.target, at: time) {
                window.fired = true
                return (Firing(evidence: window.samples.filter { !$0.success }.suffix(20).map(\.eventId), firstSeen: window.samples.first?.time), true)
            }
            if !tripped && window.fired && window.samples.count >= pattern.minSamples {
                window.fired = false
                runtime.episodes[key] = nil
            }
            return (nil, true)

        case .sequence(let pattern):
            var firing: Firing?
            if pattern.next.matches(event) {
                window.pending.removeAll { $0.deadline < time }
                if pattern.expectNext, let first = window.pending.first {
                    window.pending.removeFirst()
                    window.lastEvent = event
                    if surroundingsHold(rule, target: window.target, at: time) {
                        firing = Firing(evidence: [first.event.id, event.id], firstSeen: first.event.time)
                    }
                } else if !pattern.expectNext {
                    window.pending = []
                }
            }
            if matches {
                window.pending.append(.init(deadline: time.adding(pattern.within), event: event))
                if window.pending.count > 100 { window.pending.removeFirst(window.pending.count - 100) }
                window.lastEvent = event
            }
            return (firing, !window.pending.isEmpty || firing != nil)
        }
    }
}
