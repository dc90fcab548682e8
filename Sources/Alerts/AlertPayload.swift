import Foundation
import VendorCatalog

/// The body each format expects, for one event (trigger, update, resolve) of one alert.
/// Rendered when the delivery is queued and stored, so a retry sends the same bytes — except
/// PagerDuty's `routing_key`, a secret: the stored body leaves it out and `deliverable(_:route:)`
/// puts it in from the loaded configuration when the request is sent.
public enum AlertPayload {
    /// Version of the generic JSON schema (docs/alerts.md).
    public static let genericVersion = 1

    public static func body(for alert: AlertRow, event: String, route: AlertRoute, idempotencyKey: String) -> String {
        let object: [String: Any]
        switch route.format {
        case .generic: object = generic(alert, event: event, key: idempotencyKey)
        case .slack: object = slack(alert, event: event)
        case .pagerduty: object = pagerDuty(alert, event: event)
        case .alertmanager: object = alertmanager(alert, event: event, receiver: route.name)
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// The bytes to send for a stored body: PagerDuty's gets its routing key (the same bytes
    /// each attempt: sorted keys); other formats are sent as stored.
    public static func deliverable(_ body: String, route: AlertRoute) -> String {
        guard route.format == .pagerduty, let routingKey = route.routingKey,
              var object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] else { return body }
        object["routing_key"] = routingKey
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return body }
        return String(decoding: data, as: UTF8.self)
    }

    static func details(_ alert: AlertRow) -> [String: Any] {
        var object: [String: Any] = ["id": alert.id, "groupKey": alert.groupKey, "rule": alert.rule, "target": alert.target,
                                     "severity": alert.severity.rawValue, "title": alert.title, "text": alert.text, "status": alert.status,
                                     "firstSeen": alert.firstSeen, "lastSeen": alert.lastSeen, "count": alert.count, "route": alert.route]
        for (key, value) in [("station", alert.station), ("site", alert.site), ("vendor", alert.vendor), ("resolvedAt", alert.resolvedAt)] {
            if let value { object[key] = value }
        }
        let parts = alert.target.split(separator: "/")
        if parts.count == 2, let connector = Int(parts[1]) { object["connector"] = connector }
        return object
    }

    /// `{"version": 1, "event": "trigger|update|resolve", "idempotencyKey": …, "alert": {…}}`.
    static func generic(_ alert: AlertRow, event: String, key: String) -> [String: Any] {
        ["version": genericVersion, "event": event, "idempotencyKey": key, "source": "vigil", "alert": details(alert)]
    }

    /// Slack incoming webhook: `text` (the fallback every client shows) plus Block Kit blocks.
    static func slack(_ alert: AlertRow, event: String) -> [String: Any] {
        let marker = event == "resolve" ? "RESOLVED" : alert.severity.rawValue.uppercased()
        let headline = "[\(marker)] \(AlertPayload.titleWithoutSeverity(alert.title, severity: alert.severity.rawValue))"
        var context = ["rule \(alert.rule)", "target \(alert.target)", "first seen \(alert.firstSeen)", "last seen \(alert.lastSeen)"]
        if alert.count > 1 { context.append("\(alert.count) times") }
        return [
            "text": "\(headline)\n\(alert.text)",
            "blocks": [
                ["type": "header", "text": ["type": "plain_text", "text": String(headline.prefix(150))]],
                ["type": "section", "text": ["type": "mrkdwn", "text": String(alert.text.prefix(3_000))]],
                ["type": "context", "elements": [["type": "mrkdwn", "text": context.joined(separator: " · ")]]],
            ],
        ]
    }

    /// PagerDuty Events API v2: trigger (with the same dedup key for updates) or resolve; without
    /// `routing_key`, which `deliverable` adds at sending time.
    static func pagerDuty(_ alert: AlertRow, event: String) -> [String: Any] {
        var object: [String: Any] = ["event_action": event == "resolve" ? "resolve" : "trigger",
                                     "dedup_key": alert.groupKey]
        guard event != "resolve" else { return object }
        let severity: String
        switch alert.severity {
        case .safety, .critical: severity = "critical"
        case .major: severity = "error"
        case .minor: severity = "warning"
        default: severity = "info"
        }
        var payload: [String: Any] = ["summary": String(alert.title.prefix(1_024)), "source": alert.station ?? "vigil", "severity": severity,
                                      "timestamp": alert.lastSeen, "component": alert.target, "class": alert.rule,
                                      "custom_details": details(alert)]
        if let site = alert.site { payload["group"] = site }
        object["payload"] = payload
        return object
    }

    /// Prometheus Alertmanager's webhook payload (version 4), one alert per message.
    static func alertmanager(_ alert: AlertRow, event: String, receiver: String) -> [String: Any] {
        let status = event == "resolve" ? "resolved" : "firing"
        var labels = ["alertname": alert.rule, "target": alert.target, "severity": alert.severity.rawValue]
        if let station = alert.station { labels["station"] = station }
        if let site = alert.site { labels["site"] = site }
        if let vendor = alert.vendor { labels["vendor"] = vendor }
        let annotations = ["summary": alert.title, "description": alert.text]
        let item: [String: Any] = ["status": status, "labels": labels, "annotations": annotations, "startsAt": alert.firstSeen,
                                   "endsAt": alert.resolvedAt ?? "0001-01-01T00:00:00Z", "generatorURL": "", "fingerprint": fingerprint(alert.groupKey)]
        return ["version": "4", "groupKey": "{}:{alertname=\"\(alert.rule)\", target=\"\(alert.target)\"}", "truncatedAlerts": 0,
                "status": status, "receiver": receiver, "groupLabels": ["alertname": alert.rule, "target": alert.target],
                "commonLabels": labels, "commonAnnotations": annotations, "externalURL": "", "alerts": [item]]
    }

    /// A short stable hex id for a group key (FNV-1a, 64 bits).
    static func fingerprint(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(format: "%016llx", hash)
    }

    /// The title without a leading severity word the marker already says ("SAFETY …" under
    /// "[SAFETY]"), so a headline never repeats it.
    static func titleWithoutSeverity(_ title: String, severity: String) -> String {
        let words = [severity] + (severity == "safety" ? [] : ["safety"])
        for word in words where title.lowercased().hasPrefix(word.lowercased() + " ") || title.lowercased().hasPrefix(word.lowercased() + ":") {
            return String(title.dropFirst(word.count + 1)).trimmingCharacters(in: .whitespaces)
        }
        return title
    }
}
