import Alerts
import Audit
import CPMS
import DomainEvents
import Foundation
import RuleEngine
import ServiceLog
import VendorCatalog

/// Gates, write-ahead, sending and the offline queue.
extension RemediationExecutor {
    /// The OCPP-neutral command for an action, and the words the record uses for it.
    static func command(for action: DecidedAction, connector: Int?) -> StationCommand? {
        switch action.type {
        case .reset: return .reset(hard: action.resetType == "hard")
        case .disableConnector: return .changeAvailability(evse: connector, operative: false)
        case .enableConnector: return .changeAvailability(evse: connector, operative: true)
        case .unlockConnector: return connector.map { .unlockConnector(evse: $0, connector: 1) }
        case .triggerMessage: return action.message.map { .triggerMessage($0, evse: connector) }
        default: return nil
        }
    }

    static func ocppAction(for action: DecidedAction) -> String {
        switch action.type {
        case .reset: return "Reset"
        case .disableConnector, .enableConnector: return "ChangeAvailability"
        case .unlockConnector: return "UnlockConnector"
        case .triggerMessage: return "TriggerMessage"
        default: return action.type.rawValue
        }
    }

    func execute(_ decision: Decision, action: DecidedAction, decisionId: Int?) async {
        guard let station = decision.target.station, let command = Self.command(for: action, connector: decision.target.connector) else {
            log(.warning, "decision has no station to command", ["rule": decision.rule, "target": decision.target.key])
            return
        }
        let label = action.label
        let base = NewCommand(decisionId: decisionId, rule: decision.rule, station: station, connector: decision.target.connector,
                                           site: decision.target.site, action: action.type.rawValue, argument: action.resetType ?? action.message,
                                           status: .pending, code: action.catalogueEntry, verifyUntil: action.verifyUntil.map(RuleRunner.timestamp),
                                           ruleHash: decision.ruleHash.isEmpty ? nil : decision.ruleHash)
        func audit(_ outcome: String, status: CommandStatus, command: Int?, _ note: String) async {
            let details = command.map {
                CommandTrail.details(command: $0, decision: decisionId, ruleHash: base.ruleHash, status: status.rawValue, note: note,
                                     connector: .some(base.connector))
            } ?? note
            await auditor.record(AuditRecord(kind: "command", actor: "executor", station: station, site: decision.target.site,
                                             rule: decision.rule, action: label, outcome: outcome, details: details))
        }
        if decision.mode == .dryRun {
            var record = base
            record.status = .dryRun
            var inserted: Int?
            do { inserted = try await commandRecords.insertCommand(record, now: now) } catch {
                log(.error, "cannot record a dry-run command", ["station": station, "rule": decision.rule, "error": "\(error)"])
            }
            await audit("dry-run", status: .dryRun, command: inserted, "not sent: the rule is in dry-run mode")
            return
        }
        // Before the gates: a reset that joins one already sent sends nothing, so no budget is
        // spent on it and no gate (the reset budget, say) turns it into a refusal.
        if action.type == .reset, let earlier = await resetToJoin(station: station, hard: action.resetType == "hard") {
            await join(decision, action: action, decisionId: decisionId, station: station, record: base, earlier: earlier)
            return
        }
        if let refusal = await refusal(decision, action: action, station: station) {
            if case .roleLost = refusal.kind {
                log(.error, "command not sent: this node no longer holds the remediation role; stopping its remediation",
                    ["station": station, "rule": decision.rule, "action": action.label])
                await auditor.record(AuditRecord(kind: "system", actor: "executor", station: station, rule: decision.rule,
                                                 action: action.label, outcome: "not sent",
                                                 details: "this node no longer holds the remediation role; the node holding it decides"))
                await roleLost?()
                return
            }
            await refuse(decision, action: action, decisionId: decisionId, station: station, record: base, refusal: refusal)
            return
        }
        let connected = await commands.isReachable(station)
        // Write-ahead: the command is on record (and counts against budgets) before it is sent.
        var record = base
        if !connected {
            record.status = .queued
            record.expiresAt = RuleRunner.timestamp(clock().addingTimeInterval(policy.queueTimeToLive))
        }
        let id: Int
        let entry: @Sendable (Int) -> AuditRecord = { [expiresAt = record.expiresAt, ruleHash = record.ruleHash, connector = record.connector] id in
            let note = connected
                ? decision.reason
                : "\(station) is not connected; held until it reconnects (expires \(expiresAt ?? "-"))"
            let details = CommandTrail.details(command: id, decision: decisionId, ruleHash: ruleHash,
                                               status: connected ? "sending" : CommandStatus.queued.rawValue, note: note, connector: .some(connector))
            return AuditRecord(kind: "command", actor: "executor", station: station, site: decision.target.site,
                               rule: decision.rule, action: label, outcome: connected ? "sending" : "queued", details: details)
        }
        do {
            // The write-ahead record and its audit entry in one transaction.
            guard let inserted = try await commandRecords.insertCommand(record, now: now, audit: auditor.signing(), entry: entry) else {
                log(.info, "decision already acted on", ["decision": String(decisionId ?? 0)])
                return
            }
            id = inserted
        } catch {
            // No record, no command: what is not on record must not go out.
            log(.error, "cannot record a command; not sent", ["station": station, "action": label, "error": "\(error)"])
            await audit("refused", status: .refused, command: nil, "not sent: the command could not be recorded (\(error))")
            report(decision, action: action, status: "Refused", reason: "the command could not be recorded")
            return
        }
        await auditor.written()
        guard connected else { return }
        sendInBackground(id: id, command: command, action: action, decision: decision, decisionId: decisionId)
    }

