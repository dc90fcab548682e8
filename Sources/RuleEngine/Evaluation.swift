import Foundation

/// One evaluation step of the engine: the state being changed and the decisions made so far.
/// Every method is deterministic; dictionaries are only ever walked in sorted key order.
struct Evaluation {
    let engine: RuleEngine
    var state: RuleEngineState
    var decisions: [Decision] = []

    init(engine: RuleEngine, state: RuleEngineState) {
        self.engine = engine
        self.state = state
    }

    var rules: [Rule] { engine.ruleSet.rules }

    // MARK: Station facts

    mutating func observe(_ event: DomainEvent, at time: Date) {
        var facts = state.stations[event.station] ?? StationFacts()
        let wasConnected = facts.isConnected
        if let site = event.site { facts.site = site }
        // Whatever a station sends proves it connected; Vigil's own events (command results,
        // approvals) prove nothing about it.
        if ![.disconnected, .commandResult, .approval, .tick].contains(event.kind) { facts.isConnected = true }
        switch event.kind {
        case .connected, .booted:
            if event.kind == .connected || !wasConnected { facts.connectedAt = time }
        case .disconnected:
            facts.isConnected = false
        case .transactionStarted:
            let id = event.fields["transactionId"]?.description ?? event.id
            facts.transactions[id] = event.connector ?? 0
        case .transactionEnded:
            if let id = event.fields["transactionId"]?.description, facts.transactions[id] != nil {
                facts.transactions[id] = nil
            } else if let connector = event.connector {
                facts.transactions = facts.transactions.filter { $0.value != connector }
            }
        case .statusChanged:
            if let connector = event.connector, let to = event.fields["to"]?.description {
                if ["Charging", "SuspendedEV", "SuspendedEVSE"].contains(to) { facts.busyConnectors.insert(connector) }
                else { facts.busyConnectors.remove(connector) }
                if to == "Available" { facts.transactions = facts.transactions.filter { $0.value != connector } }
            }
        default:
            break
        }
        state.stations[event.station] = facts
    }

    // MARK: Events

