import Foundation

/// What a ladder learns after it decided a command: a breaker hold pauses it, a command that
/// did not go through ends its rung at once, and a ladder that took a connector out of
/// service never ends without telling someone.
extension Evaluation {
    /// Until when a state-changing command of this ladder is held: the executor's fleet
    /// breaker, or the rule's own `haltWhen` for the target's site. Taking a connector with a
    /// never-reset fault out of service is never held: it fails safe.
    func holdUntil(rule position: Int, ladder: Ladder, action: DecidedAction, at time: Date) -> (until: Date, why: String)? {
        guard action.type.changesState else { return nil }
        if action.type == .disableConnector, let station = ladder.target.station, let connector = ladder.target.connector,
           state.stations[station]?.neverResetFaults[connector] != nil {
            return nil
        }
        var hold: (until: Date, why: String)?
        if let until = state.fleetHoldUntil, until > time {
            hold = (until, "the fleet breaker holds every automatic command until \(Self.format(until))")
        }
        let rule = rules[position]
        let site = ladder.target.site ?? ladder.target.station.flatMap { state.stations[$0]?.site }
        if let site, let until = state.rules[rule.id]?.haltedUntil[site], until > time, until > (hold?.until ?? .distantPast) {
            hold = (until, "rule \(rule.id) is halted for site \(site) until \(Self.format(until)) (haltWhen)")
        }
        return hold
    }

    /// Pauses a ladder before the command of its current rung.
    mutating func hold(rule position: Int, key: String, ladder: Ladder, action: DecidedAction, until: Date, why: String, at time: Date,
                       then next: String = "the ladder pauses and checks its condition again when the hold ends") {
        var ladder = ladder
        ladder.waiting = .hold
        ladder.deadline = until
        state.rules[rules[position].id]?.ladders[key] = ladder
        noteDeadline(rule: position, until)
        emit(rule: position, kind: .held, target: ladder.target, rung: ladder.rung, action: action, evidence: ladder.eventIds,
             reason: "\(why): \(action.label) not sent; \(next)", at: time)
    }

    /// A fleet hold began, moved or ended: every paused ladder re-checks at the new end.
    mutating func holdChanged(at time: Date) {
        for id in state.laddersRunning.sorted() {
            guard let position = rules.firstIndex(where: { $0.id == id }), let ladders = state.rules[id]?.ladders else { continue }
            for key in ladders.keys.sorted() where ladders[key]?.waiting == .hold {
                let until = max(state.fleetHoldUntil ?? time, time)
                state.rules[id]?.ladders[key]?.deadline = until
                noteDeadline(rule: position, until)
            }
        }
    }

    /// A held ladder's hold ended (or moved): still held → wait on; the condition gone →
    /// the ladder ends with nothing sent; otherwise the paused rung runs again.
    mutating func holdEnded(rule position: Int, key: String, ladder: Ladder, at time: Date) {
        let rule = rules[position]
        let rung = rule.ladder[ladder.rung]
        let (action, _) = resolve(rung, rule: rule, ladder: ladder, at: time)
        if let hold = holdUntil(rule: position, ladder: ladder, action: action, at: time) {
            state.rules[rule.id]?.ladders[key]?.deadline = hold.until
            noteDeadline(rule: position, hold.until)
            return
        }
        // Paused by an inhibition (`running: pause`): still inhibited → wait on; now aborting →
        // stop; lifted → the checks below.
        if action.type.isCommand, let stop = runningStop(rule: position, target: ladder.target, at: time) {
            if stop.pause {
                state.rules[rule.id]?.ladders[key]?.deadline = stop.until
                noteDeadline(rule: position, stop.until)
                return
            }
            state.rules[rule.id]?.ladders[key] = nil
            emit(rule: position, kind: .suppressed, target: ladder.target, rung: ladder.rung, action: action, evidence: ladder.eventIds,
                 reason: "\(stop.why); the paused ladder stops before \(action.label)", at: time)
            ladderEnded(rule: position, ladder: ladder, at: time)
            return
        }
        guard conditionStillHolds(rule: position, key: key, ladder: ladder, at: time) else {
            state.rules[rule.id]?.ladders[key] = nil
            let why = connectorBackInService(since: ladder)
                ? "the hold ended and the condition no longer holds (the connector reported \(ladder.target.station.flatMap { state.stations[$0]?.statuses[ladder.target.connector ?? 0] } ?? "in service") since): nothing sent"
                : "the hold ended and the condition no longer holds: nothing sent"
            emit(rule: position, kind: .suppressed, target: ladder.target, rung: ladder.rung, evidence: ladder.eventIds, reason: why, at: time)
            ladderEnded(rule: position, ladder: ladder, at: time)
            return
        }
        emit(rule: position, kind: .resumed, target: ladder.target, rung: ladder.rung, evidence: ladder.eventIds,
             reason: "the hold ended and the condition still holds: rung \(ladder.rung + 1) runs now", at: time)
        runLadder(rule: position, key: key, from: ladder.rung, at: time)
    }

