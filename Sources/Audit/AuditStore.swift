import Store

/// The audit trail on the process's database (`DatabaseHost`): entries appended in one
/// transaction per call, checkpoints, and the reads `vigil audit` and the anchor writer need.
/// The tables predate schema tracks (the CPMS list's versions 7 and 18 made them); changes to
/// them from now on are migrations of this module's "audit" track.
public struct AuditStore: Sendable {
    let host: any DatabaseHost

    public init(host: any DatabaseHost) {
        self.host = host
    }

    /// The audit tables' own migrations.
    public static let schema = SchemaTrack(name: "audit", migrations: [
        Migration(version: 1, name: "audit key fingerprint", sql: """
            CREATE TABLE IF NOT EXISTS audit_key_check (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                fingerprint TEXT NOT NULL,
                created_at TEXT NOT NULL
            );
            """),
    ])

    /// The fingerprint of the key this trail is signed with (`AuditChain.keyFingerprint`),
    /// claimed by the first `vigil serve` that signs it; nil before.
    public func auditKeyFingerprint() async throws -> String? {
        try await host.withDatabase(schema: Self.schema) { database in try Self.claimedFingerprint(in: database) }
    }

    /// The claimed key's fingerprint in `database`; nil while none is claimed.
    static func claimedFingerprint(in database: any SQLDatabase) throws -> String? {
        try database.rows("SELECT fingerprint FROM audit_key_check WHERE id = 1").first?.first?.text
    }

    /// Whether `key` may sign this trail (`signingKey`): serve refuses to start with one that may not.
    public func keyMaySign(_ key: [UInt8]) async throws -> Bool {
        try await host.withDatabase(schema: Self.schema) { database in try Self.signingKey(key, in: database) != nil }
    }