    /// Sends a recorded command on its own (up to the command timeout), so that neither the rules
    /// nor other stations' commands wait for a slow station; tracked in `inFlight` until it ends.
    func sendInBackground(id: Int, command: StationCommand, action: DecidedAction, decision: Decision, decisionId: Int?) {
        let key = Self.alertKey(rule: decision.rule, target: decision.target.key)
        let send = Task { await self.send(id: id, command: command, action: action, decision: decision, decisionId: decisionId) }
        inFlight[key, default: [:]][id] = send
        Task {
            await send.value
            self.sendFinished(key: key, id: id)
        }
    }

    /// A reset of `station` sent within `resetJoinWindow` that restarts it already, at least as
    /// hard as this one: two ladders of one station (a fault on each connector) would otherwise
    /// reset it twice within moments — the second while it reboots, and against its budget.
    /// Not a safety gate: when the record cannot be read, the reset goes its normal way.
    func resetToJoin(station: String, hard: Bool) async -> CommandRow? {
        let since = RuleRunner.timestamp(clock().addingTimeInterval(-policy.resetJoinWindow))
        do {
            guard let earlier = try await commandReads.recentReset(station: station, since: since),
                  earlier.argument == "hard" || !hard else { return nil }
            // Booted since, the station has done that reset: a fault after it is a new one (a
            // reboot loop is the breaker's to judge, and it counts only resets that went out).
            if let boot = try await reads.station(station)?.lastBoot.flatMap(StoreTime.parse),
               let sent = StoreTime.parse(earlier.createdAt), boot >= sent {
                return nil
            }
            return earlier
        } catch {
            log(.warning, "cannot read recent resets; the reset goes out on its own", ["station": station, "error": "\(error)"])
            return nil
        }
    }

