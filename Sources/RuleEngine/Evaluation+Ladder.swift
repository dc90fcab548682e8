import Foundation
import VendorCatalog

/// Walking a rule's `then` ladder for one target: act, wait for verification or approval,
/// move on when a deadline passes, stop when a rung is verified or the ladder is exhausted.
extension Evaluation {
    /// Runs rungs from `start` until one waits (verification, approval) or the ladder ends.
    mutating func runLadder(rule position: Int, key: String, from start: Int, at time: Date) {
        let rule = rules[position]
        var index = start
        while var ladder = state.rules[rule.id]?.ladders[key] {
            guard index < rule.ladder.count else {
                state.rules[rule.id]?.ladders[key] = nil
                ladderEnded(rule: position, ladder: ladder, at: time)
                if let last = rule.ladder.last, last.verify != nil {
                    emit(rule: position, kind: .ladderExhausted, target: ladder.target, evidence: ladder.eventIds,
                         reason: "every rung ran and none was verified; tried: \(ladder.tried.joined(separator: "; "))", at: time)
                }
                return
            }
            let rung = rule.ladder[index]
            ladder.rung = index
            ladder.waiting = nil
            ladder.deadline = nil
            let (action, note) = resolve(rung, rule: rule, ladder: ladder, at: time)
            // An inhibition or a `ruleActive` guard that turned true while the ladder ran stops it
            // before its next command (`running: abort`, the default): a rebooting charger gets no
            // more resets.
            // `running: pause` holds it there instead, until the inhibition lifts.
            if action.type.isCommand, let stop = runningStop(rule: position, target: ladder.target, at: time) {
                if stop.pause {
                    hold(rule: position, key: key, ladder: ladder, action: action, until: stop.until, why: stop.why, at: time,
                         then: "the ladder pauses and looks again at \(Self.format(stop.until)); when the hold lifts and the condition still holds, it goes on")
                    return
                }
                state.rules[rule.id]?.ladders[key] = nil
                emit(rule: position, kind: .suppressed, target: ladder.target, rung: index, action: action, evidence: ladder.eventIds,
                     reason: "\(stop.why); the running ladder stops before \(action.label)", at: time)
                ladderEnded(rule: position, ladder: ladder, at: time)
                return
            }
            // A breaker holds every state-changing command: the ladder pauses here, visibly,
            // instead of walking on to rungs that assume the command went out.
            if let (until, why) = holdUntil(rule: position, ladder: ladder, action: action, at: time) {
                hold(rule: position, key: key, ladder: ladder, action: action, until: until, why: why, at: time)
                return
            }
            // Nothing to send to a connector this ladder already took out of service — the reset of
            // a never-reset fault there, or a second disable of it: the rung is passed over,
            // visibly, with no command and no wait (the charger got the same disable twice, and the
            // page said "Tried: disableConnector; none; disableConnector").
            if ladder.target.connector != nil, ladder.tried.contains(ActionType.disableConnector.rawValue),
               action.type == .none || action.type == .disableConnector {
                emit(rule: position, kind: .suppressed, target: ladder.target, rung: index, action: action, evidence: ladder.eventIds,
                     reason: note ?? "this ladder already took \(ladder.target.key) out of service: \(action.label) not sent again", at: time)
                state.rules[rule.id]?.ladders[key] = ladder
                index += 1
                continue
            }
            // A command that may not go out (live session, budget spent) is reported and skipped;
            // the ladder goes on, so its alert rungs still reach someone.
            if action.type.isCommand, let reason = commandBlock(rule: position, rung: rung, action: action, ladder: ladder, at: time) {
                emit(rule: position, kind: .suppressed, target: ladder.target, rung: index, action: action,
                     evidence: ladder.eventIds, reason: reason, at: time)
                ladder.tried.append(action.label + " (held back)")
                state.rules[rule.id]?.ladders[key] = ladder
                index += 1
                continue
            }
            if action.type.isCommand {
                let horizon = time.addingTimeInterval(-(rule.limits.budgets.map(\.within.timeInterval).max() ?? 0))
                state.rules[rule.id]?.budgetUses.removeAll { $0.time <= horizon }
                if !rule.limits.budgets.isEmpty {
                    state.rules[rule.id]?.budgetUses.append(BudgetUse(time: time, station: ladder.target.station,
                                                                      site: ladder.target.site, action: action.type))
                }
            }
            var reason = "rung \(index + 1) of \(rule.ladder.count)"
            if index == 0 { reason += " after " + firingReason(rule, ladder: ladder) }
            if let note { reason += "; " + note }
            // A connector taken out of service for a safety fault does not come back Available by
            // itself: a check that waits for that would only delay the next rung (its page).
            // An alert sent instead of the rung's command is not verified: the next rung follows.
            let alertInstead: Bool = {
                switch rung.action {
                case .reset, .disableConnector, .enableConnector, .unlockConnector, .triggerMessage: return action.type == .alert
                default: return false   // an alert rung, or the catalogue's remedy (a technician's page is verified)
                }
            }()
            let verify = alertInstead ? nil : rung.verify.flatMap { safetyDisableCannotPass($0, action: action, ladder: ladder, at: time) ? nil : $0 }
            if rung.verify != nil && verify == nil {
                reason += alertInstead ? "; not waiting for the verification: an alert went instead of the command, and an alert is not verified"
                    : "; not waiting for the verification: a connector out of service for a safety fault does not come back Available by itself"
            }
            var decided = action
            if action.type.isCommand, let verify { decided.verifyUntil = time.adding(verify.within) }
            emit(rule: position, kind: .act, target: ladder.target, rung: index, action: decided, evidence: ladder.eventIds,
                 reason: reason, at: time)
            ladder.tried.append(action.label)
            if rule.mode == .enforce { noteOwnCommand(action, target: ladder.target, at: time) }
            if action.type == .disableConnector { ladder.disabledUntold = true }
            if action.type == .alert { ladder.disabledUntold = false }
            if case .approve(let approval) = rung.action {
                ladder.waiting = .approval
                ladder.deadline = time.adding(approval.timeout)
                state.rules[rule.id]?.ladders[key] = ladder
                noteDeadline(rule: position, ladder.deadline)
                emit(rule: position, kind: .awaitingApproval, target: ladder.target, rung: index, action: action,
                     evidence: ladder.eventIds, reason: "waiting up to \(approval.timeout) for role \(approval.role)", at: time)
                return
            }
            if let verify {
                ladder.waiting = .verification
                ladder.deadline = time.adding(verify.within)
                state.rules[rule.id]?.ladders[key] = ladder
                noteDeadline(rule: position, ladder.deadline)
                return
            }
            state.rules[rule.id]?.ladders[key] = ladder
            index += 1
        }
    }

