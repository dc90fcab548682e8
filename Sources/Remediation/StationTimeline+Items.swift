import Alerts
import Audit
import CPMS
import DomainEvents
import Foundation

/// The lines each kind of record makes, with the audit entries they claim.
extension StationTimeline {
    /// The station coming online (when it connected) and going offline (when its connection
    /// ended — never before the last message it sent).
    static func connectionItems(_ rows: Rows) -> [Item] {
        rows.connectivity.map { change in
            let words = change.online ? "connected: online" : "disconnected: offline"
            return Item(at: change.at, source: .connection, text: words,
                        fields: ["connectivityId": .number(change.id), "online": .flag(change.online)], order: change.id)
        }
    }

    static func statusItems(_ rows: Rows) -> [Item] {
        rows.statusReports.map { report in
            var words = "EVSE \(report.evse)/\(report.connector) \(report.status)"
            if let code = report.errorCode, code != "NoError", !code.isEmpty { words += " \(code)" }
            if let vendor = report.vendorErrorCode, !vendor.isEmpty {
                words += " (vendor code \(vendor)\(report.vendorId.map { " from \($0)" } ?? ""))"
            }
            if let info = report.info, !info.isEmpty { words += " info \(info.debugDescription)" }
            words += "; charger time \(report.chargerTime ?? "none given")"
            if report.queuedOffline { words += " [queued while offline]" }
            var fields: [String: Value] = ["statusId": .number(report.id), "evse": .number(report.evse), "connector": .number(report.connector),
                                           "status": .text(report.status), "receivedAt": .text(report.receivedAt),
                                           "queuedOffline": .flag(report.queuedOffline)]
            for (name, value) in [("errorCode", report.errorCode), ("vendorId", report.vendorId), ("vendorErrorCode", report.vendorErrorCode),
                                  ("info", report.info), ("chargerTime", report.chargerTime)] {
                if let value { fields[name] = .text(value) }
            }
            return Item(at: report.receivedAt, source: .status, text: words, fields: fields, order: report.id)
        }
    }

    /// 2.0.1 faults raised and cleared (event log), and the faults open now, at the time each was raised.
    static func faultItems(_ rows: Rows) -> [Item] {
        let events = rows.faultEvents.map { fault -> Item in
            let event = fault.event
            let code = event.value(of: "ocppErrorCode")?.description ?? "?"
            let raised = event.kind != .faultCleared
            var words = "\(raised ? "raised" : "cleared") on EVSE \(event.evse ?? 0): \(code)"
            if let tech = event.value(of: "vendorErrorCode")?.description, !tech.isEmpty { words += " (tech code \(tech))" }
            if let info = event.value(of: "info")?.description, !info.isEmpty { words += " info \(info.debugDescription)" }
            if let charger = event.chargerTime { words += "; charger time \(StoreTime.format(charger))" }
            let fields: [String: Value] = ["eventSequence": .number(fault.sequence), "eventId": .text(event.id), "evse": .number(event.evse ?? 0),
                                           "code": .text(code), "raised": .flag(raised)]
            return Item(at: StoreTime.format(event.time), source: .fault, text: words, fields: fields, order: fault.sequence)
        }
        let open = rows.openFaults.enumerated().map { index, fault -> Item in
            var words = "open now on EVSE \(fault.evse): \(fault.code)"
            if let vendor = fault.vendorErrorCode, !vendor.isEmpty { words += " (vendor code \(vendor))" }
            if let info = fault.info, !info.isEmpty { words += " info \(info.debugDescription)" }
            return Item(at: fault.raisedAt, source: .fault, text: words + ", raised then",
                        fields: ["evse": .number(fault.evse), "code": .text(fault.code.rawValue), "open": .flag(true)], order: Int.max - 1_000 + index)
        }
        return events + open
    }

    static func decisionItems(_ rows: Rows, claims: inout AuditClaims) -> [Item] {
        rows.decisions.map { row in
            let entry = claims.claim { $0.record.kind == "decision" && DecisionTrail.decisionId(in: $0.record.details) == row.id }
            var words = "decision #\(row.id) \(row.kind)\(row.action.map { " " + $0 } ?? "") \(row.target)"
            words += " by rule \(row.rule)" + (row.ruleHash.isEmpty ? "" : " (version \(row.ruleHash.prefix(12)))")
            if row.mode == "dry-run" { words += " (dry-run)" }
            words += " — \(row.reason)"
            if !row.eventIds.isEmpty { words += "; evidence: events \(row.eventIds)" }
            var fields: [String: Value] = ["decisionId": .number(row.id), "kind": .text(row.kind), "rule": .text(row.rule),
                                           "ruleHash": .text(row.ruleHash), "mode": .text(row.mode), "target": .text(row.target),
                                           "reason": .text(row.reason),
                                           "eventIds": .text(row.eventIds)]
            if let action = row.action { fields["action"] = .text(action) }
            var item = Item(at: row.at, source: .decision, text: words, auditEntry: entry, fields: fields, order: row.id)
            item.problems = rows.decisionFindings[row.id] ?? []
            return item
        }
    }

