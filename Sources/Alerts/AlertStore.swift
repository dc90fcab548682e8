import DomainEvents
import Foundation
import Store
import VendorCatalog

/// The alert tables — alerts (one open per rule and target), the webhook outbox and silences —
/// and their statements, run on the process's database through its `DatabaseHost` (the CPMS
/// store in `vigil serve` and the CLI).
public struct AlertStore: Sendable {
    let host: any DatabaseHost

    public init(host: any DatabaseHost) {
        self.host = host
    }

    /// How the alert tables write times: UTC RFC 3339 with milliseconds, so text order is time order.
    public static func time(_ date: Date) -> String { UTCTimestamp.format(date, milliseconds: true) }

    static let alertColumns = """
        SELECT id, group_key, rule, target, station, site, vendor, route, severity, title, text, status, first_seen, last_seen, count,
               last_notified, resolved_at FROM alerts
        """

    static func alertRow(_ row: [SQLValue]) -> AlertRow {
        AlertRow(id: row[0].int ?? 0, groupKey: row[1].text ?? "", rule: row[2].text ?? "", target: row[3].text ?? "", station: row[4].text,
                 site: row[5].text, vendor: row[6].text, route: row[7].text ?? "", severity: row[8].text.flatMap(Severity.init(rawValue:)) ?? .major, title: row[9].text ?? "",
                 text: row[10].text ?? "", status: row[11].text ?? "", firstSeen: row[12].text ?? "", lastSeen: row[13].text ?? "",
                 count: row[14].int ?? 0, lastNotified: row[15].text, resolvedAt: row[16].text)
    }