    /// Whether `verify` waits only for what a safety disable rules out: the connector reporting
    /// Available again (a disable for a never-reset fault keeps it Unavailable until a person
    /// acts) — for the disable itself, and for a later rung that sends nothing more to the
    /// connector this ladder took out of service. A check that an Unavailable passes too is not
    /// one of them.
    func safetyDisableCannotPass(_ verify: Verification, action: DecidedAction, ladder: Ladder, at time: Date) -> Bool {
        guard let station = ladder.target.station, let connector = ladder.target.connector else { return false }
        let facts = state.stations[station]
        let safetyDisable = action.type == .disableConnector
            && (action.neverReset == true || facts?.neverResetFaults[connector] != nil)
        let nothingMore = action.type == .none && facts?.disabledByVigil.contains(connector) == true && facts?.neverResetFaults[connector] != nil
        guard safetyDisable || nothingMore else { return false }
        func probe(_ status: String) -> DomainEvent {
            DomainEvent(id: "verify-probe", kind: .statusChanged, time: time, station: station, connector: connector, evse: connector,
                        site: ladder.target.site, fields: ["to": .string(status), "ocppErrorCode": .string("NoError")])
        }
        return verify.trigger.matches(probe("Available")) && !verify.trigger.matches(probe("Unavailable"))
    }

    /// A reason a command may not be sent now: a live session, or a budget spent.
    func commandBlock(rule position: Int, rung: Rung, action: DecidedAction, ladder: Ladder, at time: Date) -> String? {
        let rule = rules[position]
        let disturbsSession: Set<ActionType> = [.reset, .disableConnector, .unlockConnector]
        if disturbsSession.contains(action.type), !rung.allowDuringSession, let station = ladder.target.station,
           state.stations[station]?.hasActiveTransaction(connector: action.type == .reset ? nil : ladder.target.connector) == true {
            return "not sending \(action.label): a transaction is active (the rung does not say allowDuringSession: true)"
        }
        let uses = state.rules[rule.id]?.budgetUses ?? []
        for budget in rule.limits.budgets where budget.action.map({ $0 == action.type }) ?? true {
            let start = time.addingTimeInterval(-budget.within.timeInterval)
            let spent = uses.filter { use in
                guard use.time > start, budget.action.map({ $0 == use.action }) ?? true else { return false }
                switch budget.per {
                case .station: return use.station == ladder.target.station
                case .site: return use.site == ladder.target.site
                default: return true
                }
            }.count
            if spent >= budget.max {
                return "budget spent: \(budget.max) \(budget.action?.rawValue ?? "command")s per \(budget.per) within \(budget.within)"
            }
        }
        return nil
    }

    func firingReason(_ rule: Rule, ladder: Ladder) -> String {
        let what = rule.trigger.events.map(\.rawValue).joined(separator: "/")
        switch rule.pattern {
        case .each: return "\(what) matched"
        case .sustained(let pattern): return "\(what) condition held for \(pattern.duration)"
        case .count(let atLeast, let within, _, let distinct?):
            return "\(ladder.eventIds.count) matching \(what) from at least \(atLeast) different \(distinct)s within \(within)"
        case .count(let atLeast, let within, _, nil): return "\(ladder.eventIds.count) matching \(what) within \(within) (at least \(atLeast))"
        case .absent(let length, _, _): return "no \(what) for \(length)"
        case .recurring(let days, let within, _): return "\(what) on \(days) distinct days within \(within)"
        case .ratio(let pattern):
            let bound = pattern.below.map { "below \($0)" } ?? pattern.above.map { "above \($0)" } ?? ""
            return "share of successful \(what) \(bound) over \(pattern.within)"
        case .sequence(let pattern):
            let next = pattern.next.events.map(\.rawValue).joined(separator: "/")
            return pattern.expectNext ? "\(what) followed by \(next) within \(pattern.within)"
                : "\(what) not followed by \(next) within \(pattern.within)"
        }
    }

