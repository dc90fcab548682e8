import Audit
import Foundation
import Store

/// What appending audit entries needs besides the records: the checkpoint key, the time and
/// the cadence. Writes that record an action take it (`appendDecisions`, `insertCommand`) to
/// append their audit entries in their own transaction: the record and its entry are durable
/// together, never one without the other, and cost one commit.
public struct AuditSigning: Sendable {
    public let key: [UInt8]?
    public let now: String
    public let cadence: AuditChain.Cadence

    public init(key: [UInt8]?, now: String, cadence: AuditChain.Cadence = .standard) {
        self.key = key
        self.now = now
        self.cadence = cadence
    }
}

/// The audit trail in the store: entries appended with their chain hashes inside one
/// transaction (the store's single writer keeps the chain linear), numbered signed checkpoints
/// at the cadence `AuditChain.Cadence.standard` sets, and queries for `vigil audit`.
extension StationStore {
    /// Appends records in order, chaining each to the last (encoding v2); returns their ids.
    /// With a key, a checkpoint is signed, inside the same transaction, whenever
    /// `cadence.entries` entries have followed the newest one. The time half of the cadence is
    /// the caller's: `Auditor.run` calls `checkpointAudit` on a timer.
    @discardableResult
    public func appendAudit(_ records: [AuditRecord], key: [UInt8]?, now: String,
                            cadence: AuditChain.Cadence = .standard) throws -> [Int] {
        guard !records.isEmpty else { return [] }
        return try database.transaction { try insertAudit(records, AuditSigning(key: key, now: now, cadence: cadence)) }
    }