    /// Records a reset as joining `earlier` (not sent), audits it, and tells the rules: its
    /// ladder waits for its verification as the earlier reset's does.
    func join(_ decision: Decision, action: DecidedAction, decisionId: Int?, station: String, record base: NewCommand, earlier: CommandRow) async {
        var record = base
        record.status = .joined
        let earlierTarget = earlier.connector.map { "\(earlier.station)/\($0)" } ?? earlier.station
        record.detail = "joined reset \(earlier.argument ?? "") #\(earlier.id) of \(station) (rule \(earlier.rule), \(earlierTarget), \(earlier.createdAt)): "
            + "one reset restarts every connector"
        var inserted: Int?
        do {
            guard let id = try await commandRecords.insertCommand(record, now: now) else { return }   // delivered twice: handled once
            inserted = id
        } catch {
            log(.error, "cannot record a joined reset", ["station": station, "error": "\(error)"])
        }
        let note = record.detail ?? ""
        let details = inserted.map {
            CommandTrail.details(command: $0, decision: decisionId, ruleHash: record.ruleHash, status: CommandStatus.joined.rawValue, note: note,
                                 connector: .some(record.connector))
        } ?? note
        await auditor.record(AuditRecord(kind: "command", actor: "executor", station: station, site: decision.target.site,
                                         rule: decision.rule, action: action.label, outcome: CommandStatus.joined.rawValue, details: details))
        log(.info, "reset joined an earlier one", ["station": station, "rule": decision.rule, "earlier": String(earlier.id)])
        report(decision, action: action, status: "Joined", reason: note)
        // Still on its way: if it fails, so does this one (`send` tells its ladder).
        if earlier.status == .sent, let inserted {
            joinedResets[earlier.id, default: []].append(KeptCommand(decision: decision, action: action, decisionId: decisionId, command: inserted))
        }
    }

    /// The reset `id` that others joined ended in `status` (not a success): each joined one
    /// ends the same way, on record and for its ladder (which would otherwise wait on, and take
    /// the station's own boot for its reset verified).
    func failJoined(to id: Int, status: CommandStatus, word: String, detail: String?) async {
        guard let joined = joinedResets.removeValue(forKey: id) else { return }
        for item in joined {
            let note = "the reset it joined (#\(id)) was \(status.words)\(detail.map { ": " + $0 } ?? "")"
            await recordKept(item, status, note: note, kind: "outcome", actor: item.decision.target.station ?? "", outcome: status.rawValue)
            report(item.decision, action: item.action, status: word, reason: note, id: "command-\(item.command)-\(status.rawValue)")
        }
    }

    /// Waits for the sends still in flight (at shutdown: the stations are gone, so each ends
    /// at once as not connected), so their outcomes are on the trail before its last checkpoint.
    public func drainInFlight() async {
        let sends = inFlight.values.flatMap(\.values)
        for send in sends { await send.value }
    }

    func sendFinished(key: String, id: Int) {
        inFlight[key]?[id] = nil
        if inFlight[key]?.isEmpty == true { inFlight[key] = nil }
    }

    /// A gate said no. Recorded, audited and reported to the rules at once (the ladder does
    /// not wait for a verification of a command that never went out). A breaker hold pauses
    /// the ladder; a never-reset fault raises one safety alert and takes the faulted connector
    /// out of service instead; an unreadable gate is alerted once.
    func refuse(_ decision: Decision, action: DecidedAction, decisionId: Int?, station: String, record base: NewCommand,
                refusal: CommandRefusal) async {
        var record = base
        var held: Date?
        if case .held(let until) = refusal.kind {
            held = until
            record.status = .held
        } else {
            record.status = .refused
        }
        record.detail = refusal.reason
        var inserted: Int?
        do {
            guard let id = try await commandRecords.insertCommand(record, now: now) else { return }   // delivered twice: handled once
            inserted = id
        } catch {
            log(.error, "cannot record a refused command", ["station": station, "error": "\(error)"])
        }
        let details = inserted.map {
            CommandTrail.details(command: $0, decision: decisionId, ruleHash: record.ruleHash, status: record.status.rawValue, note: refusal.reason,
                                 connector: .some(record.connector))
        } ?? refusal.reason
        await auditor.record(AuditRecord(kind: "command", actor: "executor", station: station, site: decision.target.site,
                                         rule: decision.rule, action: action.label, outcome: record.status.rawValue, details: details))
        log(.warning, held == nil ? "command refused" : "command held",
            ["station": station, "action": action.label, "rule": decision.rule, "why": refusal.reason])
        // A rung without `verify` has moved on by the time the rules hear of the hold: its ladder
        // cannot pause for it, so the command waits here for the hold's end instead of being lost.
        if held != nil, action.verifyUntil == nil, let inserted {
            if heldForRelease.count >= Self.heldForReleaseLimit {
                log(.error, "too many commands held for the end of the fleet hold; the oldest is left held", ["station": heldForRelease[0].decision.target.station ?? ""])
                heldForRelease.removeFirst()
            }
            heldForRelease.append(KeptCommand(decision: decision, action: action, decisionId: decisionId, command: inserted))
        }
        await followRefusal(decision, action: action, station: station, refusal: refusal)
    }

