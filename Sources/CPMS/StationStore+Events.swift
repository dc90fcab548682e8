import DomainEvents
import Foundation
import Store

/// The event log's reads for replay and its pruning.
extension StationStore {
    /// One recorded event as stored: its row (the event log's sequence) and its JSON.
    public struct StoredEvent: Sendable, Equatable {
        public var row: Int
        public var json: String
    }

    /// Events in recording order, `limit` at a time after row `afterRow`, optionally within a time range.
    public func events(afterRow: Int, limit: Int, from: String? = nil, to: String? = nil) throws -> [StoredEvent] {
        try database.rows("""
            SELECT id, json FROM domain_events WHERE id > ? AND (? IS NULL OR at >= ?) AND (? IS NULL OR at <= ?)
            ORDER BY id LIMIT ?
            """, afterRow, from, from, to, to, limit).map { StoredEvent(row: $0[0].int ?? 0, json: $0[1].text ?? "") }
    }

    /// Deletes events older than the retention — never one a consumer (or the rule engine's
    /// saved state) has not done, and never the newest (sequences must not restart).
    public func pruneEvents(olderThanSeconds: Int, now: String) throws {
        // Nothing older than the cutoff (the oldest event says: they are appended in time
        // order): no scan of the whole log on the store's thread.
        let cutoff = StoreTime.shifted(now, by: -Double(olderThanSeconds))
        guard let oldest = try database.rows("SELECT at FROM domain_events ORDER BY id LIMIT 1").first?.first?.text else { return }
        // A time that cannot be read does not stop the retention: the DELETE decides then.
        if let oldestAt = StoreTime.parse(oldest), let cutoffAt = StoreTime.parse(cutoff), oldestAt >= cutoffAt { return }
        let keepFrom = try eventLogLowWater() ?? 0
        try database.run("""
            DELETE FROM domain_events WHERE \(StoreTime.seconds("at")) < \(StoreTime.seconds("?")) AND id <= ?
                AND id < (SELECT max(id) FROM domain_events)
            """, StoreTime.shifted(now, by: -Double(olderThanSeconds)), keepFrom)
    }
}
