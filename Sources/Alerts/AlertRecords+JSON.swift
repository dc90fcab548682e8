import Foundation
/// The alert tables' rows as JSON objects (for `JSONSerialization`), the one shape the CLI's
/// `--json` and the HTTP API give them.
extension AlertRow {
    public var jsonObject: [String: Any] {
        var object: [String: Any] = ["id": id, "status": status, "severity": severity.rawValue, "rule": rule, "target": target,
                                     "count": count, "firstSeen": firstSeen, "lastSeen": lastSeen, "title": title, "text": text,
                                     "route": route]
        object["station"] = station
        object["site"] = site
        object["resolvedAt"] = resolvedAt
        // Whether any route was told: nil while silenced (kept, never sent).
        object["lastNotified"] = lastNotified ?? NSNull()
        return object
    }
}

extension OutboxRow {
    public var jsonObject: [String: Any] {
        var object: [String: Any] = ["id": id, "alertId": alertId, "status": status, "event": event, "route": route, "endpoint": endpoint,
                                     "attempts": attempts, "createdAt": createdAt]
        // Only a pending row is tried again; a delivered or dead one's column is its last claim's expiry.
        object["nextAttemptAt"] = status == "pending" ? nextAttemptAt : NSNull()
        object["lastError"] = lastError
        object["deliveredAt"] = deliveredAt
        return object
    }
}

extension SilenceRow {
    public var jsonObject: [String: Any] {
        var object: [String: Any] = ["id": id, "startsAt": startsAt, "endsAt": endsAt, "createdBy": createdBy, "reason": reason]
        object["rule"] = rule
        object["station"] = station
        object["site"] = site
        object["severity"] = severity?.rawValue
        return object
    }
}