    /// A command at the time it was recorded, with where it ended and where its verification
    /// stands now (`CommandVerification`), backed by its first entry (the write-ahead one); each
    /// later step of its life (the answer, a send after a reconnect, the verdict) a line of its own.
    static func commandItems(_ rows: Rows, claims: inout AuditClaims, now: String) -> [Item] {
        var items: [Item] = []
        for row in rows.commands {
            let steps = claims.steps[row.id] ?? []
            for (step, _) in steps { claims.claim(step.entryId) }
            var words = "command #\(row.id) \(row.action)\(row.argument.map { " " + $0 } ?? "") "
            words += row.connector.map { "\(row.station)/\($0)" } ?? row.station
            words += " by rule \(row.rule): \(row.status.words); verification: \(CommandVerification(row, now: now))"
            if let detail = row.detail { words += " — \(detail)" }
            var origin: [String] = []
            if let decision = row.decisionId { origin.append("decision #\(decision)") }
            if let hash = row.ruleHash { origin.append("rule version \(hash.prefix(12))") }
            if !origin.isEmpty { words += " [" + origin.joined(separator: ", ") + "]" }
            var fields: [String: Value] = [:]
            for (key, value) in CommandReport.object(row, now: now) {
                let name = key == "id" ? "commandId" : key
                if let text = value as? String { fields[name] = .text(text) } else if let number = value as? Int { fields[name] = .number(number) }
            }
            fields["auditEntries"] = .numbers(steps.map(\.step.entryId))
            var item = Item(at: row.createdAt, source: .command, text: words, auditEntry: steps.first?.step.entryId, fields: fields, order: row.id)
            item.problems = rows.commandFindings[row.id] ?? []
            items.append(item)
            for (step, at) in steps.dropFirst() { items.append(stepItem(step, at: at, order: step.entryId)) }
        }
        return items
    }

    /// Each alert when raised (backed by the first entry naming it) and when resolved; each
    /// delivery when it was settled (delivered or given up), else when queued.
    static func alertItems(_ rows: Rows, claims: inout AuditClaims) -> [Item] {
        var items: [Item] = []
        for alert in rows.alerts {
            let entry = claims.claim { StationTimeline.isStep(of: alert.id, $0) }
            var words = "alert #\(alert.id) [\(alert.severity.rawValue)] \(alert.title) — \(alert.text) (rule \(alert.rule), \(alert.target), route \(alert.route))"
            words += "; \(alert.status), raised \(alert.count)×, last \(alert.lastSeen)"
            let fields: [String: Value] = ["alertId": .number(alert.id), "rule": .text(alert.rule), "target": .text(alert.target),
                                           "severity": .text(alert.severity.rawValue), "route": .text(alert.route), "title": .text(alert.title),
                                           "status": .text(alert.status), "count": .number(alert.count)]
            items.append(Item(at: alert.firstSeen, source: .alert, text: words, auditEntry: entry, fields: fields, order: alert.id))
            if let resolved = alert.resolvedAt {
                items.append(Item(at: resolved, source: .alert, text: "alert #\(alert.id) resolved (rule \(alert.rule), \(alert.target))",
                                  fields: ["alertId": .number(alert.id), "status": .text("resolved")], order: alert.id))
            }
        }
        for delivery in rows.deliveries {
            let entry = claims.claim { StationTimeline.isDelivery(delivery.id, $0) }
            var words = "delivery #\(delivery.id) of alert #\(delivery.alertId) (\(delivery.event)) to \(delivery.endpoint) via \(delivery.route): "
            switch delivery.status {
            case "delivered": words += "delivered after \(delivery.attempts) attempt(s)"
            case "dead": words += "given up after \(delivery.attempts) attempt(s)"
            default: words += "pending, \(delivery.attempts) attempt(s) so far, next \(delivery.nextAttemptAt)"
            }
            if let error = delivery.lastError, delivery.status != "delivered" { words += " (last error: \(error))" }
            var fields: [String: Value] = ["deliveryId": .number(delivery.id), "alertId": .number(delivery.alertId), "event": .text(delivery.event),
                                           "endpoint": .text(delivery.endpoint), "status": .text(delivery.status), "attempts": .number(delivery.attempts),
                                           "idempotencyKey": .text(delivery.idempotencyKey), "queuedAt": .text(delivery.createdAt)]
            if let error = delivery.lastError { fields["lastError"] = .text(error) }
            items.append(Item(at: delivery.deliveredAt ?? delivery.createdAt, source: .delivery, text: words, auditEntry: entry, fields: fields,
                              order: delivery.id))
        }
        return items
    }

    /// Each silence covering the station, when it starts, backed by the operator's entry.
    static func silenceItems(_ rows: Rows, claims: inout AuditClaims) -> [Item] {
        rows.silences.map { silence in
            let entry = claims.claim { $0.record.kind == "operator" && $0.record.action == "silence" && $0.record.outcome == "#\(silence.id)" }
            let scope = [("station", silence.station), ("site", silence.site), ("rule", silence.rule), ("severity", silence.severity?.rawValue)]
                .compactMap { name, value in value.map { "\(name)=\($0)" } }
            let words = "silence #\(silence.id) (\(scope.isEmpty ? "everything" : scope.joined(separator: " "))) until \(silence.endsAt)"
                + " by \(silence.createdBy): \(silence.reason)"
            var fields: [String: Value] = ["silenceId": .number(silence.id), "endsAt": .text(silence.endsAt), "by": .text(silence.createdBy),
                                           "reason": .text(silence.reason)]
            for (name, value) in [("station", silence.station), ("site", silence.site), ("rule", silence.rule)] {
                if let value { fields[name] = .text(value) }
            }
            return Item(at: silence.startsAt, source: .silence, text: words, auditEntry: entry, fields: fields, order: silence.id)
        }
    }
}
