import Audit
import CPMS
import DomainEvents
import Foundation
import RuleEngine
import Store

/// The rule engine's records, tables this module owns: the decisions it made (`decisions`) and
/// its serialised state (`rule_state`, so windows survive a restart), run on the process's
/// `DatabaseHost`. Decisions are written in the host's group commit together with their audit
/// entries and the runner's event-log cursor: after a restart nothing is decided twice and no
/// decision is on record without its entry. The saved state's position is also an event-log
/// cursor, so the log's pruning keeps what a restart would replay without reading this module's
/// tables. The tables predate schema tracks (the CPMS list made them); changes from now on are
/// this module's "rules" track.
public struct DecisionStore: Sendable {
    let host: any DatabaseHost

    public init(host: any DatabaseHost) {
        self.host = host
    }

    public static let schema = SchemaTrack(name: "rules", migrations: [
        Migration(version: 1, name: "the text of every rule version that decided something, by its hash", sql: """
            CREATE TABLE IF NOT EXISTS rule_versions (
                hash TEXT PRIMARY KEY,
                rule TEXT NOT NULL,
                canonical TEXT NOT NULL,
                yaml TEXT NOT NULL,
                first_decided_at TEXT NOT NULL
            );
            """),
        // A large state is saved in pieces, each in a commit of its own (`saveRuleState`).
        Migration(version: 2, name: "the rule state in pieces", sql: """
            CREATE TABLE rule_state_pieces (
                save INTEGER NOT NULL,
                piece INTEGER NOT NULL,
                text TEXT NOT NULL,
                PRIMARY KEY (save, piece)
            );
            ALTER TABLE rule_state ADD COLUMN save INTEGER;
            ALTER TABLE rule_state ADD COLUMN pieces INTEGER NOT NULL DEFAULT 0;
            """),
    ])

    /// The fence of `appendDecisions` found another node holding the remediation role.
    public struct RoleLost: Error, CustomStringConvertible {
        public var description: String { "this node no longer holds the remediation role" }
    }

    /// The fence could not read whether this node holds the role (fail closed: as lost).
    public struct RoleUnreadable: Error, CustomStringConvertible {
        public var underlying: String
        public var description: String { "whether this node holds the remediation role cannot be read: \(underlying)" }
    }

    /// Runs `fence` on its own (a read): false or unreadable both say this node must not decide.
    public func stillDeciding(_ fence: @Sendable (any SQLDatabase) throws -> Bool) async -> Bool {
        (try? await host.withDatabase(schema: Self.schema) { database in try fence(database) }) ?? false
    }