    /// `appendAudit`'s inserts, inside the caller's transaction.
    func insertAudit(_ records: [AuditRecord], _ signing: AuditSigning) throws -> [Int] {
        let (key, now, cadence) = (signing.key, signing.now, signing.cadence)
        var ids: [Int] = []
        let last = try database.rows("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").first
        var id = last?[0].int ?? 0
        var previous = last?[1].text ?? AuditChain.genesis
        var covered = try newestCheckpoint()?.entryId ?? 0
        for record in records {
            id += 1
            let hash = AuditChain.hash(id: id, at: now, record: record, previousHash: previous, encoding: .current)
            try database.run("""
                INSERT INTO audit_log (id, at, kind, actor, station, site, rule, action, outcome, details, previous_hash, hash, encoding)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, id, now, record.kind, record.actor, record.station, record.site, record.rule, record.action,
                record.outcome, record.details, previous, hash, AuditEntry.Encoding.current.rawValue)
            if let key, id - covered >= cadence.entries {
                try insertCheckpoint(entryId: id, hash: hash, key: key, now: now)
                covered = id
            }
            ids.append(id)
            previous = hash
        }
        return ids
    }

    /// Signs a checkpoint at the newest entry unless one already covers it (at shutdown, on
    /// serve's timer, after a CLI command's entry). Returns whether it signed one.
    @discardableResult
    public func checkpointAudit(key: [UInt8], now: String) throws -> Bool {
        var signed = false
        try database.transaction {
            guard let last = try database.rows("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").first,
                  let id = last[0].int, let hash = last[1].text else { return }
            if id > (try newestCheckpoint()?.entryId ?? 0) {
                try insertCheckpoint(entryId: id, hash: hash, key: key, now: now)
                signed = true
            }
        }
        return signed
    }

    /// Numbered after the newest (1 for the first), version 2: signs number, entry, hash and time.
    private func insertCheckpoint(entryId: Int, hash: String, key: [UInt8], now: String) throws {
        let sequence = (try newestCheckpoint()?.sequence ?? 0) + 1
        try database.run("INSERT INTO audit_checkpoints (entry_id, hash, signature, at, sequence, version) VALUES (?, ?, ?, ?, ?, 2)",
                         entryId, hash, AuditChain.sign(sequence: sequence, entryId: entryId, hash: hash, at: now, key: key), now, sequence)
    }

    private func newestCheckpoint() throws -> AuditCheckpoint? {
        try database.rows(Self.checkpointColumns + " ORDER BY sequence DESC LIMIT 1").first.map(Self.auditCheckpoint)
    }

    /// A filter for `vigil audit query` and exports; nil fields match anything.
    public struct AuditQuery: Sendable {
        public var from: String?
        public var to: String?
        public var station: String?
        public var site: String?
        public var rule: String?
        public var action: String?
        public var outcome: String?
        public var actor: String?
        public var kind: String?
        public var limit: Int

        public init(from: String? = nil, to: String? = nil, station: String? = nil, site: String? = nil, rule: String? = nil,
                    action: String? = nil, outcome: String? = nil, actor: String? = nil, kind: String? = nil, limit: Int = 1_000) {
            self.from = from
            self.to = to
            self.station = station
            self.site = site
            self.rule = rule
            self.action = action
            self.outcome = outcome
            self.actor = actor
            self.kind = kind
            self.limit = limit
        }
    }

    static let auditColumns = "SELECT id, at, kind, actor, station, site, rule, action, outcome, details, previous_hash, hash, encoding FROM audit_log"
    static let checkpointColumns = "SELECT id, entry_id, hash, signature, at, sequence, version FROM audit_checkpoints"

    static func auditEntry(_ row: [SQLValue]) -> AuditEntry {
        AuditEntry(id: row[0].int ?? 0, at: row[1].text ?? "",
                   record: AuditRecord(kind: row[2].text ?? "", actor: row[3].text ?? "", station: row[4].text, site: row[5].text,
                                       rule: row[6].text, action: row[7].text, outcome: row[8].text, details: row[9].text ?? ""),
                   previousHash: row[10].text ?? "", hash: row[11].text ?? "",
                   // An unknown encoding number reads as v1, whose hash then fails: never silently trusted.
                   encoding: row[12].int.flatMap { AuditEntry.Encoding(rawValue: $0) } ?? .v1)
    }

    static func auditCheckpoint(_ row: [SQLValue]) -> AuditCheckpoint {
        AuditCheckpoint(id: row[0].int ?? 0, sequence: row[5].int ?? row[0].int ?? 0, entryId: row[1].int ?? 0, hash: row[2].text ?? "",
                        signature: row[3].text ?? "", at: row[4].text ?? "", version: row[6].int ?? 1)
    }

    public func auditEntries(_ query: AuditQuery) throws -> [AuditEntry] {
        // `action` matches a prefix, so "reset" finds "reset soft" and "reset hard".
        try database.rows(Self.auditColumns + """
             WHERE (? IS NULL OR at >= ?) AND (? IS NULL OR at <= ?) AND (? IS NULL OR station = ?) AND (? IS NULL OR site = ?)
               AND (? IS NULL OR rule = ?) AND (? IS NULL OR action LIKE ? || '%') AND (? IS NULL OR outcome = ?)
               AND (? IS NULL OR actor = ?) AND (? IS NULL OR kind = ?)
             ORDER BY id LIMIT ?
            """, query.from, query.from, query.to, query.to, query.station, query.station, query.site, query.site,
            query.rule, query.rule, query.action, query.action, query.outcome, query.outcome, query.actor, query.actor,
            query.kind, query.kind, query.limit).map(Self.auditEntry)
    }

    /// Every entry in id order, a page at a time (for verification and export).
    public func auditPage(afterId: Int, limit: Int) throws -> [AuditEntry] {
        try database.rows(Self.auditColumns + " WHERE id > ? ORDER BY id LIMIT ?", afterId, limit).map(Self.auditEntry)
    }

    /// Every checkpoint, by sequence number.
    public func auditCheckpoints() throws -> [AuditCheckpoint] {
        try database.rows(Self.checkpointColumns + " ORDER BY sequence").map(Self.auditCheckpoint)
    }

    /// Checkpoints numbered after `sequence` (what the anchor has not seen yet).
    public func auditCheckpoints(afterSequence sequence: Int) throws -> [AuditCheckpoint] {
        try database.rows(Self.checkpointColumns + " WHERE sequence > ? ORDER BY sequence", sequence).map(Self.auditCheckpoint)
    }

    // MARK: Settings (the kill switch)

    public func setting(_ key: String) throws -> String? {
        try database.rows("SELECT value FROM settings WHERE key = ?", key).first?.first?.text
    }

    public func setSetting(_ key: String, _ value: String, by person: String, now: String) throws {
        try database.run("""
            INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by
            """, key, value, now, person)
    }
}
