import Alerts
import Audit
import CPMS
import Foundation
import RuleEngine
import ServiceLog
import VendorCatalog

/// Why a command may not go out now. Checked here, whatever a rule, a template or a typo says.
/// With several nodes the first gate is the remediation role itself (`roleCheck`).
struct CommandRefusal: Sendable {
    enum Kind: Sendable {
        /// A gate said no (kill switch, maintenance, live session, budget, reboot loop).
        case refused
        /// The station has a fault open that is never reset automatically.
        case neverReset(connector: Int)
        /// A breaker holds every automatic state-changing command until `until`.
        case held(until: Date)
        /// A gate could not read its state: the command is not sent (fail closed).
        case gateUnreadable(gate: String)
        /// Several nodes: this node no longer holds the remediation role. Nothing is recorded
        /// as the command's outcome (that would move the new deciding node's ladder on).
        case roleLost
    }

    var kind: Kind
    var reason: String
}

/// The gates, each failing closed: a gate that cannot read its state refuses the command,
/// and that is logged, audited and alerted once per gate until it reads again.
extension RemediationExecutor {
    /// `command`: the record of a command decided on again (queued, held), already `pending`:
    /// not counted against its own budget.
    func refusal(_ decision: Decision, action: DecidedAction, station: String, command: Int? = nil) async -> CommandRefusal? {
        let time = clock()
        do {
            if let roleCheck, !(try await readGate("cluster role", roleCheck)) {
                return CommandRefusal(kind: .roleLost, reason: "this node no longer holds the remediation role")
            }
            if action.onSupersededReport == true, action.type.changesState {
                return CommandRefusal(kind: .refused, reason: "decided on a status report the charger queued while offline and sent after a "
                                      + "newer one: it is not the connector's state now")
            }
            if try await readGate("kill switch", { try await self.settingsReads.setting(Self.killSwitchKey) }) == "true" {
                return CommandRefusal(kind: .refused, reason: "the kill switch is on (vigil remediation resume turns it off)")
            }
            let site = decision.target.site
            if policy.maintenance.contains(where: { $0.from <= time && time < $0.to && ($0.station == nil || $0.station == station)
                && ($0.site == nil || $0.site == site) }) {
                return CommandRefusal(kind: .refused, reason: "a maintenance window is open for \(station)")
            }
            if action.type == .reset, let refusal = try await neverResetRefusal(action: action, station: station,
                                                                                 connector: decision.target.connector) {
                return refusal
            }
            if let refusal = try await serviceRefusal(action, station: station, connector: decision.target.connector) {
                return refusal
            }
            if action.type.changesState, let until = try await fleetHold(at: time),
               !(try await failsSafe(action, station: station, connector: decision.target.connector)) {
                return CommandRefusal(kind: .held(until: until),
                                      reason: "the fleet breaker holds every automatic command until \(RuleRunner.timestamp(until))")
            }
            let disturbs: Set<ActionType> = [.reset, .disableConnector, .unlockConnector]
            if disturbs.contains(action.type), !action.allowDuringSession {
                // Connector 0 is the station itself: every connector's sessions count.
                let evse = action.type == .reset || (decision.target.connector ?? 0) == 0 ? nil : decision.target.connector
                if try await readGate("live session", { try await self.reads.hasActiveSession(station: station, evse: evse) }) {
                    return CommandRefusal(kind: .refused, reason: "a transaction is active and the rule does not allow this during a session")
                }
            }
            if action.type == .reset {
                if let until = heldStations[station], until > time {
                    return CommandRefusal(kind: .refused, reason: "the reboot-loop breaker holds resets of \(station) until \(RuleRunner.timestamp(until))")
                }
                if let until = try await readGate("reboot-loop breaker", { try await self.settingsReads.setting("breaker.\(station)") }),
                   let date = RuleRunner.parseTimestamp(until), date > time {
                    return CommandRefusal(kind: .refused, reason: "the reboot-loop breaker holds resets of \(station) until \(until)")
                }
                let since = RuleRunner.timestamp(time.addingTimeInterval(-policy.resetWindow))
                let sent = try await readGate("reset budget", {
                    try await self.commandReads.commandCount(station: station, actionPrefix: "reset", since: since, excluding: command)
                })
                if sent >= policy.maxResetsPerStation {
                    return CommandRefusal(kind: .refused,
                                          reason: "\(station) had \(sent) resets within \(Int(policy.resetWindow / 3_600)) h (limit \(policy.maxResetsPerStation))")
                }
            }
        } catch let failure as GateUnreadable {
            return CommandRefusal(kind: .gateUnreadable(gate: failure.gate),
                                  reason: "the \(failure.gate) gate cannot read its state (\(failure.error)); failing closed: not sent")
        } catch {
            return CommandRefusal(kind: .gateUnreadable(gate: "unknown"), reason: "a gate failed (\(error)); failing closed: not sent")
        }
        return nil
    }

