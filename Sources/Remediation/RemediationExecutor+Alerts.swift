import Alerts
import Audit
import CPMS
import DomainEvents
import Foundation
import RuleEngine
import VendorCatalog

/// Alerts decided by rules, written once the station has answered what Vigil sent, with the
/// facts on-call needs (model, site, whether the connector is still live, what was tried and
/// how the station answered), and updated when an outcome changes afterwards.
extension RemediationExecutor {
    static func alertKey(rule: String, target: String) -> String { "\(rule)|\(target)" }

    /// The events whose pages a fleet hold never folds: fraud and security.
    static let neverFoldedTriggers: Set<EventKind> = [.fraudSuspected, .authorizationRejected, .securityEvent]

    func alert(_ decision: Decision, action: DecidedAction, decisionId: Int?) async {
        // A page about a fault the catalogue classes as safety is a safety page, whatever
        // severity the rule gave it: a route's minimum severity must not filter it away.
        let ruled = action.severity.flatMap(Severity.init(rawValue:)) ?? .major
        let severity = action.catalogueSeverity == Severity.safety.rawValue ? Severity.safety : ruled
        let request = AlertRequest(rule: decision.rule, target: decision.target.key, station: decision.target.station,
                                   site: decision.target.site, route: action.route ?? "oncall", severity: severity,
                                   title: action.title ?? decision.rule, text: action.text ?? decision.reason, decisionId: decisionId)
        if decision.mode == .dryRun {
            await auditor.record(AuditRecord(kind: "alert", actor: "executor", station: request.station, site: request.site,
                                             rule: request.rule, action: "alert \(request.route)", outcome: "dry-run", details: request.title))
            return
        }
        // While the fleet breaker holds, pages about stations' health fold into its one grouped
        // alert — not safety pages (by the rule's severity, or by the catalogue's for the fault),
        // not pages about a never-reset fault (a careless `minor` must not fold a ground fault
        // away, whatever severity the catalogue gives it), and not fraud or security ones:
        // a fault storm says nothing about a stolen card, and those pages go to their own route.
        if let until = fleetHaltedUntil, until > clock(), request.severity != .safety, action.neverReset != true,
           !Self.neverFoldedTriggers.contains(action.trigger ?? .statusChanged) {
            noteHeld("alert \"\(request.title)\" (rule \(request.rule))")
            await auditor.record(AuditRecord(kind: "alert", actor: "executor", station: request.station, site: request.site,
                                             rule: request.rule, action: "alert \(request.route)", outcome: "held",
                                             details: "folded into the fleet breaker's alert until \(RuleRunner.timestamp(until)): \(request.title)"))
            await updateHoldAlert()
            return
        }
        let key = Self.alertKey(rule: decision.rule, target: decision.target.key)
        let waiting = Array((inFlight[key] ?? [:]).values)
        guard !waiting.isEmpty else {
            await raise(request, outcomeChanged: false)
            return
        }
        // Written once the station has answered what this ladder sent (each send has a timeout).
        Task {
            for send in waiting { await send.value }
            await self.raise(request, outcomeChanged: false)
        }
    }

    /// Raises (or updates) an alert with the station's facts and what was tried appended.
    func raise(_ base: AlertRequest, outcomeChanged: Bool) async {
        var request = base
        raisedAlerts[Self.alertKey(rule: base.rule, target: base.target)] = base
        if raisedAlerts.count > 10_000 { raisedAlerts.removeAll() }
        if let station = base.station {
            let (vendor, facts) = await stationFacts(station: station, target: base.target, rule: base.rule)
            request.vendor = vendor
            request.text += facts
        }
        request.outcomeChanged = outcomeChanged
        await alerts.raise(request)
    }

    /// A command's outcome arrived after its ladder's alert went out: the alert is updated.
    func outcomeChanged(rule: String, target: String) async {
        guard let base = raisedAlerts[Self.alertKey(rule: rule, target: target)] else { return }
        await raise(base, outcomeChanged: true)
    }

    /// "Station: model, site. Connector: live or not. Commands sent: what Vigil sent and the answers."
    func stationFacts(station: String, target: String, rule: String) async -> (vendor: String?, text: String) {
        let connector = target.split(separator: "/").dropFirst().first.flatMap { Int($0) }
        var text = ""
        var vendor: String?
        do {
            let record = try await store.station(station)
            vendor = record?.vendor
            let model = [record?.vendor, record?.model].compactMap { $0 }.joined(separator: " ")
            text += "\nStation: \(station)\(model.isEmpty ? "" : ", \(model)"), site \(record?.site ?? "not set")"
                + ((record?.isOnline ?? false) ? ", online." : ", offline.")
            if let connector, let live = record?.connectors.first(where: { $0.evse == connector }) {
                let outOfService = live.status.isOutOfService
                text += " Connector \(connector): \(live.status)"
                    + (outOfService ? " — not usable by drivers now." : " — still live: drivers can start sessions on it.")
            }
            let sent = try await commandRecords.commands(station: station, limit: 50)
                .filter { $0.rule == rule && (connector == nil || $0.connector == connector) }.suffix(5)
            if !sent.isEmpty {
                text += "\nCommands sent: " + sent.map { row in
                    let verdict = row.verified.map { $0 ? ", worked" : ", did not help" } ?? ""
                    let why = row.status.isSetback ? row.detail.map { " (\($0))" } ?? "" : ""
                    return "\(row.action)\(row.argument.map { " " + $0 } ?? "") at \(row.createdAt) → \(row.status.rawValue)\(why)\(verdict)"
                }.joined(separator: "; ")
            }
        } catch {
            text += "\n(Vigil could not read the station's record for this alert: \(error).)"
        }
        return (vendor, text)
    }
}
