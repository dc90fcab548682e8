import Foundation

/// What happens when a rule's pattern fires for a target: guards, inhibitions, the halt
/// breaker, cooldown and attempts, then the first rungs of the ladder.
extension Evaluation {
    /// `firstSeen` is when the evidence began (for `{{firstSeen}}`); the event defaults it.
    mutating func fire(rule position: Int, window: GroupWindow, evidence: [String], firstSeen: Date? = nil, at time: Date) {
        let rule = rules[position]
        let target = window.target
        guard let event = window.lastEvent else { return }
        if state.rules.index(forKey: rule.id) == nil { state.rules[rule.id] = RuleRuntime(hash: rule.hash) }
        // Reads go through `state.rules[id]?.…` and writes change it in place: copying a rule's
        // runtime out and back would copy all of its groups on every firing.
        if let reason = guardReason(rule: position, target: target, event: event, at: time)
            ?? inhibitionReason(rule: position, target: target, at: time) {
            suppress(rule: position, target: target, evidence: evidence, reason: reason, at: time)
            return
        }
        let site = target.site ?? target.station.flatMap { state.stations[$0]?.site }
        if let site, let until = state.rules[rule.id]?.haltedUntil[site] {
            if until > time {
                suppress(rule: position, target: target, evidence: evidence,
                         reason: "halted for site \(site) until \(Self.format(until)): too many of its stations tripped at once", at: time)
                return
            }
            state.rules[rule.id]?.haltedUntil[site] = nil
        }
        if state.rules[rule.id]?.ladders[target.key] != nil {
            openEpisode(rule: position, target: target, at: time)
            return
        }
        if let until = state.rules[rule.id]?.cooldownUntil[target.key], until > time {
            suppress(rule: position, target: target, evidence: evidence, reason: "in cooldown until \(Self.format(until))", at: time)
            return
        }
        let windowStart = time.addingTimeInterval(-rule.limits.attemptsWindow.timeInterval)
        var attempts = (state.rules[rule.id]?.attempts[target.key] ?? []).filter { $0 > windowStart }
        if let maxAttempts = rule.limits.maxAttempts, attempts.count >= maxAttempts {
            suppress(rule: position, target: target, evidence: evidence,
                     reason: "reached maxAttempts (\(maxAttempts) within \(rule.limits.attemptsWindow))", at: time)
            return
        }
        if let halt = rule.limits.halt, let station = target.station, let site {
            var trips = (state.rules[rule.id]?.trips[site] ?? [:]).filter { $0.value > time.addingTimeInterval(-halt.within.timeInterval) }
            trips[station] = time
            state.rules[rule.id]?.trips[site] = trips
            let known = state.stations.values.filter { $0.site == site }.count
            if known >= halt.minStations, Double(trips.count) / Double(known) > halt.share {
                state.rules[rule.id]?.haltedUntil[site] = time.adding(halt.within)
                state.rules[rule.id]?.trips[site] = [:]
                emit(rule: position, kind: .halted, target: RuleTarget(key: "site:\(site)", site: site), evidence: evidence,
                     reason: "\(trips.count) of \(known) stations of site \(site) tripped within \(halt.within) (more than \(Int(halt.share * 100))%); no further automatic action there for \(halt.within), until \(Self.format(time.adding(halt.within))) — suspect the backend, the network or the grid",
                     at: time)
                return
            }
        }
        attempts.append(time)
        state.rules[rule.id]?.attempts[target.key] = attempts
        if let cooldown = rule.limits.cooldown {
            var seconds = cooldown.timeInterval
            if let factor = rule.limits.backoffFactor {
                seconds *= pow(factor, Double(attempts.count - 1))
                if let cap = rule.limits.cooldownMax { seconds = min(seconds, cap.timeInterval) }
            }
            state.rules[rule.id]?.cooldownUntil[target.key] = time.addingTimeInterval(seconds)
        }
        state.rules[rule.id]?.lastSuppression[target.key] = nil
        state.laddersRunning.insert(rule.id)
        state.rules[rule.id]?.ladders[target.key] = Ladder(target: target, rung: 0, event: event, eventIds: evidence,
                                                           firstSeen: firstSeen ?? window.since ?? event.time)
        openEpisode(rule: position, target: target, at: time)
        runLadder(rule: position, key: target.key, from: 0, at: time)
    }

    /// The first `unless` guard that holds, as a reason.
    func guardReason(rule position: Int, target: RuleTarget, event: DomainEvent, at time: Date) -> String? {
        let rule = rules[position]
        let facts = target.station.flatMap { state.stations[$0] }
        for guardCase in rule.guards {
            switch guardCase {
            case .transactionActive:
                if facts?.hasActiveTransaction(connector: target.connector) == true { return "unless transactionActive: a transaction is active" }
            case .maintenance:
                var scoped = target
                if scoped.site == nil { scoped.site = facts?.site }
                if engine.environment.inMaintenance(scoped, at: time) { return "unless maintenance: inside a maintenance window" }
            case .silenced:
                if engine.environment.isSilenced(rule: rule.id, target, at: time) { return "unless silenced: a silence covers it" }
            case .ruleActive(let link):
                if let why = activeRuleReason(link, rule: position, target: target, at: time) { return why }
            case .stationOffline:
                if let facts, !facts.isConnected { return "unless stationOffline: the station is not connected" }
            case .event(let predicate):
                if predicate.matches(event) { return "unless where: the event matches the exception" }
            }
        }
        return nil
    }

