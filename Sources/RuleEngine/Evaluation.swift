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