    /// Whether what made the rule fire is still true. `for` conditions must still hold;
    /// `absent` and `ratio` must still be tripped; for the other patterns the incident must
    /// still be open, and a fault that fired it must not have been reported gone.
    func conditionStillHolds(rule position: Int, key: String, ladder: Ladder, at time: Date) -> Bool {
        let rule = rules[position]
        let window = state.rules[rule.id]?.groups[key]
        switch rule.pattern {
        case .sustained:
            return window?.since != nil && window?.clearedAt == nil
        case .absent, .ratio:
            return window?.fired == true
        default:
            guard let episode = state.rules[rule.id]?.episodes[key], episode.until.map({ $0 > time }) ?? true else { return false }
            return !connectorBackInService(since: ladder)
        }
    }

    /// Whether the connector whose Faulted (or Unavailable) fired the ladder has since reported
    /// a status in service (Available, Charging …): the fault is reported gone, whatever the
    /// incident's `activeFor` says — a storm's held commands must not go to ports that recovered.
    func connectorBackInService(since ladder: Ladder) -> Bool {
        guard ladder.event.kind == .statusChanged, ladder.event.statusTo?.isOutOfService == true,
              let station = ladder.target.station, let connector = ladder.target.connector, connector > 0,
              let reported = state.stations[station]?.statuses[connector], let status = ConnectorStatus(rawValue: reported) else { return false }
        return !status.isOutOfService
    }

    /// The executor's `commandResult` for a command this rule decided: a hold pauses the
    /// ladder, a command that did not go through ends its rung without waiting for `verify`.
    mutating func commandOutcome(_ event: DomainEvent, rule position: Int, at time: Date) {
        let rule = rules[position]
        guard event.fields["rule"]?.description == rule.id, let key = event.fields["target"]?.description,
              let rungNumber = event.fields["rung"]?.number.map({ Int($0) }) else { return }
        let status = event.fields["status"]?.description ?? ""
        let why = event.fields["reason"]?.description
        guard var ladder = state.rules[rule.id]?.ladders[key], ladder.rung == rungNumber,
              ladder.waiting == .verification || ladder.waiting == nil else {
            if Self.failedStatuses.contains(status) {
                forgetOwnCommand(event.fields["detail"]?.description ?? "", target: Self.target(key: key, event: event))
                emit(rule: position, kind: .commandFailed, target: Self.target(key: key, event: event), rung: rungNumber,
                     evidence: [event.id], reason: "\(event.fields["detail"]?.description ?? "the command") \(Self.describe(status, why)); the ladder had already moved on",
                     at: time)
            }
            return
        }
        let label = event.fields["detail"]?.description ?? "the command"
        if status == "Held" {
            forgetOwnCommand(label, target: ladder.target)   // not sent: its boot or Unavailable would be the station's own
            let until = event.fields["until"].flatMap { RuleFixture.parseDate($0.description) } ?? state.fleetHoldUntil ?? time
            if let last = ladder.tried.indices.last { ladder.tried.remove(at: last) }
            let (action, _) = resolve(rule.ladder[ladder.rung], rule: rule, ladder: ladder, at: time)
            hold(rule: position, key: key, ladder: ladder, action: action, until: max(until, time),
                 why: why ?? "a breaker holds automatic commands", at: time)
            return
        }
        guard Self.failedStatuses.contains(status) else { return }
        forgetOwnCommand(label, target: ladder.target)
        if let last = ladder.tried.indices.last { ladder.tried[last] += " (\(Self.describe(status, why)))" }
        ladder.waiting = nil
        ladder.deadline = nil
        state.rules[rule.id]?.ladders[key] = ladder
        emit(rule: position, kind: .commandFailed, target: ladder.target, rung: ladder.rung, evidence: ladder.eventIds + [event.id],
             reason: "rung \(ladder.rung + 1): \(label) \(Self.describe(status, why)); not waiting for verification", at: time)
        runLadder(rule: position, key: key, from: ladder.rung + 1, at: time)
    }

