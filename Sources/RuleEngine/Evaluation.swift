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
        // Moved out and back in (not copied): a copy left in the dictionary would make every
        // change below copy the facts' own collections.
        if event.kind == .hold { return observeHold(event, at: time) }
        var facts = state.stations.removeValue(forKey: event.station) ?? StationFacts()
        let wasConnected = facts.isConnected
        if let site = event.site, site != facts.site {
            moveStation(event.station, from: facts.site, to: site)
            facts.site = site
        }
        // Whatever a station sends proves it connected; Vigil's own events (command results,
        // approvals) prove nothing about it.
        if ![.disconnected, .commandResult, .approval, .tick, .hold, .fraudSuspected].contains(event.kind) { facts.isConnected = true }
        switch event.kind {
        case .connected, .booted:
            if event.kind == .connected || !wasConnected { facts.connectedAt = time }
        case .disconnected:
            facts.isConnected = false
        case .transactionStarted:
            let id = event.fields["transactionId"]?.description ?? event.id
            facts.transactions[id] = event.connector ?? 0
            if engine.sessionHorizon > 0 {
                let horizon = time.addingTimeInterval(-engine.sessionHorizon)
                if let firstKept = facts.sessionStarts.firstIndex(where: { $0.time > horizon }) {
                    if firstKept > 0 { facts.sessionStarts.removeFirst(firstKept) }
                } else {
                    facts.sessionStarts = []
                }
                facts.sessionStarts.append(SessionStart(time: time, connector: event.connector ?? 0))
                if facts.sessionStarts.count > SessionStart.limit { facts.sessionStarts.removeFirst(facts.sessionStarts.count - SessionStart.limit) }
            }
        case .transactionEnded:
            if let id = event.fields["transactionId"]?.description, facts.transactions[id] != nil {
                facts.transactions[id] = nil
            } else if let connector = event.connector {
                facts.transactions = facts.transactions.filter { $0.value != connector }
            }
        case .statusChanged:
            // An older report sent after a newer one is not the connector's state.
            if event.isSuperseded { break }
            if let connector = event.connector, connector > 0, case .string(let reported)? = event.fields["to"] {
                facts.statuses[connector] = reported
            }
            if let connector = event.connector, let to = event.statusTo {
                if to.isInSession { facts.busyConnectors.insert(connector) } else { facts.busyConnectors.remove(connector) }
                if to == .available { facts.transactions = facts.transactions.filter { $0.value != connector } }
                if !to.isOutOfService {
                    // Usable again: the station says the fault is gone and the connector is back.
                    facts.disabledByVigil.remove(connector)
                    facts.neverResetFaults[connector] = nil
                }
            }
            if Self.reportsFault(event), let match = catalogueMatch(for: event), match.entry.neverAutoReset {
                facts.neverResetFaults[event.connector ?? 0] = "\(match.entry.vendor) \(match.entry.code)"
            }
        case .faultCleared:
            // Leaving Faulted for Unavailable (Vigil's own disable, or the station taking the
            // connector out of service) does not end a never-reset fault: only a usable status,
            // or a 2.0.1 NotifyEvent that clears the fault (no `to`), does.
            if let to = event.statusTo, to.isOutOfService { break }
            facts.neverResetFaults[event.connector ?? 0] = nil
        case .commandResult:
            guard event.fields["status"]?.description == "Accepted" else { break }
            switch event.fields["detail"]?.description {
            case "disableConnector"?: if let connector = event.connector { facts.disabledByVigil.insert(connector) }
            case "enableConnector"?: if let connector = event.connector { facts.disabledByVigil.remove(connector) }
            case let detail? where detail.hasPrefix("reset"):
                if facts.resetByVigilAt.map({ time.timeIntervalSince($0) >= Self.rebootAttribution }) ?? true { facts.resetBootSeen = false }
                facts.resetByVigilAt = time
            default: break
            }
        default:
            break
        }
        state.stations[event.station] = facts
    }

    /// A hold (Vigil's own event): the site it names is noted, the station's facts are not
    /// touched, and a fleet hold's start or end moves the held ladders' deadlines.
    private mutating func observeHold(_ event: DomainEvent, at time: Date) {
        let known = state.stations[event.station]?.site
        if let site = event.site, site != known { moveStation(event.station, from: known, to: site) }
        guard event.fields["scope"]?.description == "fleet" else { return }
        let active = event.fields["active"] == .bool(true) || event.fields["active"]?.description == "true"
        state.fleetHoldUntil = active ? event.fields["until"].flatMap { RuleFixture.parseDate($0.description) } : nil
        holdChanged(at: time)
    }

    /// Files `station` under `site` in the site index, out of the site it was under.
    private mutating func moveStation(_ station: String, from old: String?, to site: String) {
        if let old { state.siteStations[old]?.remove(station) }
        state.siteStations[site, default: []].insert(station)
    }

    /// A status report carrying a fault: Faulted, or an OCPP error code other than NoError.
    static func reportsFault(_ event: DomainEvent) -> Bool {
        guard event.kind == .statusChanged else { return false }
        return event.statusTo == .faulted || event.ocppErrorCode?.isFault == true
    }

    /// How long after a reset Vigil sent the station's Unavailable statuses and boot are
    /// taken as the reboot it caused.
    static let rebootAttribution: TimeInterval = 600

    /// Whether a boot is the one a reset Vigil sent caused: after the reset (within
    /// `rebootAttribution`), the first boot since it, and — where the station says why it booted
    /// (2.0.1) — for a reset. A second boot after one reset, or a Watchdog boot, is the station's.
    func bootByVigil(_ event: DomainEvent) -> Bool {
        guard event.kind == .booted, isVigilsOwnDoing(event), state.stations[event.station]?.resetBootSeen == false else { return false }
        guard let reason = event.fields["reason"]?.description else { return true }   // 1.6: no reason given
        return ["RemoteReset", "ScheduledReset"].contains(reason)
    }

    /// Whether an event is the footprint of Vigil's own command rather than news about the
    /// fault: Unavailable after Vigil's accepted disable of that connector, or Unavailable and
    /// the boot in the minutes after a reset Vigil sent. It never clears a condition.
    func isVigilsOwnDoing(_ event: DomainEvent) -> Bool {
        // The kind first: most events (heartbeats, any status but Unavailable) cannot be, and
        // need no look-up of the station's facts.
        switch event.kind {
        case .statusChanged:
            guard event.statusTo == .unavailable else { return false }
        case .booted, .disconnected:
            // Not `connected`: a connection coming back is the station reachable again, whoever
            // caused it to drop (an offline incident opened by a reboot Vigil caused clears by it).
            break
        default:
            return false
        }
        guard let facts = state.stations[event.station] else { return false }
        let afterReset = facts.resetByVigilAt.map { event.time.timeIntervalSince($0) < Self.rebootAttribution && event.time >= $0 } ?? false
        if event.kind == .statusChanged {
            return afterReset || event.connector.map { facts.disabledByVigil.contains($0) } == true
        }
        return afterReset
    }

    func target(for event: DomainEvent, by key: GroupKey) -> RuleTarget {
        let groupKey = key.key(for: event)
        switch key.placeLevel ?? key {
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

    /// Whether the rule's `around` holds for a target now (true without one).
    func surroundingsHold(_ rule: Rule, target: RuleTarget, at time: Date) -> Bool {
        guard let around = rule.around else { return true }
        return SurroundingsReader(stations: state.stations, siteStations: state.siteStations, time: time).holds(around, target: target)
    }

    /// When a timed pattern whose `around` did not hold looks again: at the next whole multiple
    /// (since 1970) of a twelfth of its duration, in whole minutes from 1 to 60. Aligned, so all
    /// of a rule's waiting targets look at the same instant and the deadline scan runs once
    /// per interval, not once per target.
    static func recheck(after duration: RuleDuration, from time: Date) -> Date {
        let minutes = min(max((duration.timeInterval / 12 / 60).rounded(.down), 1), 60)
        let interval = minutes * 60
        return Date(timeIntervalSince1970: ((time.timeIntervalSince1970 / interval).rounded(.down) + 1) * interval)
    }

    func reset(_ window: inout GroupWindow) {
        window.recheckAt = nil
        window.since = nil
        window.clearedAt = nil
        window.fired = false
        window.eventIds = []
    }

    func prune(_ window: inout GroupWindow, before start: Date) {
        while let first = window.times.first, first <= start {
            window.times.removeFirst()
            window.eventIds.removeFirst()
            if !window.distinctKeys.isEmpty { window.distinctKeys.removeFirst() }
        }
    }

    mutating func closeEpisode(rule position: Int, key: String) {
        state.rules[rules[position].id]?.episodes[key] = nil
    }
}
