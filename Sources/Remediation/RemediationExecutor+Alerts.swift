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
        let reportsDisable = action.reportsDisable == true
        guard !waiting.isEmpty else {
            await raise(reportsDisable ? await disableReported(request) : request, outcomeChanged: false)
            return
        }
        // Written once the station has answered what this ladder sent (each send has a timeout).
        Task {
            for send in waiting { await send.value }
            await self.raise(reportsDisable ? await self.disableReported(request) : request, outcomeChanged: false)
        }
    }

    /// The "taken out of service by Vigil" page, worded by what became of the ladder's disable:
    /// one a gate refused, the station rejected or that never reached it did not take the
    /// connector out of service, and the page must not say it did.
    func disableReported(_ request: AlertRequest) async -> AlertRequest {
        guard let station = request.station else { return request }
        // An unreadable record leaves the page as the engine worded it: this is a page's
        // wording, not a gate (the footer lists the commands when they can be read).
        let connector = request.target.split(separator: "/").dropFirst().first.flatMap { Int($0) }
        guard let last = try? await commandRecords.commands(station: station, limit: 50)
            .last(where: { $0.rule == request.rule && $0.action == "disableConnector" && $0.connector == connector }),
              last.status.wasNotCarriedOut || last.status == .queued || last.status == .timedOut else { return request }
        var reported = request
        let place = "\(station)\(connector.map { " connector \($0)" } ?? "")"
        let outcome = last.status.words + (last.detail.map { ": \($0)" } ?? "")
        if last.status == .timedOut {
            reported.title = "\(place): Vigil's disable went unanswered"
            reported.text = "Rule \(request.rule) decided to set \(place) Inoperative and its ladder has ended, but the station did not "
                + "answer the command (\(outcome)): whether the connector is out of service is not known. Check it "
                + "(vigil stations show \(station)), and take it out of service by hand if it must be."
            return reported
        }
        reported.title = "\(place): Vigil's disable was not carried out"
        reported.text = "Rule \(request.rule) decided to set \(place) Inoperative and its ladder has ended, but the command was not carried out "
            + "(\(outcome)): the connector is as the station left it. Check it, and take it out of service by hand if it must be "
            + "(vigil stations command \(station) disable\(connector.map { " --connector \($0)" } ?? "") --by NAME)."
        return reported
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
