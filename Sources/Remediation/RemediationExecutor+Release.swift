import Audit
import CPMS
import DomainEvents
import Foundation
import RuleEngine

/// A command the executor keeps in memory for later, with what decided it: one the fleet
/// breaker held that its ladder could not pause for (a rung without `verify` moves on at once,
/// so by the time the rules hear `Held` the ladder is past it), decided at the hold's end
/// (`releaseHeld`); or a reset that joined one still on its way (`failJoined`).
struct KeptCommand: Sendable {
    var decision: Decision
    var action: DecidedAction
    var decisionId: Int?
    /// Its record.
    var command: Int
}

extension RemediationExecutor {
    /// At most this many commands wait for a hold's end (a storm of a very large fleet); beyond
    /// it the oldest stays held, on record.
    static let heldForReleaseLimit = 10_000

    /// Records what became of a kept command: its row (finished, unless it waits on: pending or
    /// queued) and its audit entry.
    func recordKept(_ item: KeptCommand, _ status: CommandStatus, note: String, kind: String, actor: String, outcome: String) async {
        let station = item.decision.target.station ?? ""
        let finished = status != .pending && status != .queued
        do { try await commandRecords.updateCommand(id: item.command, status: status, detail: note, finished: finished, now: now) } catch {
            log(.error, "cannot record a kept command's outcome", ["station": station, "command": String(item.command), "error": "\(error)"])
        }
        await auditor.record(AuditRecord(kind: kind, actor: actor, station: station, site: item.decision.target.site,
                                         rule: item.decision.rule, action: item.action.label, outcome: outcome,
                                         details: CommandTrail.details(command: item.command, decision: item.decisionId,
                                                                       ruleHash: item.decision.ruleHash.isEmpty ? nil : item.decision.ruleHash,
                                                                       status: status.rawValue, note: note)))
    }

    /// The hold is over: each command kept for it is sent — unless its connector has reported a
    /// status in service since (the fault it was for is gone, as a paused ladder would find),
    /// or a gate refuses it now. A store that cannot be read sends nothing (fails closed).
    func releaseHeld() async {
        let held = heldForRelease
        heldForRelease = []
        for item in held {
            let station = item.decision.target.station ?? ""
            func record(_ status: CommandStatus, _ note: String, outcome: String) async {
                await recordKept(item, status, note: note, kind: "command", actor: "executor", outcome: outcome)
            }
            if let connector = item.decision.target.connector, connector > 0 {
                let statuses: [ConnectorStatus]
                do {
                    statuses = try await reads.station(station)?.connectors.filter { $0.evse == connector }.map(\.status) ?? []
                } catch {
                    await record(.refused, "held until the fleet hold ended; not sent: the connector's status cannot be read (\(error))", outcome: "refused")
                    continue
                }
                if !statuses.isEmpty, statuses.allSatisfy({ !$0.isOutOfService }) {
                    await record(.held, "held until the fleet hold ended; not sent: the connector reported \(statuses[0].rawValue) since", outcome: "held")
                    continue
                }
            }
            guard let command = Self.command(for: item.action, connector: item.decision.target.connector) else { continue }
            if let refusal = await refusal(item.decision, action: item.action, station: station) {
                if case .roleLost = refusal.kind {
                    await roleLost?()
                    return
                }
                if case .held = refusal.kind {   // a new hold began: it waits for that one's end
                    heldForRelease.append(item)
                    await record(.held, "held again: \(refusal.reason)", outcome: "held")
                    continue
                }
                await record(.refused, "held until the fleet hold ended; not sent: \(refusal.reason)", outcome: "refused")
                await followRefusal(item.decision, action: item.action, station: station, refusal: refusal)
                continue
            }
            // Offline now: it waits for the station like any command for an offline station (and,
            // never sent, it is not spent against the reset budget).
            guard await commands.isReachable(station) else {
                await record(.queued, "held until the fleet hold ended; \(station) is not connected: queued until it reconnects", outcome: "queued")
                do {
                    try await commandRecords.setCommandExpiry(id: item.command,
                                                              RuleRunner.timestamp(clock().addingTimeInterval(policy.queueTimeToLive)))
                } catch {
                    log(.error, "cannot set a queued command's expiry", ["station": station, "command": String(item.command), "error": "\(error)"])
                }
                continue
            }
            await record(.pending, "sending: the fleet hold ended and the connector is still out of service", outcome: "sending")
            sendInBackground(id: item.command, command: command, action: item.action, decision: item.decision, decisionId: item.decisionId)
        }
    }
}