    /// `unless: { ruleActive: … }`: a rule it names has an open incident at the target's place.
    func activeRuleReason(_ link: Inhibition, rule position: Int, target: RuleTarget, at time: Date) -> String? {
        guard let (other, episode) = openIncident(named: link, excluding: position, at: target, at: time) else { return nil }
        return "unless ruleActive: rule \(other) has an open incident for \(episode.target.key) (\(link.placeWords))"
    }

    /// The first open incident, in rule order, of a rule `link` names (other than `position`)
    /// at the same place as `target`.
    func openIncident(named link: Inhibition, excluding position: Int, at target: RuleTarget, at time: Date) -> (String, Episode)? {
        let candidates: [String] = link.labels.isEmpty ? link.rules
            : rules.enumerated().filter { $0.offset != position && link.names($0.element) }.map(\.element.id)
        for other in candidates {
            guard let runtime = state.rules[other] else { continue }
            for key in runtime.episodes.keys.sorted() {
                guard let episode = runtime.episodes[key], episode.until.map({ $0 > time }) ?? true,
                      link.samePlace(target, episode.target, siteOf: { state.stations[$0]?.site }) else { continue }
                return (other, episode)
            }
        }
        return nil
    }

    /// What stops or pauses a ladder already running before its next command.
    struct RunningStop {
        var why: String
        var pause: Bool
        /// For a pause: when to look again (the incident's end, or a minute for one that
        /// ends when its condition clears).
        var until: Date
    }

    /// Why a ladder already running must stop (or pause) before its next command: an
    /// inhibition that does not let running ladders continue, or a `ruleActive` guard that has
    /// turned true since it started (the station's reboot loop opened, a safety fault …). An
    /// abort wins over a pause.
    func runningStop(rule position: Int, target: RuleTarget, at time: Date) -> RunningStop? {
        var found: [RunningStop] = []
        func lookAgain(_ episode: Episode) -> Date { episode.until ?? time.addingTimeInterval(60) }
        for other in engine.inhibitors[position] ?? [] {
            let inhibitor = rules[other]
            guard let inhibition = inhibitor.inhibit, inhibition.running != .proceed,
                  let (_, episode) = openIncident(named: Inhibition(rules: [inhibitor.id], equal: inhibition.equal), excluding: position,
                                                  at: target, at: time) else { continue }
            found.append(RunningStop(why: "inhibited by rule \(inhibitor.id) (open for \(episode.target.key))",
                                     pause: inhibition.running == .pause, until: lookAgain(episode)))
        }
        for guardCase in rules[position].guards {
            guard case .ruleActive(let link) = guardCase, link.running != .proceed,
                  let (other, episode) = openIncident(named: link, excluding: position, at: target, at: time) else { continue }
            found.append(RunningStop(why: "unless ruleActive: rule \(other) has an open incident for \(episode.target.key) (\(link.placeWords))",
                                     pause: link.running == .pause, until: lookAgain(episode)))
        }
        return found.first { !$0.pause } ?? found.min { $0.until < $1.until }
    }

    /// An open incident of a rule that inhibits this one, at the same place (`equal`).
    func inhibitionReason(rule position: Int, target: RuleTarget, at time: Date) -> String? {
        for other in engine.inhibitors[position] ?? [] {
            let inhibitor = rules[other]
            guard let inhibition = inhibitor.inhibit,
                  let (_, episode) = openIncident(named: Inhibition(rules: [inhibitor.id], equal: inhibition.equal), excluding: position,
                                                  at: target, at: time) else { continue }
            return "inhibited by rule \(inhibitor.id) (open for \(episode.target.key))"
        }
        return nil
    }

    mutating func openEpisode(rule position: Int, target: RuleTarget, at time: Date) {
        let rule = rules[position]
        let clearsItself: Bool
        switch rule.pattern {
        case .sustained, .absent, .ratio: clearsItself = true
        default: clearsItself = false
        }
        state.rules[rule.id]?.episodes[target.key] = Episode(target: target, until: clearsItself ? nil : time.adding(rule.activeFor))
    }

    /// Reports a held-back firing once per reason and target, not on every event.
    mutating func suppress(rule position: Int, target: RuleTarget, evidence: [String], reason: String, at time: Date) {
        let rule = rules[position]
        let general = reason.components(separatedBy: " until ").first ?? reason
        guard state.rules[rule.id]?.lastSuppression[target.key] != general else { return }
        state.rules[rule.id, default: RuleRuntime(hash: rule.hash)].lastSuppression[target.key] = general
        emit(rule: position, kind: .suppressed, target: target, evidence: evidence, reason: reason, at: time)
    }

    mutating func emit(rule position: Int, kind: Decision.Kind, target: RuleTarget, rung: Int? = nil,
                       action: DecidedAction? = nil, evidence: [String], reason: String, at time: Date) {
        let rule = rules[position]
        decisions.append(Decision(time: time, rule: rule.id, ruleHash: rule.hash, mode: rule.mode, kind: kind,
                                  target: target, rung: rung, action: action, eventIds: evidence, reason: reason))
    }

    static func format(_ date: Date) -> String { RFC3339.format(date) }
}
