import DomainEvents
import Store

/// Reads for following the audit trail to what it rests on (`vigil audit show`): the stored
/// domain events a decision cites, and the raw frames of a station within a time window; and
/// for a session's evidence pack, the token's record with when it was created and last changed.
extension StationStore {
    /// A domain event a decision cites, as the event log keeps it.
    public struct CitedEvent: Sendable, Equatable {
        public var sequence: Int
        public var eventId: String
        public var at: String
        public var station: String
        public var kind: String
        public var json: String
    }

    /// A raw OCPP frame as the message log keeps it.
    public struct StoredFrame: Sendable, Equatable {
        public var id: Int
        public var incoming: Bool
        public var at: String
        public var text: String
    }

    /// The events among `ids` stored between `from` and `to` (RFC 3339, the stored form,
    /// inclusive; the window keeps the read on the time index), in log order. Events the log
    /// has pruned are simply not returned.
    public func citedEvents(ids: [String], from: String, to: String) throws -> [CitedEvent] {
        guard !ids.isEmpty else { return [] }
        let wanted = Set(ids)
        return try database.rows("""
            SELECT id, event_id, at, station, kind, json FROM domain_events WHERE at >= ? AND at <= ? ORDER BY id
            """, from, to).compactMap { row in
            guard let id = row[1].text, wanted.contains(id) else { return nil }
            return CitedEvent(sequence: row[0].int ?? 0, eventId: id, at: row[2].text ?? "", station: row[3].text ?? "",
                               kind: row[4].text ?? "", json: row[5].text ?? "")
        }
    }

    /// The station's frames stored between `from` and `to` (inclusive), oldest first, at most `limit`.
    public func frames(station: String, from: String, to: String, limit: Int = 50) throws -> [StoredFrame] {
        let rows = Self.stationRows("ocpp_messages", ["incoming", "at", "text"], where: "at >= ? AND at <= ?", newestFirst: false)
        return try database.rows("SELECT id, incoming, at, text FROM (\(rows)) AS station_rows ORDER BY id LIMIT ?",
                                 Self.stationRowsValues(station: station, condition: [from, to], limit: limit) + [limit]).map { row in
            StoredFrame(id: row[0].int ?? 0, incoming: row[1].int == 1, at: row[2].text ?? "", text: row[3].text ?? "")
        }
    }

    /// A token's record with when it was first stored and last changed (the store keeps no
    /// older versions: a record changed after a session started is not what was in force then).
    public struct DatedToken: Sendable, Equatable {
        public var record: IdTokenRecord
        public var createdAt: String
        public var updatedAt: String
    }

    /// When Vigil stored session `id` (its start's arrival) and last changed its record (its
    /// stop's arrival, or a later change of its token, start or anomalies), by Vigil's clock — the session's own times are the
    /// charger's, which may be off by minutes or report an offline start long after.
    public func sessionReceipt(_ id: Int) throws -> (createdAt: String, updatedAt: String)? {
        try database.rows("SELECT created_at, updated_at FROM sessions WHERE id = ?", id).first.map { ($0[0].text ?? "", $0[1].text ?? "") }
    }

    public func datedToken(_ token: String) throws -> DatedToken? {
        try database.rows("SELECT token, status, expiry, parent, note, sites, created_at, updated_at FROM id_tokens WHERE token = ?", token)
            .first.map { row in DatedToken(record: Self.tokenRecord(row), createdAt: row[6].text ?? "", updatedAt: row[7].text ?? "") }
    }
}