    /// Stores decisions (and moves the consumer's cursor, keeps the text of rule versions not
    /// stored yet, and appends the decisions' audit entries, made from their ids) in one
    /// transaction of the next group commit; returns their ids. `fence` runs first in that
    /// transaction: false writes nothing (`RoleLost`).
    @discardableResult
    public func appendDecisions(_ decisions: [DecisionRecord],
                                cursor: (consumer: String, value: StationStore.StoredCursor, now: String)? = nil,
                                versions: [RuleVersion] = [],
                                audit: (records: @Sendable ([Int]) -> [AuditRecord], signing: AuditSigning)? = nil,
                                fence: (@Sendable (any SQLDatabase) throws -> Bool)? = nil) async throws -> [Int] {
        try await host.committing(schema: Self.schema) { database in
            var ids: [Int] = []
            try database.transaction {
                // Several nodes: read in the same transaction that this node still decides; a
                // node paused past its role writes nothing (the holder replays from the cursor).
                if let fence {
                    let held: Bool
                    do { held = try fence(database) } catch { throw RoleUnreadable(underlying: "\(error)") }
                    if !held { throw RoleLost() }
                }
                // The consumer's cursor moves in the same transaction: after a restart, what these
                // decisions came from is not decided again.
                if let cursor { try StationStore.writeEventCursor(consumer: cursor.consumer, cursor.value, now: cursor.now, in: database) }
                for decision in decisions {
                    ids.append(try database.insert("""
                        INSERT INTO decisions (at, rule, rule_hash, mode, kind, target, station, connector, site, rung, action, event_ids, reason, json)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, decision.at, decision.rule, decision.ruleHash, decision.mode, decision.kind, decision.target, decision.station,
                        decision.connector, decision.site, decision.rung, decision.action, decision.eventIds, decision.reason, decision.json))
                }
                for version in versions {
                    try database.run("""
                        INSERT INTO rule_versions (hash, rule, canonical, yaml, first_decided_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (hash) DO NOTHING
                        """, version.hash, version.rule, version.canonical, version.yaml, version.firstDecidedAt)
                }
                // Their audit entries in the same transaction: a decision is never on record
                // without its entry in the chain, nor the other way round.
                if let audit {
                    let records = audit.records(ids)
                    if !records.isEmpty { _ = try AuditTables.insert(records, audit.signing, into: database) }
                }
            }
            return ids
        }
    }

    /// The latest decisions, newest last: the `limit` newest of those matching every filter given
    /// (`from` and `to` in the stored form, inclusive).
    public func decisions(station: String? = nil, rule: String? = nil, kind: Decision.Kind? = nil, from: String? = nil, to: String? = nil,
                          limit: Int = 100) async throws -> [DecisionRow] {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("""
                SELECT id, at, rule, kind, target, action, reason, mode, json, rule_hash, event_ids FROM (
                    SELECT * FROM decisions WHERE (? IS NULL OR station = ?) AND (? IS NULL OR rule = ?) AND (? IS NULL OR kind = ?)
                      AND (? IS NULL OR at >= ?) AND (? IS NULL OR at <= ?)
                    ORDER BY id DESC LIMIT ?
                ) AS recent ORDER BY id
                """, station, station, rule, rule, kind?.rawValue, kind?.rawValue, from, from, to, to, limit).map { row in
                DecisionRow(id: row[0].int ?? 0, at: row[1].text ?? "", rule: row[2].text ?? "", kind: row[3].text ?? "",
                            target: row[4].text ?? "", action: row[5].text, reason: row[6].text ?? "", mode: row[7].text ?? "",
                            json: row[8].text ?? "", ruleHash: row[9].text ?? "", eventIds: row[10].text ?? "")
            }
        }
    }

    /// One stored decision with its rule hash and the events it was decided on; nil when no
    /// decision has the id.
    public func decision(id: Int) async throws -> (row: DecisionRow, ruleHash: String, eventIds: [String])? {
        try await host.withDatabase(schema: Self.schema) { database in
            guard let row = try database.rows("""
                SELECT id, at, rule, kind, target, action, reason, mode, json, rule_hash, event_ids FROM decisions WHERE id = ?
                """, id).first else { return nil }
            let decision = DecisionRow(id: row[0].int ?? 0, at: row[1].text ?? "", rule: row[2].text ?? "", kind: row[3].text ?? "",
                                       target: row[4].text ?? "", action: row[5].text, reason: row[6].text ?? "", mode: row[7].text ?? "",
                                       json: row[8].text ?? "", ruleHash: row[9].text ?? "")
            return (decision, row[9].text ?? "", (row[10].text ?? "").split(separator: ",").map(String.init))
        }
    }

    /// The ladder rung a stored decision was about (nil: none, or no such decision).
    public func rung(ofDecision id: Int) async throws -> Int? {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("SELECT rung FROM decisions WHERE id = ?", id).first?.first?.int
        }
    }

    /// The event-log consumer name under which the saved state's position is kept: the event
    /// log never prunes what a restart from this state would replay.
    public static let savedStateConsumer = "rules-saved-state"

    /// The stored rule versions whose hash starts with `prefix` (case-insensitive), oldest first.
    public func ruleVersions(hashPrefix prefix: String) async throws -> [RuleVersion] {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("""
                SELECT hash, rule, canonical, yaml, first_decided_at FROM rule_versions WHERE substr(hash, 1, ?) = ?
                ORDER BY first_decided_at, hash
                """, prefix.count, prefix.lowercased()).map(Self.ruleVersion)
        }
    }

    /// Every stored version of `rule`, oldest first.
    public func ruleVersions(rule: String) async throws -> [RuleVersion] {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("""
                SELECT hash, rule, canonical, yaml, first_decided_at FROM rule_versions WHERE rule = ? ORDER BY first_decided_at, hash
                """, rule).map(Self.ruleVersion)
        }
    }

    static func ruleVersion(_ row: [SQLValue]) -> RuleVersion {
        RuleVersion(hash: row[0].text ?? "", rule: row[1].text ?? "", canonical: row[2].text ?? "", yaml: row[3].text ?? "",
                    firstDecidedAt: row[4].text ?? "")
    }
}