    /// A gate's read; a failure becomes `GateUnreadable` naming the gate.
    func readGate<T: Sendable>(_ gate: String, _ read: @Sendable () async throws -> T) async throws -> T {
        do {
            let value = try await read()
            unreadableGates.remove(gate)
            return value
        } catch {
            throw GateUnreadable(gate: gate, error: "\(error)")
        }
    }

    /// A reset of a station with a never-reset fault open on any connector (or a decision
    /// that already names one) is refused. The open faults come from the store and are
    /// classed with the vendor catalogue; a fault that cannot be classed (no catalogue) counts
    /// as never-reset: fail closed.
    func neverResetRefusal(action: DecidedAction, station: String, connector: Int?) async throws -> CommandRefusal? {
        if action.neverReset == true || action.catalogueSeverity == "safety" {
            return CommandRefusal(kind: .neverReset(connector: connector ?? 0),
                                  reason: "\(action.catalogueEntry ?? "the fault") is never reset automatically (vendor catalogue)")
        }
        guard let (fault, name) = try await neverResetFault(station: station) else { return nil }
        return CommandRefusal(kind: .neverReset(connector: fault.evse),
                              reason: NeverResetCheck.describe(station: station, fault: fault, entry: name) + ": never reset automatically")
    }

    /// Availability changes that would make things worse, whatever a rule says: a disable that
    /// names no connector takes the whole station out of service — sent automatically only while
    /// a safety (never-reset) fault is open on it, where that fails safe; and an enable never puts
    /// back in service a connector (or, naming none, a station) with a safety fault open.
    func serviceRefusal(_ action: DecidedAction, station: String, connector: Int?) async throws -> CommandRefusal? {
        let target = connector ?? 0
        switch action.type {
        case .disableConnector where target == 0:
            if action.neverReset == true || action.catalogueSeverity == "safety" { return nil }
            guard try await neverResetFaults(station: station).isEmpty else { return nil }
            return CommandRefusal(kind: .refused, reason: "the disable names no connector, so it would take all of \(station) out of service; "
                                  + "Vigil does that automatically only while a safety fault is open on the station")
        case .enableConnector:
            guard let (fault, entry) = try await neverResetFaults(station: station).first(where: { target == 0 || $0.0.evse == 0 || $0.0.evse == target })
            else { return nil }
            return CommandRefusal(kind: .refused, reason: "an enable would put \(target == 0 ? station : "\(station) connector \(target)") back in service while "
                                  + NeverResetCheck.describe(station: station, fault: fault, entry: entry))
        default:
            return nil
        }
    }

    /// Every open fault of `station` that must never be reset automatically.
    func neverResetFaults(station: String) async throws -> [(StationStore.OpenFault, String)] {
        let check = NeverResetCheck(store: reads, catalog: catalog)
        return try await readGate("open faults", { try await check.openFaults(station: station) })
    }

    /// The first open fault of `station` that must never be reset automatically.
    func neverResetFault(station: String) async throws -> (StationStore.OpenFault, String)? {
        let check = NeverResetCheck(store: reads, catalog: catalog)
        return try await readGate("open faults", { try await check.openFault(station: station) })
    }

    /// Taking a connector with a never-reset fault out of service fails safe: no breaker holds it.
    /// (A disable of the whole station — no connector, or 0 — fails safe while a never-reset
    /// fault is open anywhere on it, as `serviceRefusal` lets it out.)
    func failsSafe(_ action: DecidedAction, station: String, connector: Int?) async throws -> Bool {
        guard action.type == .disableConnector else { return false }
        if action.neverReset == true || action.catalogueSeverity == "safety" { return true }
        let faults = try await neverResetFaults(station: station)
        guard let connector, connector > 0 else { return !faults.isEmpty }
        return faults.contains { $0.0.evse == connector }
    }

    /// A gate that could not read: logged and audited every time, alerted once per gate
    /// until it reads again.
    func reportUnreadable(gate: String, reason: String, station: String, rule: String) async {
        log(.error, "safety gate cannot read its state; command not sent", ["gate": gate, "station": station, "rule": rule, "why": reason])
        guard !unreadableGates.contains(gate) else { return }
        unreadableGates.insert(gate)
        await alerts.raise(AlertRequest(rule: "gate-unreadable", target: gate, station: nil, site: nil, route: "oncall", severity: .critical,
                                  title: "Vigil's \(gate) gate cannot read its state",
                                  text: "\(reason). Every automatic command that needs this gate is refused until it reads again (first refused: \(station), rule \(rule)). Check the database and Vigil's log.",
                                  decisionId: nil))
    }
}

/// A gate's read failed.
struct GateUnreadable: Error {
    var gate: String
    var error: String
}