    public func openAlert(groupKey: String) async throws -> AlertRow? {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows(AlertStore.alertColumns + " WHERE group_key = ? AND status = 'open'", groupKey).first.map(AlertStore.alertRow)
        }
    }

    public func alert(_ id: Int) async throws -> AlertRow? {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows(AlertStore.alertColumns + " WHERE id = ?", id).first.map(AlertStore.alertRow)
        }
    }

    public func insertAlert(groupKey: String, rule: String, target: String, station: String?, site: String?, vendor: String?, route: String,
                            severity: Severity, title: String, text: String, now: String) async throws -> Int {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.insert("""
                INSERT INTO alerts (group_key, rule, target, station, site, vendor, route, severity, title, text, status, first_seen, last_seen, count)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, 1)
                """, groupKey, rule, target, station, site, vendor, route, severity.rawValue, title, text, now, now)
        }
    }

    /// A repeat of an open alert: newer text, one more occurrence.
    public func repeatAlert(id: Int, severity: Severity, title: String, text: String, now: String) async throws {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.run("UPDATE alerts SET severity = ?, title = ?, text = ?, last_seen = ?, count = count + 1 WHERE id = ?",
                             severity.rawValue, title, text, now, id)
        }
    }

    /// Open alerts that were sent, repeated since, and last sent at or before `notifiedBefore`:
    /// repeats the repeat interval held back, due now.
    public func heldRepeats(notifiedBefore: String) async throws -> [AlertRow] {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows(AlertStore.alertColumns + """
                 WHERE status = 'open' AND last_notified IS NOT NULL AND last_seen > last_notified AND last_notified <= ? ORDER BY id
                """, notifiedBefore).map(AlertStore.alertRow)
        }
    }

    public func markAlertNotified(id: Int, now: String) async throws {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.run("UPDATE alerts SET last_notified = ? WHERE id = ?", now, id)
        }
    }

    public func resolveAlert(id: Int, now: String) async throws {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.run("UPDATE alerts SET status = 'resolved', resolved_at = ? WHERE id = ? AND status = 'open'", now, id)
        }
    }

    public func alerts(status: String?, limit: Int = 100) async throws -> [AlertRow] {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("SELECT * FROM (" + AlertStore.alertColumns + " WHERE (? IS NULL OR status = ?) ORDER BY id DESC LIMIT ?) AS recent ORDER BY id",
                              status, status, limit).map(AlertStore.alertRow)
        }
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

    /// Whether `endpoint` was ever given a delivery of the alert (any event, any status).
    public func hasDelivery(alertId: Int, endpoint: String) async throws -> Bool {
        try await host.withDatabase(schema: Self.schema) { database in
            !(try database.rows("SELECT 1 FROM alert_outbox WHERE alert_id = ? AND endpoint = ? LIMIT 1", alertId, endpoint).isEmpty)
        }
    }

    public func enqueueDelivery(alertId: Int, route: String, endpoint: String, event: String, idempotencyKey: String, body: String,
                                now: String) async throws {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.run("""
                INSERT INTO alert_outbox (alert_id, route, endpoint, event, idempotency_key, body, status, next_attempt_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)
                """, alertId, route, endpoint, event, idempotencyKey, body, now, now)
        }
    }

    /// Renames the endpoint of queued deliveries (masking the clear URL older rows carry).
    public func renameOutboxEndpoint(from old: String, to new: String) async throws {
        try await host.withDatabase(schema: Self.schema) { database in
            guard old != new else { return }
            try database.run("UPDATE alert_outbox SET endpoint = ? WHERE endpoint = ?", new, old)
        }
    }

    /// Pending deliveries whose next attempt is due, oldest first.
    public func dueDeliveries(now: String, limit: Int) async throws -> [OutboxRow] {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows(AlertStore.outboxColumns + " WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
                              now, limit).map(AlertStore.outboxRow)
        }
    }

    /// Claims what is due, oldest first, for one pass of one dispatcher: in one transaction the
    /// rows are read and their next attempt moved to `claimUntil`, so another dispatcher — another
    /// node on the same database — does not see them as due while this one posts them (on
    /// PostgreSQL the read also skips rows another transaction holds: `FOR UPDATE SKIP LOCKED`).
    /// Each claimed row is settled (delivered, failed, deferred); one whose dispatcher died
    /// mid-post is due again at `claimUntil` and posted again with the same idempotency key.
    public func claimDueDeliveries(now: String, limit: Int, claimUntil: String) async throws -> [OutboxRow] {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.transaction {
                let lock = database.engine == .postgresql ? " FOR UPDATE SKIP LOCKED" : ""
                // One alert's deliveries to one endpoint go in the order they were queued: an
                // update waits until its trigger is delivered (or given up), never overtakes it.
                let due = try database.rows(AlertStore.outboxColumns
                                            + " WHERE status = 'pending' AND next_attempt_at <= ? AND NOT EXISTS (SELECT 1 FROM alert_outbox AS earlier"
                                            + " WHERE earlier.alert_id = alert_outbox.alert_id AND earlier.endpoint = alert_outbox.endpoint"
                                            + " AND earlier.status = 'pending' AND earlier.id < alert_outbox.id)"
                                            + " ORDER BY next_attempt_at, id LIMIT ?" + lock,
                                            now, limit).map(AlertStore.outboxRow)
                for row in due { try database.run("UPDATE alert_outbox SET next_attempt_at = ? WHERE id = ?", claimUntil, row.id) }
                return due
            }
        }
    }

    public func markDelivered(id: Int, attempts: Int, now: String) async throws {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.run("UPDATE alert_outbox SET status = 'delivered', attempts = ?, delivered_at = ?, last_error = NULL WHERE id = ?",
                             attempts, now, id)
        }
    }

    public func markDeliveryFailed(id: Int, attempts: Int, nextAttempt: String, error: String, dead: Bool) async throws {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.run("UPDATE alert_outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
                             dead ? "dead" : "pending", attempts, nextAttempt, error, id)
        }
    }

    /// Defers a delivery without counting an attempt (a route over its rate limit).
    public func deferDelivery(id: Int, until: String) async throws {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.run("UPDATE alert_outbox SET next_attempt_at = ? WHERE id = ?", until, id)
        }
    }

    /// Puts dead deliveries back in the queue (one, or all when `id` is nil); returns how many.
    public func retryDeliveries(id: Int?, now: String) async throws -> Int {
        try await host.withDatabase(schema: Self.schema) { database in
            let count = try database.rows("SELECT count(*) FROM alert_outbox WHERE status = 'dead' AND (? IS NULL OR id = ?)", id, id)
                .first?.first?.int ?? 0
            try database.run("""
                UPDATE alert_outbox SET status = 'pending', next_attempt_at = ?, created_at = ? WHERE status = 'dead' AND (? IS NULL OR id = ?)
                """, now, now, id, id)
            return count
        }
    }

    public func deliveries(status: String?, limit: Int = 100) async throws -> [OutboxRow] {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("SELECT * FROM (" + AlertStore.outboxColumns + " WHERE (? IS NULL OR status = ?) ORDER BY id DESC LIMIT ?) AS recent ORDER BY id",
                              status, status, limit).map(AlertStore.outboxRow)
        }
    }

    /// Deliveries by status (`pending`, `delivered`, `dead`), for `/metrics`.
    public func deliveryCounts() async throws -> [String: Int] {
        try await host.withDatabase(schema: Self.schema) { database in
            var counts: [String: Int] = [:]
            for row in try database.rows("SELECT status, count(*) FROM alert_outbox GROUP BY status") {
                counts[row[0].text ?? "", default: 0] += row[1].int ?? 0
            }
            return counts
        }
    }

    public func outboxDepth() async throws -> Int {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("SELECT count(*) FROM alert_outbox WHERE status = 'pending'").first?.first?.int ?? 0
        }
    }

    // MARK: Silences

    public func addSilence(rule: String?, station: String?, site: String?, severity: Severity?, startsAt: String, endsAt: String,
                           by person: String, reason: String, now: String) async throws -> Int {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.insert("""
                INSERT INTO silences (rule, station, site, severity, starts_at, ends_at, created_by, reason, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, rule, station, site, severity?.rawValue, startsAt, endsAt, person, reason, now)
        }
    }

    /// Silences in force at `now` (all, with `includeEnded`).
    public func silences(at now: String, includeEnded: Bool = false) async throws -> [SilenceRow] {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("""
                SELECT id, rule, station, site, severity, starts_at, ends_at, created_by, reason FROM silences
                WHERE ? OR (starts_at <= ? AND ends_at > ?) ORDER BY id
                """, includeEnded, now, now).map { row in
                SilenceRow(id: row[0].int ?? 0, rule: row[1].text, station: row[2].text, site: row[3].text, severity: row[4].text.flatMap(Severity.init(rawValue:)),
                           startsAt: row[5].text ?? "", endsAt: row[6].text ?? "", createdBy: row[7].text ?? "", reason: row[8].text ?? "")
            }
        }
    }

    /// Ends a silence now; false when there is none with that id.
    public func endSilence(id: Int, now: String) async throws -> Bool {
        try await host.withDatabase(schema: Self.schema) { database in
            guard !(try database.rows("SELECT 1 FROM silences WHERE id = ?", id).isEmpty) else { return false }
            try database.run("UPDATE silences SET ends_at = ? WHERE id = ? AND ends_at > ?", now, id, now)
            return true
        }
    }
}