    /// Verification: an event that proves the waiting rung worked ends the ladder in success.
    mutating func verifyLadders(with event: DomainEvent, rule position: Int, at time: Date) {
        let rule = rules[position]
        guard let ladders = state.rules[rule.id]?.ladders, !ladders.isEmpty else {
            state.laddersRunning.remove(rule.id)
            return
        }
        for key in ladders.keys.sorted() {
            guard let ladder = ladders[key], ladder.waiting == .verification,
                  let verify = rule.ladder[ladder.rung].verify, verify.trigger.matches(event),
                  Self.concerns(event, ladder.target) else { continue }
            state.rules[rule.id]?.ladders[key] = nil
            emit(rule: position, kind: .verified, target: ladder.target, rung: ladder.rung, evidence: ladder.eventIds + [event.id],
                 reason: "\(event.kind.rawValue) seen \(Int(time.timeIntervalSince(ladder.deadline ?? time).magnitude))s before the verification deadline",
                 at: time)
            ladderEnded(rule: position, ladder: ladder, at: time)
        }
    }

    /// Whether an event is about a target: the same station; for a connector target, the same
    /// connector or a station-wide event kind without one (a boot); for a station target, an
    /// event without a connector or for connector 0 (the station's own status).
    static func concerns(_ event: DomainEvent, _ target: RuleTarget) -> Bool {
        guard let station = target.station, event.station == station else { return false }
        guard let eventConnector = event.connector else { return true }
        guard let connector = target.connector else { return eventConnector == 0 }
        return connector == eventConnector
    }

    mutating func ladderDeadline(rule position: Int, key: String, at time: Date) {
        let rule = rules[position]
        guard let ladder = state.rules[rule.id]?.ladders[key] else { return }
        switch ladder.waiting {
        case .verification?:
            state.rules[rule.id]?.ladders[key]?.tried[ladder.tried.count - 1] += " (not verified)"
            emit(rule: position, kind: .verificationFailed, target: ladder.target, rung: ladder.rung, evidence: ladder.eventIds,
                 reason: "rung \(ladder.rung + 1) not verified within \(rule.ladder[ladder.rung].verify?.within.description ?? "?")", at: time)
            runLadder(rule: position, key: key, from: ladder.rung + 1, at: time)
        case .approval?:
            guard case .approve(let approval) = rule.ladder[ladder.rung].action else { return }
            emit(rule: position, kind: .approvalTimedOut, target: ladder.target, rung: ladder.rung, evidence: ladder.eventIds,
                 reason: "nobody with role \(approval.role) answered within \(approval.timeout); onTimeout: \(approval.onTimeout.rawValue)", at: time)
            switch approval.onTimeout {
            case .proceed: runLadder(rule: position, key: key, from: ladder.rung + 1, at: time)
            case .skip: runLadder(rule: position, key: key, from: ladder.rung + 2, at: time)
            case .abort:
                state.rules[rule.id]?.ladders[key] = nil
                ladderEnded(rule: position, ladder: ladder, at: time)
            }
        case .hold?:
            holdEnded(rule: position, key: key, ladder: ladder, at: time)
        case nil:
            state.rules[rule.id]?.ladders[key]?.deadline = nil
        }
    }

    /// An `approval` event (fields rule, target, approved, by, role) for a paused ladder.
    mutating func approval(_ event: DomainEvent, rule position: Int, at time: Date) {
        let rule = rules[position]
        guard event.fields["rule"]?.description == rule.id, let key = event.fields["target"]?.description,
              let ladder = state.rules[rule.id]?.ladders[key], ladder.waiting == .approval,
              case .approve(let approval) = rule.ladder[ladder.rung].action else { return }
        let role = event.fields["role"]?.description
        guard role == nil || role == approval.role else { return }
        let by = event.fields["by"]?.description ?? "unknown"
        // Who answered under which role: a person who gave none is not recorded as holding it.
        let capacity = role.map { "as \($0)" } ?? "no role given; the rung asks for \(approval.role)"
        if event.fields["approved"] == .bool(true) || event.fields["approved"]?.description == "true" {
            emit(rule: position, kind: .approved, target: ladder.target, rung: ladder.rung, evidence: ladder.eventIds + [event.id],
                 reason: "approved by \(by) (\(capacity))", at: time)
            runLadder(rule: position, key: key, from: ladder.rung + 1, at: time)
        } else {
            state.rules[rule.id]?.ladders[key] = nil
            ladderEnded(rule: position, ladder: ladder, at: time)
            emit(rule: position, kind: .approvalRejected, target: ladder.target, rung: ladder.rung, evidence: ladder.eventIds + [event.id],
                 reason: "rejected by \(by) (\(capacity)); the ladder stops", at: time)
        }
    }
}
