import Foundation
import Store

/// The rule engine's records in the store: the domain events it consumed (for replay), the
/// decisions it made, and its serialised state (so windows survive a restart).
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

    public func appendEvents(_ events: [(eventId: String, at: String, station: String, kind: String, json: String)]) async throws {
        try await committed { [self] in
            try database.transaction {
                for event in events {
                    try database.run("INSERT INTO domain_events (event_id, at, station, kind, json) VALUES (?, ?, ?, ?, ?)",
                                     event.eventId, event.at, event.station, event.kind, event.json)
                }
            }
        }
    }

    /// Events in recording order, `limit` at a time after row `afterRow`, optionally within a time range.
    public func events(afterRow: Int, limit: Int, from: String? = nil, to: String? = nil) throws -> [(row: Int, json: String)] {
        try database.rows("""
            SELECT id, json FROM domain_events WHERE id > ? AND (? IS NULL OR at >= ?) AND (? IS NULL OR at <= ?)
            ORDER BY id LIMIT ?
            """, afterRow, from, from, to, to, limit).map { ($0[0].int ?? 0, $0[1].text ?? "") }
    }

    public func pruneEvents(olderThanSeconds: Int, now: String) throws {
        try database.run("DELETE FROM domain_events WHERE \(StoreTime.seconds("at")) < \(StoreTime.seconds("?"))",
                         StoreTime.shifted(now, by: -Double(olderThanSeconds)))
    }

    @discardableResult
    public func appendDecisions(_ decisions: [(at: String, rule: String, ruleHash: String, mode: String, kind: String, target: String,
                                               station: String?, connector: Int?, site: String?, rung: Int?, action: String?,
                                               eventIds: String, reason: String, json: String)]) async throws -> [Int] {
        try await committed { [self] in
            var ids: [Int] = []
            try database.transaction {
                for decision in decisions {
                    ids.append(try database.insert("""
                        INSERT INTO decisions (at, rule, rule_hash, mode, kind, target, station, connector, site, rung, action, event_ids, reason, json)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, decision.at, decision.rule, decision.ruleHash, decision.mode, decision.kind, decision.target, decision.station,
                        decision.connector, decision.site, decision.rung, decision.action, decision.eventIds, decision.reason, decision.json))
                }
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

    public func saveRuleState(_ json: String, now: String) throws {
        try database.run("""
            INSERT INTO rule_state (id, saved_at, json) VALUES (1, ?, ?)
            ON CONFLICT (id) DO UPDATE SET saved_at = excluded.saved_at, json = excluded.json
            """, now, json)
    }

    public func ruleState() throws -> String? {
        try database.rows("SELECT json FROM rule_state WHERE id = 1").first?.first?.text
    }
}
