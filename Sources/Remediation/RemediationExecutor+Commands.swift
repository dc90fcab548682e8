import Alerts
import Audit
import CPMS
import DomainEvents
import Foundation
import RuleEngine

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

    /// Why a command must not go out now, checked here whatever the rule said; nil when it may.
    func refusal(_ decision: Decision, action: DecidedAction, station: String) async -> String? {
        if (try? await store.setting(Self.killSwitchKey)) == "true" {
            return "the kill switch is on (vigil remediation resume turns it off)"
        }
        let site = decision.target.site
        let time = clock()
        if policy.maintenance.contains(where: { $0.from <= time && time < $0.to && ($0.station == nil || $0.station == station)
            && ($0.site == nil || $0.site == site) }) {
            return "a maintenance window is open for \(station)"
        }
        if action.type == .reset && action.catalogueSeverity == "safety" {
            return "\(action.catalogueEntry ?? "the fault") is a safety fault: never reset automatically"
        }
        let disturbs: Set<ActionType> = [.reset, .disableConnector, .unlockConnector]
        if disturbs.contains(action.type), !action.allowDuringSession,
           (try? await store.hasActiveSession(station: station, evse: action.type == .reset ? nil : decision.target.connector)) == true {
            return "a transaction is active and the rule does not allow this during a session"
        }
        if action.type == .reset {
            if let until = try? await store.setting("breaker.\(station)"), let date = RuleRunner.parseTimestamp(until), date > time {
                return "the reboot-loop breaker holds resets of \(station) until \(until)"
            }
            if let until = fleetHaltedUntil, until > time {
                return "the fleet breaker holds automatic resets until \(RuleRunner.timestamp(until))"
            }
            let since = RuleRunner.timestamp(time.addingTimeInterval(-policy.resetWindow))
            let sent = (try? await store.commandCount(station: station, actionPrefix: "reset", since: since)) ?? 0
            if sent >= policy.maxResetsPerStation {
                return "\(station) had \(sent) resets within \(Int(policy.resetWindow / 3_600)) h (limit \(policy.maxResetsPerStation))"
            }
        }
        return nil
    }

    func execute(_ decision: Decision, action: DecidedAction, decisionId: Int?) async {
        guard let station = decision.target.station, let command = Self.command(for: action, connector: decision.target.connector) else {
            log("warning", "decision has no station to command", ["rule": decision.rule, "target": decision.target.key])
            return
        }
        let label = action.label
        let base = StationStore.NewCommand(decisionId: decisionId, rule: decision.rule, station: station, connector: decision.target.connector,
                                           site: decision.target.site, action: action.type.rawValue, argument: action.resetType ?? action.message,
                                           status: "pending", code: action.catalogueEntry)
        func audit(_ outcome: String, _ details: String) async {
            await auditor.record(AuditRecord(kind: "command", actor: "executor", station: station, site: decision.target.site,
                                             rule: decision.rule, action: label, outcome: outcome, details: details))
        }
        if decision.mode == .dryRun {
            var record = base
            record.status = "dryRun"
            _ = try? await store.insertCommand(record, now: now)
            await audit("dry-run", "not sent: the rule is in dry-run mode")
            return
        }
        if let reason = await refusal(decision, action: action, station: station) {
            var record = base
            record.status = "refused"
            record.detail = reason
            guard (try? await store.insertCommand(record, now: now)) != nil else { return }
            await audit("refused", reason)
            log("warning", "command refused", ["station": station, "action": label, "rule": decision.rule, "why": reason])
            if action.type == .reset && action.catalogueSeverity == "safety", decision.target.connector != nil {
                // The safe alternative for a safety fault: take the connector out of service.
                var disable = DecidedAction(type: .disableConnector, allowDuringSession: false, catalogueEntry: action.catalogueEntry)
                disable.catalogueSeverity = "safety"
                var substitute = decision
                substitute.action = disable
                await execute(substitute, action: disable, decisionId: nil)
            }
            return
        }
        // Write-ahead: the command is on record (and counts against budgets) before it is sent.
        let connected = await commands.connections.connection(for: station) != nil
        var record = base
        if !connected {
            record.status = "queued"
            record.expiresAt = RuleRunner.timestamp(clock().addingTimeInterval(policy.queueTimeToLive))
        }
        guard let id = try? await store.insertCommand(record, now: now) else {
            log("info", "decision already acted on", ["decision": String(decisionId ?? 0)])
            return
        }
        guard connected else {
            await audit("queued", "#\(id): \(station) is not connected; held until it reconnects (expires \(record.expiresAt ?? "-"))")
            return
        }
        await audit("sending", "#\(id) for decision \(decisionId.map(String.init) ?? "-"): \(decision.reason)")
        // The send (up to the command timeout) runs on its own, so that neither the rules nor
        // other stations' commands wait for a slow station; the record above is already durable.
        let site = decision.target.site, connector = decision.target.connector, rule = decision.rule
        Task { await self.send(id: id, command: command, action: action, rule: rule, station: station, site: site, connector: connector) }
    }

    /// Sends a recorded command and records what became of it.
    func send(id: Int, command: StationCommand, action: DecidedAction, rule: String, station: String, site: String?, connector: Int?) async {
        let started = ContinuousClock.now
        let outcome = await commands.send(command, to: station)
        let (status, word, detail): (String, String, String?) = {
            switch outcome {
            case .accepted: return ("accepted", "Accepted", nil)
            case .scheduled: return ("scheduled", "Scheduled", "takes effect after the running session; pending, not yet success")
            case .rejected(let why): return ("rejected", "Rejected", why)
            case .timedOut: return ("timedOut", "TimedOut", "no answer within the command timeout")
            case .notConnected: return ("queued", "NotConnected", "the station went away; queued until it reconnects")
            case .failed(let why): return ("failed", "Failed", why)
            }
        }()
        let elapsed = ContinuousClock.now - started
        var expiry: String?
        if status == "queued" { expiry = RuleRunner.timestamp(clock().addingTimeInterval(policy.queueTimeToLive)) }
        try? await store.updateCommand(id: id, status: status, detail: detail ?? expiry.map { "expires \($0)" }, sent: true,
                                       finished: status != "queued", now: now)
        if let expiry { try? await store.setCommandExpiry(id: id, expiry) }
        await auditor.record(AuditRecord(kind: "outcome", actor: station, station: station, site: site, rule: rule, action: action.label,
                                         outcome: status, details: "#\(id) answered \(word) in \(elapsed)\(detail.map { ": " + $0 } ?? "")"))
        log(status == "accepted" || status == "scheduled" ? "info" : "warning", "command outcome",
            ["station": station, "action": action.label, "outcome": status, "rule": rule])
        feedback(DomainEvent(id: "command-\(id)-\(status)", kind: .commandResult, time: clock(), station: station, connector: connector,
                             site: site, fields: ["action": .string(Self.ocppAction(for: action)), "status": .string(word),
                                                  "rule": .string(rule), "detail": .string(action.label)]))
        if status == "rejected" && action.type == .reset {
            // A refused reset is escalated to a person, not retried blindly.
            await alerts(AlertRequest(rule: rule, target: connector.map { "\(station)/\($0)" } ?? station, station: station, site: site,
                                      route: "oncall", severity: "major", title: "\(station) refused a \(action.label)",
                                      text: "\(station) answered \(detail ?? "Rejected") to a \(action.label) sent by rule \(rule). No further automatic reset is tried; check the station.",
                                      decisionId: nil))
        }
    }

    /// A station (re)connected: send what waited for it, in order, unless it expired.
    public func stationConnected(_ station: String) async {
        _ = try? await store.expireQueuedCommands(now: now)
        guard let queued = try? await store.queuedCommands(station: station), !queued.isEmpty else { return }
        for row in queued {
            guard let type = ActionType(rawValue: row.action) else { continue }
            let action = DecidedAction(type: type, resetType: type == .reset ? row.argument : nil,
                                       message: type == .triggerMessage ? row.argument : nil, catalogueEntry: row.code)
            guard let command = Self.command(for: action, connector: row.connector) else { continue }
            try? await store.updateCommand(id: row.id, status: "pending", detail: "sending after the station reconnected", now: now)
            await send(id: row.id, command: command, action: action, rule: row.rule, station: station, site: row.site, connector: row.connector)
        }
    }

    /// Marks queued commands past their time to live as expired, on record.
    public func expireQueue() async {
        guard let expired = try? await store.expireQueuedCommands(now: now) else { return }
        for row in expired {
            await auditor.record(AuditRecord(kind: "command", actor: "executor", station: row.station, site: row.site, rule: row.rule,
                                             action: row.action + (row.argument.map { " " + $0 } ?? ""), outcome: "expired",
                                             details: "#\(row.id): \(row.station) did not reconnect before the command expired"))
        }
    }
}
