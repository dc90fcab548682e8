import Audit
import Foundation
import VendorCatalog

/// What the audit trail says about alerts, their deliveries and silences. Each entry about one
/// of them has JSON details naming it:
///
///     {"alert":4,"event":"raise","note":"…","severity":"critical","status":"open","title":"CP-1/1 stuck"}
///     {"alert":4,"delivery":9,"endpoint":"https://…","note":"HTTP 200 after 1 attempt(s), key …","status":"delivered"}
///     {"endsAt":"2026-12-05T10:00:00.000Z","reason":"site works","severity":null,"silence":3,"status":"inForce"}
///
/// so `vigil alerts list`, `deliveries` and `silences` check every row they show against the
/// entries (`check…`): an edit of the alert tables is reported, not displayed as truth.
public enum AlertTrail {
    /// An alert's step: raised, updated, silenced, resolved, or told to a route.
    public static func alertDetails(alert: Int, event: String, status: String, severity: Severity, title: String, note: String) -> String {
        json(["alert": alert, "event": event, "status": status, "severity": severity.rawValue, "title": title, "note": note])
    }

    /// A delivery's end: `delivered` or `dead`.
    public static func deliveryDetails(delivery: Int, alert: Int, status: String, endpoint: String, note: String) -> String {
        json(["delivery": delivery, "alert": alert, "status": status, "endpoint": endpoint, "note": note])
    }

    /// A silence added (`inForce`, with what it matches beyond the entry's rule, station and
    /// site fields) or ended early (`ended`).
    public static func silenceDetails(silence: Int, status: String, severity: Severity? = nil, endsAt: String? = nil,
                                      reason: String? = nil) -> String {
        json(["silence": silence, "status": status, "severity": severity?.rawValue ?? NSNull(), "endsAt": endsAt ?? NSNull(),
              "reason": reason ?? NSNull()])
    }

    static func json(_ object: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return "\(object)"
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The details of an entry as an object, nil for text.
    public static func object(_ entry: AuditEntry) -> [String: Any]? {
        guard entry.record.details.hasPrefix("{") else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(entry.record.details.utf8))) as? [String: Any]
    }

    /// An alert row against the entries naming it (oldest first): its status is the last
    /// step's, its severity and title the last step's, its rule the entries'. No entries: not
    /// judged (written before entries named alerts).
    public static func check(_ row: AlertRow, entries: [AuditEntry]) -> [String] {
        let steps = entries.filter { object($0)?["delivery"] == nil }
        guard let last = steps.last, let details = object(last) else { return [] }
        var problems: [String] = []
        if let status = details["status"] as? String, status != row.status {
            problems.append("the record says \(row.status); the audit trail says \(status) (entry #\(last.id))")
        }
        if let severity = details["severity"] as? String, severity != row.severity.rawValue {
            problems.append("the record's severity is \(row.severity.rawValue); the audit trail says \(severity) (entry #\(last.id))")
        }
        if let title = details["title"] as? String, title != row.title {
            problems.append("the record's title differs from the audit trail's (entry #\(last.id))")
        }
        if let rule = last.record.rule, rule != row.rule {
            problems.append("the record names rule \(row.rule); the audit trail names \(rule) (entry #\(last.id))")
        }
        return problems
    }

    /// A delivery row that says it ended (`delivered`, `dead`) must have that end as its last
    /// step on the trail; a pending one (new, or retried) is not judged.
    public static func check(_ row: OutboxRow, entries: [AuditEntry]) -> [String] {
        guard row.status == "delivered" || row.status == "dead" else { return [] }
        guard let last = entries.last, let status = object(last)?["status"] as? String else {
            return ["the record says \(row.status); the audit trail has no entry for this delivery"]
        }
        return status == row.status ? [] : ["the record says \(row.status); the audit trail says \(status) (entry #\(last.id))"]
    }

    /// A silence row against its entries: what it matches, who added it, why and until when, as
    /// added; ended early no later than the `ended` entry says. No entries: not judged.
    public static func check(_ row: SilenceRow, entries: [AuditEntry]) -> [String] {
        guard let added = entries.first(where: { object($0)?["status"] as? String == "inForce" }), let details = object(added) else {
            return []
        }
        var problems: [String] = []
        let record = added.record
        if record.rule != row.rule || record.station != row.station || record.site != row.site
            || (details["severity"] as? String) != row.severity?.rawValue {
            problems.append("what the silence matches differs from the audit trail (entry #\(added.id))")
        }
        if record.actor != row.createdBy || (details["reason"] as? String) != row.reason {
            problems.append("who added the silence or why differs from the audit trail (entry #\(added.id))")
        }
        if let ended = entries.last(where: { object($0)?["status"] as? String == "ended" }) {
            if row.endsAt > ended.at {
                problems.append("the record says it ends \(row.endsAt); the audit trail says it was ended at \(ended.at) (entry #\(ended.id))")
            }
        } else if let endsAt = details["endsAt"] as? String, endsAt != row.endsAt {
            problems.append("the record says it ends \(row.endsAt); the audit trail says \(endsAt) (entry #\(added.id))")
        }
        return problems
    }
}