    /// What follows a gate's no, for a command refused when decided or when its station came
    /// back (`sendQueued`): the rules hear of it at once (a refused rung does not wait for its
    /// verification — which the station's own boot or status could otherwise seem to pass),
    /// and the refusal's own consequences follow.
    func followRefusal(_ decision: Decision, action: DecidedAction, station: String, refusal: CommandRefusal) async {
        var held: Date?
        if case .held(let until) = refusal.kind { held = until }
        report(decision, action: action, status: held == nil ? "Refused" : "Held", reason: refusal.reason, until: held)
        switch refusal.kind {
        case .held:
            noteHeld("\(action.label) \(decision.target.key) (rule \(decision.rule))")
            await updateHoldAlert()
        case .gateUnreadable(let gate):
            await reportUnreadable(gate: gate, reason: refusal.reason, station: station, rule: decision.rule)
        case .neverReset(let connector):
            await safetyRefusalAlert(decision, action: action, station: station, reason: refusal.reason)
            let target = decision.target.connector
            if let target, connector == target {
                // The safe alternative: take the faulted connector out of service.
                var disable = DecidedAction(type: .disableConnector, allowDuringSession: false, catalogueEntry: action.catalogueEntry)
                disable.neverReset = true
                var substitute = decision
                substitute.action = disable
                await execute(substitute, action: disable, decisionId: nil)
            }
        case .refused, .roleLost:
            break
        }
    }

    /// One safety page per station and fault when an automatic reset is refused for it.
    func safetyRefusalAlert(_ decision: Decision, action: DecidedAction, station: String, reason: String) async {
        let key = "\(station)|\(reason)"
        guard !refusalsAlerted.contains(key) else { return }
        refusalsAlerted.insert(key)
        if refusalsAlerted.count > 10_000 { refusalsAlerted.removeAll() }
        await raise(AlertRequest(rule: "reset-refused-safety-fault", target: station, station: station, site: decision.target.site,
                                 route: "oncall", severity: .safety, title: "Automatic \(action.label) of \(station) refused: open safety fault",
                                 text: "Rule \(decision.rule) decided \(action.label) for \(decision.target.key); Vigil did not send it: \(reason). A reset does not clear this kind of fault and may re-energise a faulty circuit. Check the station on site; an operator can still reset it by hand with --force and a reason.",
                                 decisionId: nil), outcomeChanged: false)
    }

    /// Tells the rules what became of a command at once, as a `commandResult` event.
    func report(_ decision: Decision, action: DecidedAction, status: String, reason: String?, until: Date? = nil, id: String? = nil) {
        guard let station = decision.target.station else { return }
        var fields: [String: FieldValue] = ["action": .string(Self.ocppAction(for: action)), "status": .string(status),
                                            "rule": .string(decision.rule), "detail": .string(action.label),
                                            "target": .string(decision.target.key)]
        if let rung = decision.rung { fields["rung"] = .number(Double(rung)) }
        if let reason { fields["reason"] = .string(reason) }
        if let until { fields["until"] = .string(RuleRunner.timestamp(until)) }
        feedback(DomainEvent(id: id ?? "command-\(RandomIdentifier.make())-\(status)", kind: .commandResult, time: clock(),
                             station: station, connector: decision.target.connector, site: decision.target.site, fields: fields))
    }

