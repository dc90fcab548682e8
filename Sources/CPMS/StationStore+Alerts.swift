import Foundation
import Store

/// Alerts in the store: one open alert per rule and target (repeats update it), the webhook
/// outbox (a delivery is committed before it is attempted, and stays until delivered or dead),
/// and silences.
extension StationStore {
    public struct AlertRow: Sendable, Equatable {
        public var id: Int
        public var groupKey: String
        public var rule: String
        public var target: String
        public var station: String?
        public var site: String?
        public var vendor: String?
        public var route: String
        public var severity: String
        public var title: String
        public var text: String
        public var status: String
        public var firstSeen: String
        public var lastSeen: String
        public var count: Int
        public var lastNotified: String?
        public var resolvedAt: String?
    }

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
    }

    public struct SilenceRow: Sendable, Equatable {
        public var id: Int
        public var rule: String?
        public var station: String?
        public var site: String?
        public var severity: String?
        public var startsAt: String
        public var endsAt: String
        public var createdBy: String
        public var reason: String
    }

    static let alertColumns = """
        SELECT id, group_key, rule, target, station, site, vendor, route, severity, title, text, status, first_seen, last_seen, count,
               last_notified, resolved_at FROM alerts
        """

    static func alertRow(_ row: [SQLValue]) -> AlertRow {
        AlertRow(id: row[0].int ?? 0, groupKey: row[1].text ?? "", rule: row[2].text ?? "", target: row[3].text ?? "", station: row[4].text,
                 site: row[5].text, vendor: row[6].text, route: row[7].text ?? "", severity: row[8].text ?? "", title: row[9].text ?? "",
                 text: row[10].text ?? "", status: row[11].text ?? "", firstSeen: row[12].text ?? "", lastSeen: row[13].text ?? "",
                 count: row[14].int ?? 0, lastNotified: row[15].text, resolvedAt: row[16].text)
    }

    public func openAlert(groupKey: String) throws -> AlertRow? {
        try database.rows(Self.alertColumns + " WHERE group_key = ? AND status = 'open'", groupKey).first.map(Self.alertRow)
    }

    public func alert(_ id: Int) throws -> AlertRow? {
        try database.rows(Self.alertColumns + " WHERE id = ?", id).first.map(Self.alertRow)
    }

    public func insertAlert(groupKey: String, rule: String, target: String, station: String?, site: String?, vendor: String?, route: String,
                            severity: String, title: String, text: String, now: String) throws -> Int {
        try database.insert("""
            INSERT INTO alerts (group_key, rule, target, station, site, vendor, route, severity, title, text, status, first_seen, last_seen, count)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, 1)
            """, groupKey, rule, target, station, site, vendor, route, severity, title, text, now, now)
    }

    /// A repeat of an open alert: newer text, one more occurrence.
    public func repeatAlert(id: Int, severity: String, title: String, text: String, now: String) throws {
        try database.run("UPDATE alerts SET severity = ?, title = ?, text = ?, last_seen = ?, count = count + 1 WHERE id = ?",
                         severity, title, text, now, id)
    }

    public func markAlertNotified(id: Int, now: String) throws {
        try database.run("UPDATE alerts SET last_notified = ? WHERE id = ?", now, id)
    }

    public func resolveAlert(id: Int, now: String) throws {
        try database.run("UPDATE alerts SET status = 'resolved', resolved_at = ? WHERE id = ? AND status = 'open'", now, id)
    }

    public func alerts(status: String?, limit: Int = 100) throws -> [AlertRow] {
        try database.rows("SELECT * FROM (" + Self.alertColumns + " WHERE (? IS NULL OR status = ?) ORDER BY id DESC LIMIT ?) ORDER BY id",
                          status, status, limit).map(Self.alertRow)
    }

    // MARK: Outbox

    static let outboxColumns = """
        SELECT id, alert_id, route, endpoint, event, idempotency_key, body, status, attempts, next_attempt_at, created_at, last_error,
               delivered_at FROM alert_outbox
        """

    static func outboxRow(_ row: [SQLValue]) -> OutboxRow {
        OutboxRow(id: row[0].int ?? 0, alertId: row[1].int ?? 0, route: row[2].text ?? "", endpoint: row[3].text ?? "", event: row[4].text ?? "",
                  idempotencyKey: row[5].text ?? "", body: row[6].text ?? "", status: row[7].text ?? "", attempts: row[8].int ?? 0,
                  nextAttemptAt: row[9].text ?? "", createdAt: row[10].text ?? "", lastError: row[11].text, deliveredAt: row[12].text)
    }

    public func enqueueDelivery(alertId: Int, route: String, endpoint: String, event: String, idempotencyKey: String, body: String,
                                now: String) throws {
        try database.run("""
            INSERT INTO alert_outbox (alert_id, route, endpoint, event, idempotency_key, body, status, next_attempt_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)
            """, alertId, route, endpoint, event, idempotencyKey, body, now, now)
    }

    /// Renames the endpoint of queued deliveries (masking the clear URL older rows carry).
    public func renameOutboxEndpoint(from old: String, to new: String) throws {
        guard old != new else { return }
        try database.run("UPDATE alert_outbox SET endpoint = ? WHERE endpoint = ?", new, old)
    }

    /// Pending deliveries whose next attempt is due, oldest first.
    public func dueDeliveries(now: String, limit: Int) throws -> [OutboxRow] {
        try database.rows(Self.outboxColumns + " WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
                          now, limit).map(Self.outboxRow)
    }

    public func markDelivered(id: Int, attempts: Int, now: String) throws {
        try database.run("UPDATE alert_outbox SET status = 'delivered', attempts = ?, delivered_at = ?, last_error = NULL WHERE id = ?",
                         attempts, now, id)
    }

    public func markDeliveryFailed(id: Int, attempts: Int, nextAttempt: String, error: String, dead: Bool) throws {
        try database.run("UPDATE alert_outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
                         dead ? "dead" : "pending", attempts, nextAttempt, error, id)
    }

    /// Defers a delivery without counting an attempt (a route over its rate limit).
    public func deferDelivery(id: Int, until: String) throws {
        try database.run("UPDATE alert_outbox SET next_attempt_at = ? WHERE id = ?", until, id)
    }

    /// Puts dead deliveries back in the queue (one, or all when `id` is nil); returns how many.
    public func retryDeliveries(id: Int?, now: String) throws -> Int {
        let count = try database.rows("SELECT count(*) FROM alert_outbox WHERE status = 'dead' AND (? IS NULL OR id = ?)", id, id)
            .first?.first?.int ?? 0
        try database.run("""
            UPDATE alert_outbox SET status = 'pending', next_attempt_at = ?, created_at = ? WHERE status = 'dead' AND (? IS NULL OR id = ?)
            """, now, now, id, id)
        return count
    }

    public func deliveries(status: String?, limit: Int = 100) throws -> [OutboxRow] {
        try database.rows("SELECT * FROM (" + Self.outboxColumns + " WHERE (? IS NULL OR status = ?) ORDER BY id DESC LIMIT ?) ORDER BY id",
                          status, status, limit).map(Self.outboxRow)
    }

    public func outboxDepth() throws -> Int {
        try database.rows("SELECT count(*) FROM alert_outbox WHERE status = 'pending'").first?.first?.int ?? 0
    }

    // MARK: Silences

    public func addSilence(rule: String?, station: String?, site: String?, severity: String?, startsAt: String, endsAt: String,
                           by person: String, reason: String, now: String) throws -> Int {
        try database.insert("""
            INSERT INTO silences (rule, station, site, severity, starts_at, ends_at, created_by, reason, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, rule, station, site, severity, startsAt, endsAt, person, reason, now)
    }

    /// Silences in force at `now` (all, with `includeEnded`).
    public func silences(at now: String, includeEnded: Bool = false) throws -> [SilenceRow] {
        try database.rows("""
            SELECT id, rule, station, site, severity, starts_at, ends_at, created_by, reason FROM silences
            WHERE ? OR (starts_at <= ? AND ends_at > ?) ORDER BY id
            """, includeEnded, now, now).map { row in
            SilenceRow(id: row[0].int ?? 0, rule: row[1].text, station: row[2].text, site: row[3].text, severity: row[4].text,
                       startsAt: row[5].text ?? "", endsAt: row[6].text ?? "", createdBy: row[7].text ?? "", reason: row[8].text ?? "")
        }
    }

    /// Ends a silence now; false when there is none with that id.
    public func endSilence(id: Int, now: String) throws -> Bool {
        guard !(try database.rows("SELECT 1 FROM silences WHERE id = ?", id).isEmpty) else { return false }
        try database.run("UPDATE silences SET ends_at = ? WHERE id = ? AND ends_at > ?", now, id, now)
        return true
    }
}
