import Audit
import DomainEvents
import Foundation
import Store

/// The rule engine's records in the store: the decisions it made (with its event-log cursor),
/// and its serialised state (so windows survive a restart).
extension StationStore {
    /// A stored decision, as `vigil rules decisions` and the API show it.
    public struct DecisionRow: Sendable, Equatable {
        public var id: Int
        public var at: String
        public var rule: String
        public var kind: String
        public var target: String
        public var action: String?
        public var reason: String
        public var mode: String
        public var json: String
    }

    /// Events in recording order, `limit` at a time after row `afterRow`, optionally within a time range.
    public func events(afterRow: Int, limit: Int, from: String? = nil, to: String? = nil) throws -> [(row: Int, json: String)] {
        try database.rows("""
            SELECT id, json FROM domain_events WHERE id > ? AND (? IS NULL OR at >= ?) AND (? IS NULL OR at <= ?)
            ORDER BY id LIMIT ?
            """, afterRow, from, from, to, to, limit).map { ($0[0].int ?? 0, $0[1].text ?? "") }
    }

    /// Deletes events older than the retention — never one a consumer (or the rule engine's
    /// saved state) has not done, and never the newest (sequences must not restart).
    public func pruneEvents(olderThanSeconds: Int, now: String) throws {
        let keepFrom = try eventLogLowWater() ?? 0
        try database.run("""
            DELETE FROM domain_events WHERE \(StoreTime.seconds("at")) < \(StoreTime.seconds("?")) AND id <= ?
                AND id < (SELECT max(id) FROM domain_events)
            """, StoreTime.shifted(now, by: -Double(olderThanSeconds)), keepFrom)
    }

    @discardableResult
    public func appendDecisions(_ decisions: [DecisionRecord],
                                 cursor: (consumer: String, value: StoredCursor, now: String)? = nil,
                                 audit: (records: [AuditRecord], signing: AuditSigning)? = nil) async throws -> [Int] {
        try await committed { [self] in
            var ids: [Int] = []
            try database.transaction {
                // The consumer's cursor moves in the same transaction: after a restart, what these
                // decisions came from is not decided again.
                if let cursor { try writeEventCursor(consumer: cursor.consumer, cursor.value, now: cursor.now) }
                for decision in decisions {
                    ids.append(try database.insert("""
                        INSERT INTO decisions (at, rule, rule_hash, mode, kind, target, station, connector, site, rung, action, event_ids, reason, json)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, decision.at, decision.rule, decision.ruleHash, decision.mode, decision.kind, decision.target, decision.station,
                        decision.connector, decision.site, decision.rung, decision.action, decision.eventIds, decision.reason, decision.json))
                }
                // Their audit entries in the same transaction: a decision is never on record
                // without its entry in the chain, nor the other way round.
                if let audit, !audit.records.isEmpty { _ = try AuditTables.insert(audit.records, audit.signing, into: database) }
            }
            return ids
        }
    }

    /// The latest decisions, newest last, optionally for one station or rule.
    public func decisions(station: String? = nil, rule: String? = nil, limit: Int = 100) throws -> [DecisionRow] {
        try database.rows("""
            SELECT id, at, rule, kind, target, action, reason, mode, json FROM (
                SELECT * FROM decisions WHERE (? IS NULL OR station = ?) AND (? IS NULL OR rule = ?) ORDER BY id DESC LIMIT ?
            ) ORDER BY id
            """, station, station, rule, rule, limit).map { row in
            DecisionRow(id: row[0].int ?? 0, at: row[1].text ?? "", rule: row[2].text ?? "", kind: row[3].text ?? "",
                        target: row[4].text ?? "", action: row[5].text, reason: row[6].text ?? "", mode: row[7].text ?? "",
                        json: row[8].text ?? "")
        }
    }

    /// The rule engine's saved state, with the event-log cursor it was taken at and the
    /// engine's time then (nil for a state saved before the event log had cursors).
    public struct SavedRuleState: Sendable {
        public var json: String
        public var cursor: EventCursor?
        public var engineTime: String?
    }

    public func saveRuleState(_ json: String, cursor: EventCursor?, engineTime: String?, now: String) async throws {
        try await committed { [self] in
            try database.run("""
                INSERT INTO rule_state (id, saved_at, json, position, ahead, engine_time) VALUES (1, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET saved_at = excluded.saved_at, json = excluded.json, position = excluded.position,
                    ahead = excluded.ahead, engine_time = excluded.engine_time
                """, now, json, cursor?.position, cursor?.aheadText ?? "", engineTime)
        }
    }

    public func ruleState() throws -> SavedRuleState? {
        guard let row = try database.rows("SELECT json, position, ahead, engine_time FROM rule_state WHERE id = 1").first else { return nil }
        var cursor: EventCursor?
        if let position = row[1].int {
            guard let ahead = EventCursor.ahead(from: row[2].text ?? "") else {
                throw UnreadableEvent(sequence: position, error: "the rule state's cursor is damaged")
            }
            cursor = EventCursor(position: position, ahead: ahead)
        }
        return SavedRuleState(json: row[0].text ?? "", cursor: cursor, engineTime: row[3].text)
    }
}