    /// Outcomes that mean the command did not take effect.
    static let failedStatuses: Set<String> = ["Refused", "Rejected", "NotConnected", "TimedOut", "Failed"]

    static func describe(_ status: String, _ why: String?) -> String {
        let word = status == "Refused" ? "refused by Vigil's safety gate" : "answered \(status)"
        return why.map { "\(word): \($0)" } ?? word
    }

    static func target(key: String, event: DomainEvent) -> RuleTarget {
        RuleTarget(key: key, station: event.station.isEmpty ? nil : event.station, connector: event.connector, site: event.site)
    }

    /// A ladder ends (exhausted, verified, or out of rungs): if it took a connector out of
    /// service and no alert followed, on-call is told now — a connector never goes out of
    /// service with nobody knowing.
    mutating func ladderEnded(rule position: Int, ladder: Ladder, at time: Date) {
        guard ladder.disabledUntold else { return }
        let rule = rules[position]
        let spec = rule.ladderFallback
        let connector = ladder.target.connector.map { " connector \($0)" } ?? ""
        let title = "\(ladder.target.station ?? ladder.target.key)\(connector) taken out of service by Vigil"
        let enable = ladder.target.station.map { station in
            "vigil stations command \(station) enable\(ladder.target.connector.map { " --connector \($0)" } ?? "") --by NAME"
        } ?? "vigil stations command ID enable"
        let text = "Rule \(rule.id) set \(ladder.target.station ?? ladder.target.key)\(connector) Inoperative and its ladder has ended; "
            + "it stays out of service until someone enables it (\(enable)). Tried: \(ladder.tried.joined(separator: "; "))."
        // Out of service for a never-reset fault (a ground fault …): a safety page.
        let safetyFault = ladder.target.station.flatMap { state.stations[$0]?.neverResetFaults[ladder.target.connector ?? 0] } != nil
        var action = DecidedAction(type: .alert, route: spec.route, severity: safetyFault ? "safety" : "major", title: title, text: text)
        action.reportsDisable = true
        emit(rule: position, kind: .act, target: ladder.target, rung: ladder.rung, action: action, evidence: ladder.eventIds,
             reason: "the ladder ended after disabling the connector without an alert: on-call is told", at: time)
    }

    /// Vigil's own command is remembered from the moment it is decided (not only when its
    /// Accepted comes back): the station's Unavailable may arrive before the executor's report,
    /// and must not read as the fault clearing. An enable is not: until its Accepted (or the
    /// connector's next usable status) the connector is still Vigil's disable — an enable the
    /// executor refuses (a safety fault open) leaves it so.
    mutating func noteOwnCommand(_ action: DecidedAction, target: RuleTarget, at time: Date) {
        guard let station = target.station else { return }
        switch action.type {
        case .disableConnector:
            if let connector = target.connector { state.stations[station, default: StationFacts()].disabledByVigil.insert(connector) }
        case .reset:
            state.stations[station, default: StationFacts()].resetByVigilAt = time
            state.stations[station]?.resetBootSeen = false
        default:
            break
        }
    }

    /// The command did not go through: what it would have caused is news again.
    mutating func forgetOwnCommand(_ label: String, target: RuleTarget) {
        guard let station = target.station else { return }
        if label == ActionType.disableConnector.rawValue, let connector = target.connector {
            state.stations[station]?.disabledByVigil.remove(connector)
        } else if label.hasPrefix(ActionType.reset.rawValue) {
            state.stations[station]?.resetByVigilAt = nil
        }
    }
}