    mutating func handle(_ event: DomainEvent, rule position: Int, at time: Date) {
        let rule = rules[position]
        var runtime = state.rules[rule.id] ?? RuleRuntime(hash: rule.hash)
        if event.kind == .approval {
            state.rules[rule.id] = runtime
            approval(event, rule: position, at: time)
            return
        }
        state.rules[rule.id] = runtime
        verifyLadders(with: event, rule: position, at: time)
        guard rule.scope.contains(event) else { return }
        runtime = state.rules[rule.id] ?? runtime
        let key = rule.pattern.by.key(for: event)
        var window = runtime.groups[key] ?? GroupWindow(target: target(for: event, by: rule.pattern.by))
        let matches = rule.trigger.matches(event)
        var fire = false
        var evidence: [String] = []

        switch rule.pattern {
        case .each:
            guard matches else { return }
            fire = true
            evidence = [event.id]
            window.lastEvent = event
            runtime.groups[key] = nil
            state.rules[rule.id] = runtime
            self.fire(rule: position, window: window, evidence: evidence, at: time)
            return
        case .sustained(let pattern):
            let clears = pattern.clearedBy.map { $0.matches(event) } ?? (!matches && rule.trigger.events.contains(event.kind))
            if matches {
                if window.since == nil { window.since = time; window.eventIds = [] }
                window.clearedAt = nil
                window.eventIds = Array((window.eventIds + [event.id]).suffix(20))
                window.lastEvent = event
            } else if clears, window.since != nil {
                if pattern.keepFor.seconds == 0 { reset(&window) } else if window.clearedAt == nil { window.clearedAt = time }
                if window.since == nil { runtime.episodes[key] = nil }
            } else if window.since == nil {
                return
            }
            if let since = window.since, window.clearedAt == nil, !window.fired, time >= since.adding(pattern.duration) {
                window.fired = true
                fire = true
                evidence = window.eventIds
            }
        case .count(let atLeast, let within, _):
            guard matches else { return }
            window.times.append(time)
            window.eventIds.append(event.id)
            prune(&window, before: time.addingTimeInterval(-within.timeInterval))
            window.lastEvent = event
            if window.times.count >= atLeast {
                fire = true
                evidence = window.eventIds
                window.times = []
                window.eventIds = []
            }
        case .absent:
            if matches {
                window.lastSeen = time
                window.lastEvent = event
                if window.fired { window.fired = false; runtime.episodes[key] = nil }
            } else if event.kind == .connected || event.kind == .booted {
                window.lastSeen = max(window.lastSeen ?? time, time)
                if window.lastEvent == nil { window.lastEvent = event }
            } else {
                return
            }
        case .recurring(let days, let within, _):
            guard matches else { return }
            let day = Int((time.timeIntervalSince1970 / 86_400).rounded(.down))
            let spanDays = Int((within.timeInterval / 86_400).rounded(.up))
            window.days = window.days.filter { $0.key > day - spanDays }
            if window.days[day] == nil { window.days[day] = event.id }
            window.lastEvent = event
            if window.days.count >= days {
                fire = true
                evidence = window.days.keys.sorted().compactMap { window.days[$0] }
                window.days = [:]
            }
        case .ratio(let pattern):
            guard matches else { return }
            window.samples.append(.init(time: time, success: pattern.success.matches(event), eventId: event.id))
            let start = time.addingTimeInterval(-pattern.within.timeInterval)
            window.samples.removeAll { $0.time <= start }
            if window.samples.count > 10_000 { window.samples.removeFirst(window.samples.count - 10_000) }
            window.lastEvent = event
            let successes = window.samples.filter(\.success).count
            let share = Double(successes) / Double(window.samples.count)
            let tripped = window.samples.count >= pattern.minSamples
                && (pattern.below.map { share < $0 } ?? pattern.above.map { share > $0 } ?? false)
            if tripped && !window.fired {
                window.fired = true
                fire = true
                evidence = window.samples.filter { !$0.success }.suffix(20).map(\.eventId)
            } else if !tripped && window.fired && window.samples.count >= pattern.minSamples {
                window.fired = false
                runtime.episodes[key] = nil
            }
        case .sequence(let pattern):
            if pattern.next.matches(event) {
                window.pending.removeAll { $0.deadline < time }
                if pattern.expectNext, let first = window.pending.first {
                    window.pending.removeFirst()
                    fire = true
                    evidence = [first.event.id, event.id]
                    window.lastEvent = event
                } else if !pattern.expectNext {
                    window.pending = []
                }
            }
            if matches {
                window.pending.append(.init(deadline: time.adding(pattern.within), event: event))
                if window.pending.count > 100 { window.pending.removeFirst(window.pending.count - 100) }
                window.lastEvent = event
            }
        }
        if let (due, _) = due(window, rule: position), runtime.earliest.map({ due < $0 }) ?? true { runtime.earliest = due }
        runtime.groups[key] = window
        state.rules[rule.id] = runtime
        if fire { self.fire(rule: position, window: window, evidence: evidence, at: time) }
    }

    func target(for event: DomainEvent, by key: GroupKey) -> RuleTarget {
        let groupKey = key.key(for: event)
        switch key {
        case .connector:
            let connector = (event.connector ?? 0) > 0 ? event.connector : nil
            return RuleTarget(key: groupKey, station: event.station, connector: connector, site: event.site)
        case .station:
            return RuleTarget(key: groupKey, station: event.station, site: event.site)
        case .site:
            return RuleTarget(key: groupKey, site: event.site)
        default:
            return RuleTarget(key: groupKey)
        }
    }

    func reset(_ window: inout GroupWindow) {
        window.since = nil
        window.clearedAt = nil
        window.fired = false
        window.eventIds = []
    }

    func prune(_ window: inout GroupWindow, before start: Date) {
        while let first = window.times.first, first <= start {
            window.times.removeFirst()
            window.eventIds.removeFirst()
        }
    }

    mutating func closeEpisode(rule position: Int, key: String) {
        state.rules[rules[position].id]?.episodes[key] = nil
    }
}