    /// Stores `fingerprint` as the trail's key unless one is stored already; the stored one
    /// (the first claim wins: two nodes starting at once with different keys, one is refused).
    public func claimAuditKey(fingerprint: String, now: String) async throws -> String {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.transaction {
                try database.run("INSERT INTO audit_key_check (id, fingerprint, created_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING",
                                 fingerprint, now)
                return try Self.claimedFingerprint(in: database) ?? fingerprint
            }
        }
    }

    /// Appends records in order, chaining each to the last; returns their ids. With a key, a
    /// checkpoint is signed, inside the same transaction, whenever `cadence.entries` entries
    /// have followed the newest one. The time half of the cadence is the caller's (`Auditor.run`).
    @discardableResult
    public func appendAudit(_ records: [AuditRecord], key: [UInt8]?, now: String,
                            cadence: AuditChain.Cadence = .standard) async throws -> [Int] {
        guard !records.isEmpty else { return [] }
        return try await host.withDatabase(schema: Self.schema) { database in
            try database.transaction {
                try AuditTables.insert(records, AuditSigning(key: try Self.signingKey(key, in: database), now: now, cadence: cadence), into: database)
            }
        }
    }

    /// `key` when it may sign this trail: it is the claimed one, or — nothing claimed yet — the
    /// newest checkpoint verifies with it (or there is none). A
    /// CLI command holding another key file (another working directory's `./var/audit.key`)
    /// appends its entries unsigned instead — serve signs them with the trail's key — for a
    /// checkpoint under a foreign key would make `vigil audit verify` report forgery and leave
    /// serve refusing every key.
    static func signingKey(_ key: [UInt8]?, in database: any SQLDatabase) throws -> [UInt8]? {
        guard let key else { return nil }
        guard let claimed = try claimedFingerprint(in: database) else {
            // Nothing claimed yet (a trail signed by an earlier version): the newest checkpoint decides.
            guard let newest = try AuditTables.newestCheckpoint(in: database) else { return key }
            return AuditChain.expectedSignature(newest, key: key) == newest.signature ? key : nil
        }
        return claimed == AuditChain.keyFingerprint(key) ? key : nil
    }

    /// Signs a checkpoint at the newest entry unless one already covers it (at shutdown, on
    /// serve's timer, after a CLI command's entry). Returns whether it signed one.
    @discardableResult
    public func checkpointAudit(key: [UInt8], now: String) async throws -> Bool {
        try await host.withDatabase(schema: Self.schema) { database in
            guard let key = try Self.signingKey(key, in: database) else { return false }   // not the trail's key: nothing signed
            return try AuditTables.checkpoint(key: key, now: now, in: database)
        }
    }

    public func auditEntries(_ query: AuditQuery) async throws -> [AuditEntry] {
        try await host.withDatabase(schema: Self.schema) { database in try AuditTables.entries(query, in: database) }
    }

    /// Whether some entry's outcome is exactly `outcome` (an index-free scan: for checking an
    /// operator's `--outcome` outside Vigil's own vocabulary, not for hot paths).
    public func hasOutcome(_ outcome: String) async throws -> Bool {
        try await host.withDatabase(schema: Self.schema) { database in
            !(try database.rows("SELECT 1 FROM audit_log WHERE outcome = ? LIMIT 1", outcome).isEmpty)
        }
    }

    /// The distinct outcomes on record, sorted (for naming the valid ones in a refusal).
    public func recordedOutcomes() async throws -> [String] {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("SELECT DISTINCT outcome FROM audit_log WHERE outcome IS NOT NULL ORDER BY outcome").compactMap { $0.first?.text }
        }
    }

    /// Every entry in id order, a page at a time (for verification and export).
    public func auditPage(afterId: Int, limit: Int) async throws -> [AuditEntry] {
        try await host.withDatabase(schema: Self.schema) { database in try AuditTables.page(afterId: afterId, limit: limit, in: database) }
    }

    /// The newest entry (the chain's head); nil while the trail is empty.
    public func auditHead() async throws -> AuditEntry? {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows(AuditTables.auditColumns + " ORDER BY id DESC LIMIT 1").first.map(AuditTables.entryRow)
        }
    }

    /// The entries after the newest checkpoint (all of them without one): the first and last
    /// id and the oldest one's time; nil when every entry is signed.
    public func unsignedTail() async throws -> (first: Int, last: Int, oldestAt: String)? {
        try await host.withDatabase(schema: Self.schema) { database in
            let covered = try AuditTables.newestCheckpoint(in: database)?.entryId ?? 0
            guard let row = try database.rows("SELECT min(id), max(id) FROM audit_log WHERE id > ?", covered).first,
                  let first = row[0].int, let last = row[1].int,
                  let at = try database.rows("SELECT at FROM audit_log WHERE id = ?", first).first?.first?.text else { return nil }
            return (first, last, at)
        }
    }

    /// The times of the entries no checkpoint covers yet (at most 10,000: serve never leaves
    /// more than a cadence unsigned; beyond that the tail is late anyway).
    public func unsignedTailTimes() async throws -> [String] {
        try await host.withDatabase(schema: Self.schema) { database in
            let covered = try AuditTables.newestCheckpoint(in: database)?.entryId ?? 0
            return try database.rows("SELECT at FROM audit_log WHERE id > ? ORDER BY id LIMIT 10000", covered).compactMap { $0.first?.text }
        }
    }

    /// The checkpoint with the highest number; nil when none was signed.
    public func newestAuditCheckpoint() async throws -> AuditCheckpoint? {
        try await host.withDatabase(schema: Self.schema) { database in try AuditTables.newestCheckpoint(in: database) }
    }

    /// Entry `id`; nil when there is none.
    public func auditEntry(id: Int) async throws -> AuditEntry? {
        try await host.withDatabase(schema: Self.schema) { database in try AuditTables.page(afterId: id - 1, limit: 1, in: database) }
            .first { $0.id == id }
    }

    /// Every checkpoint, by sequence number.
    public func auditCheckpoints() async throws -> [AuditCheckpoint] {
        try await host.withDatabase(schema: Self.schema) { database in try AuditTables.checkpoints(in: database) }
    }

    /// Checkpoints numbered after `sequence` (what the anchor has not seen yet).
    public func auditCheckpoints(afterSequence sequence: Int) async throws -> [AuditCheckpoint] {
        try await host.withDatabase(schema: Self.schema) { database in try AuditTables.checkpoints(afterSequence: sequence, in: database) }
    }
}