    /// Sends a recorded command and records what became of it.
    func send(id: Int, command: StationCommand, action: DecidedAction, decision: Decision, decisionId: Int?) async {
        let station = decision.target.station ?? "", site = decision.target.site, rule = decision.rule
        let started = ContinuousClock.now
        let outcome = await commands.send(command, to: station)
        let (status, word, detail): (CommandStatus, String, String?) = {
            switch outcome {
            case .accepted: return (.accepted, "Accepted", nil)
            case .scheduled: return (.scheduled, "Scheduled", "takes effect after the running session; pending, not yet success")
            case .rejected(let why): return (.rejected, "Rejected", why)
            case .timedOut: return (.timedOut, "TimedOut", "no answer within the command timeout")
            case .notConnected: return (.notConnected, "NotConnected", "the station went away before it answered")
            case .failed(let why): return (.failed, "Failed", why)
            }
        }()
        let elapsed = ContinuousClock.now - started
        do {
            try await commandRecords.updateCommand(id: id, status: status, detail: detail, sent: true, finished: true, now: now)
        } catch {
            log(.error, "cannot record a command's outcome", ["station": station, "command": String(id), "error": "\(error)"])
        }
        await auditor.record(AuditRecord(kind: "outcome", actor: station, station: station, site: site, rule: rule, action: action.label,
                                         outcome: status.rawValue,
                                         details: CommandTrail.details(command: id, decision: decisionId, ruleHash: decision.ruleHash, status: status.rawValue,
                                                                       note: "answered \(word) in \(Self.milliseconds(elapsed))\(detail.map { ": " + $0 } ?? "")")))
        log(status == .accepted || status == .scheduled ? .info : .warning, "command outcome",
            ["station": station, "action": action.label, "outcome": status.rawValue, "rule": rule])
        report(decision, action: action, status: word, reason: detail, id: "command-\(id)-\(status.rawValue)")
        if status == .accepted || status == .scheduled { joinedResets[id] = nil } else {
            await failJoined(to: id, status: status, word: word, detail: detail)
        }
        await outcomeChanged(rule: rule, target: decision.target.key)
    }

