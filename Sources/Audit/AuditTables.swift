import Store

/// The audit trail's tables — `audit_log` (entries chained by hash) and `audit_checkpoints`
/// (numbered, signed) — and every statement on them, for any connection: `AuditStore` runs them
/// on the process's `DatabaseHost`, and a store appending a record together with its entry
/// (`AuditSigning`) calls `insert` inside its own transaction. One writer at a time keeps the
/// chain linear (the host's connection).
public enum AuditTables {
    /// Appends records in order, chaining each to the last (encoding v2), inside the caller's
    /// transaction; returns their ids. With a key, each is sealed (`AuditChain.seal`) and a
    /// checkpoint is signed whenever `cadence.entries` entries have followed the newest one.
    public static func insert(_ records: [AuditRecord], _ signing: AuditSigning, into database: any SQLDatabase) throws -> [Int] {
        let (key, now, cadence) = (signing.key, signing.now, signing.cadence)
        var ids: [Int] = []
        let last = try database.rows("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").first
        var id = last?[0].int ?? 0
        var previous = last?[1].text ?? AuditChain.genesis
        var covered = try newestCheckpoint(in: database)?.entryId ?? 0
        for record in records {
            id += 1
            let hash = AuditChain.hash(id: id, at: now, record: record, previousHash: previous, encoding: .current)
            try database.run("""
                INSERT INTO audit_log (id, at, kind, actor, station, site, rule, action, outcome, details, previous_hash, hash, encoding, seal)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, id, now, record.kind, record.actor, record.station, record.site, record.rule, record.action,
                record.outcome, record.details, previous, hash, AuditEntry.Encoding.current.rawValue,
                key.map { AuditChain.seal(id: id, hash: hash, key: $0) })
            if let key, id - covered >= cadence.entries {
                try insertCheckpoint(entryId: id, hash: hash, key: key, now: now, in: database)
                covered = id
            }
            ids.append(id)
            previous = hash
        }
        return ids
    }

    /// Signs a checkpoint at the newest entry unless one already covers it; whether it signed one.
    public static func checkpoint(key: [UInt8], now: String, in database: any SQLDatabase) throws -> Bool {
        var signed = false
        try database.transaction {
            guard let last = try database.rows("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").first,
                  let id = last[0].int, let hash = last[1].text else { return }
            if id > (try newestCheckpoint(in: database)?.entryId ?? 0) {
                try insertCheckpoint(entryId: id, hash: hash, key: key, now: now, in: database)
                signed = true
            }
        }
        return signed
    }

    /// Numbered after the newest (1 for the first), version 3: signs number, entry, hash and time,
    /// and says that entries from its stretch on are sealed.
    static func insertCheckpoint(entryId: Int, hash: String, key: [UInt8], now: String, in database: any SQLDatabase) throws {
        let sequence = (try newestCheckpoint(in: database)?.sequence ?? 0) + 1
        try database.run("INSERT INTO audit_checkpoints (entry_id, hash, signature, at, sequence, version) VALUES (?, ?, ?, ?, ?, 3)",
                         entryId, hash, AuditChain.signV3(sequence: sequence, entryId: entryId, hash: hash, at: now, key: key), now, sequence)
    }

    static func newestCheckpoint(in database: any SQLDatabase) throws -> AuditCheckpoint? {
        try database.rows(checkpointColumns + " ORDER BY sequence DESC LIMIT 1").first.map(checkpointRow)
    }

    static let auditColumns = "SELECT id, at, kind, actor, station, site, rule, action, outcome, details, previous_hash, hash, encoding, seal FROM audit_log"
    static let checkpointColumns = "SELECT id, entry_id, hash, signature, at, sequence, version FROM audit_checkpoints"

    static func entryRow(_ row: [SQLValue]) -> AuditEntry {
        AuditEntry(id: row[0].int ?? 0, at: row[1].text ?? "",
                   record: AuditRecord(kind: row[2].text ?? "", actor: row[3].text ?? "", station: row[4].text, site: row[5].text,
                                       rule: row[6].text, action: row[7].text, outcome: row[8].text, details: row[9].text ?? ""),
                   previousHash: row[10].text ?? "", hash: row[11].text ?? "",
                   // An unknown encoding number reads as v1, whose hash then fails: never silently trusted.
                   encoding: row[12].int.flatMap { AuditEntry.Encoding(rawValue: $0) } ?? .v1, seal: row[13].text)
    }

    static func checkpointRow(_ row: [SQLValue]) -> AuditCheckpoint {
        AuditCheckpoint(id: row[0].int ?? 0, sequence: row[5].int ?? row[0].int ?? 0, entryId: row[1].int ?? 0, hash: row[2].text ?? "",
                        signature: row[3].text ?? "", at: row[4].text ?? "", version: row[6].int ?? 1)
    }

    public static func entries(_ query: AuditQuery, in database: any SQLDatabase) throws -> [AuditEntry] {
        // `action` matches a prefix without regard to case, so "reset" finds "reset soft" and
        // "Reset hard" — compared, not LIKE: PostgreSQL's LIKE minds case where SQLite's does not,
        // and a `_` or `%` in the filter would be a wildcard.
        // The newest `limit` that match, in id order (a listing of a long trail shows its end).
        try database.rows("SELECT * FROM (" + auditColumns + """
             WHERE (? IS NULL OR at >= ?) AND (? IS NULL OR at <= ?) AND (? IS NULL OR station = ?) AND (? IS NULL OR site = ?)
               AND (? IS NULL OR rule = ?) AND (? IS NULL OR lower(substr(action, 1, length(?))) = lower(?)) AND (? IS NULL OR outcome = ?)
               AND (? IS NULL OR actor = ?) AND (? IS NULL OR kind = ?)
             ORDER BY id DESC LIMIT ?) AS newest ORDER BY id
            """, query.from, query.from, query.to, query.to, query.station, query.station, query.site, query.site,
            query.rule, query.rule, query.action, query.action, query.action, query.outcome, query.outcome, query.actor, query.actor,
            query.kind, query.kind, query.limit).map(entryRow)
    }

    /// Every entry in id order, a page at a time (for verification and export).
    public static func page(afterId: Int, limit: Int, in database: any SQLDatabase) throws -> [AuditEntry] {
        try database.rows(auditColumns + " WHERE id > ? ORDER BY id LIMIT ?", afterId, limit).map(entryRow)
    }

    /// Every checkpoint, by sequence number.
    public static func checkpoints(in database: any SQLDatabase) throws -> [AuditCheckpoint] {
        try database.rows(checkpointColumns + " ORDER BY sequence").map(checkpointRow)
    }

    /// Checkpoints numbered after `sequence` (what the anchor has not seen yet).
    public static func checkpoints(afterSequence sequence: Int, in database: any SQLDatabase) throws -> [AuditCheckpoint] {
        try database.rows(checkpointColumns + " WHERE sequence > ? ORDER BY sequence", sequence).map(checkpointRow)
    }
}
