import VendorCatalog

// The alert tables' rows (alerts, alert_outbox, silences), owned by this module with their SQL
// (`AlertStore`).

/// One alert: the open incident of a rule for a target (repeats update it), or a resolved one.
public struct AlertRow: Sendable, Equatable {
    public var id: Int
    public var groupKey: String
    public var rule: String
    public var target: String
    public var station: String?
    public var site: String?
    public var vendor: String?
    public var route: String
    public var severity: Severity
    public var title: String
    public var text: String
    public var status: String
    public var firstSeen: String
    public var lastSeen: String
    public var count: Int
    public var lastNotified: String?
    public var resolvedAt: String?

    /// Every `status` an alert can have (the table's CHECK says the same).
    public static let statuses = ["open", "resolved"]
}

/// One webhook delivery in the outbox: committed before it is attempted; pending, delivered or dead.
public struct OutboxRow: Sendable, Equatable {
    public var id: Int
    public var alertId: Int
    public var route: String
    public var endpoint: String
    public var event: String
    public var idempotencyKey: String
    public var body: String
    public var status: String
    public var attempts: Int
    public var nextAttemptAt: String
    public var createdAt: String
    public var lastError: String?
    public var deliveredAt: String?

    /// Every `status` a delivery can have (the table's CHECK says the same).
    public static let statuses = ["pending", "delivered", "dead"]
}

/// A silence: alerts in its scope (rule, station, site, severity) are kept but not sent while it lasts;
/// rule/station/site-scoped ones also hold rules back (`unless: { silenced: true }`).
public struct SilenceRow: Sendable, Equatable {
    public var id: Int
    public var rule: String?
    public var station: String?
    public var site: String?
    public var severity: Severity?
    public var startsAt: String
    public var endsAt: String
    public var createdBy: String
    public var reason: String

    public init(id: Int, rule: String?, station: String?, site: String?, severity: Severity?, startsAt: String, endsAt: String,
                createdBy: String, reason: String) {
        (self.id, self.rule, self.station, self.site, self.severity) = (id, rule, station, site, severity)
        (self.startsAt, self.endsAt, self.createdBy, self.reason) = (startsAt, endsAt, createdBy, reason)
    }
}