    /// A station (re)connected: send what waited for it, in order, unless it expired.
    /// Each goes through the gates again first: what was safe when it was queued may not be now.
    func sendQueued(to station: String) async {
        let queued: [CommandRow]
        do {
            queued = try await commandRecords.queuedCommands(station: station)
        } catch {
            log(.error, "cannot read the offline queue; nothing sent from it", ["station": station, "error": "\(error)"])
            return
        }
        for row in queued {
            guard let type = ActionType(rawValue: row.action) else { continue }
            let action = DecidedAction(type: type, resetType: type == .reset ? row.argument : nil,
                                       message: type == .triggerMessage ? row.argument : nil, catalogueEntry: row.code)
            guard let command = Self.command(for: action, connector: row.connector) else { continue }
            // Claimed before the gates (they await reads, and the actor runs other work meanwhile):
            // the expiry cannot take it and a new reset's budget check counts it.
            do {
                guard try await commandRecords.claimQueued(id: row.id, now: now) else { continue }
            } catch {
                log(.error, "cannot claim a queued command; not sent", ["station": station, "command": String(row.id), "error": "\(error)"])
                continue
            }
            let target = RuleTarget(key: row.connector.map { "\(station)/\($0)" } ?? station, station: station, connector: row.connector, site: row.site)
            let decision = Decision(time: clock(), rule: row.rule, ruleHash: row.ruleHash ?? "", mode: .enforce, kind: .act, target: target, action: action,
                                    eventIds: [], reason: "queued command #\(row.id)")
            if let refusal = await refusal(decision, action: action, station: station, command: row.id) {
                if case .roleLost = refusal.kind {   // back to queued: the node holding the role sends it
                    do {
                        try await commandRecords.updateCommand(id: row.id, status: .queued, detail: "left queued: this node no longer holds the remediation role",
                                                               now: now)
                    } catch {
                        log(.error, "cannot put a claimed command back in the queue", ["station": station, "command": String(row.id), "error": "\(error)"])
                    }
                    await roleLost?()
                    return
                }
                var status = CommandStatus.refused
                if case .held = refusal.kind { status = .held }
                do { try await commandRecords.updateCommand(id: row.id, status: status, detail: refusal.reason, finished: true, now: now) } catch {
                    log(.error, "cannot record a refused queued command", ["station": station, "error": "\(error)"])
                }
                await auditor.record(AuditRecord(kind: "command", actor: "executor", station: station, site: row.site, rule: row.rule,
                                                 action: action.label, outcome: status.rawValue,
                                                 details: CommandTrail.details(command: row.id, decision: row.decisionId, ruleHash: row.ruleHash,
                                                                               status: status.rawValue, note: "queued, not sent: \(refusal.reason)")))
                log(.warning, status == .held ? "queued command held" : "queued command refused",
                    ["station": station, "action": action.label, "rule": row.rule, "why": refusal.reason])
                // The rules match the outcome to the ladder's rung, which the decision recorded.
                var decided = decision
                if let decisionId = row.decisionId {
                    do { decided.rung = try await decisionRecords.rung(ofDecision: decisionId) } catch {
                        log(.error, "cannot read a queued command's rung; its ladder learns of the refusal by its deadline",
                            ["station": station, "command": String(row.id), "error": "\(error)"])
                    }
                }
                await followRefusal(decided, action: action, station: station, refusal: refusal)
                continue
            }
            // Through the gates: only now is it on its way (an entry saying `sending` for one a gate
            // then refused would be a record of a send that never happened).
            do {
                try await commandRecords.updateCommand(id: row.id, status: .pending, detail: "sending after the station reconnected", now: now)
            } catch {
                log(.error, "cannot record a queued command's send; not sent", ["station": station, "command": String(row.id), "error": "\(error)"])
                continue
            }
            await auditor.record(AuditRecord(kind: "command", actor: "executor", station: station, site: row.site, rule: row.rule,
                                             action: action.label, outcome: "sending",
                                             details: CommandTrail.details(command: row.id, decision: row.decisionId, ruleHash: row.ruleHash,
                                                                           status: "sending", note: "sending after the station reconnected")))
            await send(id: row.id, command: command, action: action, decision: decision, decisionId: row.decisionId)
        }
    }

    /// Expires queued commands every `interval` until cancelled (stations that never came back).
    public func expireQueue(every interval: Duration) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }
            await expireQueue()
        }
    }

    /// Marks queued commands past their time to live as expired, on record.
    public func expireQueue() async {
        let expired: [CommandRow]
        do { expired = try await commandRecords.expireQueuedCommands(now: now) } catch {
            log(.error, "cannot expire queued commands", ["error": "\(error)"])
            return
        }
        for row in expired {
            await auditor.record(AuditRecord(kind: "command", actor: "executor", station: row.station, site: row.site, rule: row.rule,
                                             action: row.action + (row.argument.map { " " + $0 } ?? ""), outcome: CommandStatus.expired.rawValue,
                                             details: CommandTrail.details(command: row.id, decision: row.decisionId, ruleHash: row.ruleHash,
                                                                           status: CommandStatus.expired.rawValue,
                                                                           note: "\(row.station) did not reconnect before the command expired")))
        }
    }

    /// "32.4 ms": how long a station took to answer, for the record (to a tenth of a millisecond).
    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let tenths = seconds * 10_000 + attoseconds / 100_000_000_000_000
        return "\(tenths / 10).\(tenths % 10) ms"
    }
}
