import Foundation
import Digests
import Store

/// The billing tables — tariff versions, CDRs and sessions that could not be priced — and
/// their statements, run on the process's database through its `DatabaseHost` (the CPMS
/// store). CDRs and tariff versions are immutable: triggers refuse UPDATE and DELETE (and, on
/// PostgreSQL, TRUNCATE), so a record, once written, can only be read. Each engine has its own
/// triggers (SQLite's `RAISE(ABORT …)`, PostgreSQL's `billing_immutable()`).
public struct BillingStore: Sendable {
    let host: any DatabaseHost

    public init(host: any DatabaseHost) {
        self.host = host
    }

    /// The billing tables' own migrations (`SchemaTrack` "billing").
    public static let schema = SchemaTrack(name: "billing", migrations: [
        Migration(version: 1, name: "tariff versions, CDRs and unpriced sessions", sql: """
            CREATE TABLE tariff_versions (
                id INTEGER PRIMARY KEY,
                tariff TEXT NOT NULL,
                version INTEGER NOT NULL,
                hash TEXT NOT NULL,
                canonical_json TEXT NOT NULL,
                valid_from TEXT NOT NULL,
                UNIQUE (tariff, version)
            );
            CREATE TABLE cdrs (
                id INTEGER PRIMARY KEY,
                session INTEGER NOT NULL UNIQUE,
                station TEXT NOT NULL,
                site TEXT,
                evse INTEGER NOT NULL,
                connector INTEGER NOT NULL,
                id_token TEXT,
                token_group TEXT NOT NULL,
                authorization TEXT,
                start_time TEXT NOT NULL,
                stop_time TEXT NOT NULL,
                energy_wh TEXT NOT NULL,
                energy_source TEXT NOT NULL CHECK (energy_source IN ('register', 'samples')),
                tariff TEXT NOT NULL,
                tariff_version INTEGER NOT NULL,
                currency TEXT NOT NULL,
                items TEXT NOT NULL,
                net INTEGER NOT NULL,
                vat INTEGER NOT NULL,
                gross INTEGER NOT NULL,
                document TEXT NOT NULL,
                content_hash TEXT NOT NULL,
                created_at TEXT NOT NULL
            );
            CREATE INDEX cdrs_stop ON cdrs (stop_time);
            CREATE TABLE unpriced_sessions (
                session INTEGER PRIMARY KEY,
                station TEXT NOT NULL,
                start_time TEXT NOT NULL,
                stop_time TEXT,
                reason TEXT NOT NULL,
                recorded_at TEXT NOT NULL
            );
            """, sqlite: """
            CREATE TRIGGER tariff_versions_no_update BEFORE UPDATE ON tariff_versions
                BEGIN SELECT RAISE(ABORT, 'tariff versions are immutable'); END;
            CREATE TRIGGER tariff_versions_no_delete BEFORE DELETE ON tariff_versions
                BEGIN SELECT RAISE(ABORT, 'tariff versions are immutable'); END;
            CREATE TRIGGER cdrs_no_update BEFORE UPDATE ON cdrs BEGIN SELECT RAISE(ABORT, 'CDRs are immutable'); END;
            CREATE TRIGGER cdrs_no_delete BEFORE DELETE ON cdrs BEGIN SELECT RAISE(ABORT, 'CDRs are immutable'); END;
            """, postgresql: """
            CREATE FUNCTION billing_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
            END $$;
            CREATE TRIGGER tariff_versions_no_update BEFORE UPDATE ON tariff_versions FOR EACH ROW
                EXECUTE FUNCTION billing_immutable('tariff versions are immutable');
            CREATE TRIGGER tariff_versions_no_delete BEFORE DELETE ON tariff_versions FOR EACH ROW
                EXECUTE FUNCTION billing_immutable('tariff versions are immutable');
            CREATE TRIGGER cdrs_no_update BEFORE UPDATE ON cdrs FOR EACH ROW EXECUTE FUNCTION billing_immutable('CDRs are immutable');
            CREATE TRIGGER cdrs_no_delete BEFORE DELETE ON cdrs FOR EACH ROW EXECUTE FUNCTION billing_immutable('CDRs are immutable');
            """),
        // PostgreSQL's TRUNCATE removes every row without firing row triggers: refuse it too.
        // (SQLite has no TRUNCATE; its DELETE without WHERE fires the row triggers.)
        Migration(version: 2, name: "CDRs and tariff versions cannot be truncated", sql: "", postgresql: """
            CREATE TRIGGER tariff_versions_no_truncate BEFORE TRUNCATE ON tariff_versions FOR EACH STATEMENT
                EXECUTE FUNCTION billing_immutable('tariff versions are immutable');
            CREATE TRIGGER cdrs_no_truncate BEFORE TRUNCATE ON cdrs FOR EACH STATEMENT EXECUTE FUNCTION billing_immutable('CDRs are immutable');
            """),
    ])

    static func time(_ milliseconds: Int) -> String { Instant.format(milliseconds) }

    // MARK: Tariff versions

    /// Stores a new version of each tariff whose canonical form differs from its latest stored
    /// version (or that has none), valid from `now`, and a withdrawal for each stored tariff
    /// no longer in `tariffs`; one transaction. Returns the versions written.
    public func recordVersions(of tariffs: [Tariff], now: Int) async throws -> [TariffVersion] {
        let validFrom = Self.time(now)
        return try await host.withDatabase(schema: Self.schema) { database in
            try database.transaction {
                var latest: [String: (version: Int, hash: String, withdrawn: Bool)] = [:]
                for row in try database.rows("SELECT tariff, version, hash, canonical_json FROM tariff_versions ORDER BY tariff, version") {
                    let json = row[3].text ?? ""
                    latest[row[0].text ?? ""] = (row[1].int ?? 0, row[2].text ?? "", json == TariffVersion.withdrawnJSON(row[0].text ?? ""))
                }
                var written: [TariffVersion] = []
                func write(_ id: String, _ json: String, _ tariff: Tariff?) throws {
                    let version = (latest[id]?.version ?? 0) + 1
                    let hash = TariffVersion.hash(json)
                    try database.run("INSERT INTO tariff_versions (tariff, version, hash, canonical_json, valid_from) VALUES (?, ?, ?, ?, ?)",
                                     id, version, hash, json, validFrom)
                    written.append(TariffVersion(tariffId: id, version: version, hash: hash, canonicalJSON: json, validFrom: now, tariff: tariff))
                }
                for tariff in tariffs {
                    let json = TariffVersion.canonicalJSON(tariff)
                    if latest[tariff.id]?.hash != TariffVersion.hash(json) { try write(tariff.id, json, tariff) }
                }
                let current = Set(tariffs.map(\.id))
                for (id, stored) in latest.sorted(by: { $0.key < $1.key }) where !current.contains(id) && !stored.withdrawn {
                    try write(id, TariffVersion.withdrawnJSON(id), nil)
                }
                return written
            }
        }
    }

    /// Every stored version, by tariff and number.
    public func versions() async throws -> [TariffVersion] {
        let rows = try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("SELECT tariff, version, hash, canonical_json, valid_from FROM tariff_versions ORDER BY tariff, version")
        }
        return try rows.map { row in
            let json = row[3].text ?? ""
            return TariffVersion(tariffId: row[0].text ?? "", version: row[1].int ?? 0, hash: row[2].text ?? "", canonicalJSON: json,
                                 validFrom: Instant.parse(row[4].text ?? "") ?? 0, tariff: try TariffVersion.tariff(fromCanonical: json))
        }
    }

    // MARK: CDRs

    /// Writes `cdr` unless its session already has one; false when it had.
    @discardableResult
    public func insert(_ cdr: ChargeDetailRecord, now: Int) async throws -> Bool {
        let document = cdr.canonicalJSON
        let items = String(decoding: try JSONEncoder.canonical.encode(cdr.items), as: UTF8.self)
        return try await host.withDatabase(schema: Self.schema) { database in
            try database.transaction {
                guard try database.rows("SELECT 1 FROM cdrs WHERE session = ?", cdr.session).isEmpty else { return false }
                try database.run("""
                    INSERT INTO cdrs (session, station, site, evse, connector, id_token, token_group, "authorization", start_time, stop_time,
                                      energy_wh, energy_source, tariff, tariff_version, currency, items, net, vat, gross, document,
                                      content_hash, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, cdr.session, cdr.station, cdr.site, cdr.evse, cdr.connector, cdr.idToken, cdr.group, cdr.authorization,
                    cdr.startTime, cdr.stopTime, cdr.energyWh, cdr.energySource.rawValue, cdr.tariffId, cdr.tariffVersion,
                    cdr.currency.code, items, cdr.net, cdr.vat, cdr.gross, document, Digests.sha256Hex(Array(document.utf8)), Self.time(now))
                return true
            }
        }
    }

    /// CDRs of sessions that stopped in `from..<to` (milliseconds), at `site` when given, in
    /// stop-time order (then id) — after the CDR `after` in that order when given (the cursor of
    /// a page: its last id) — at most `limit`.
    public func cdrs(from: Int, to: Int, site: String? = nil, after: Int? = nil, limit: Int = 1_000_000) async throws -> [StoredCDR] {
        let rows = try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("""
                SELECT id, document, content_hash, created_at FROM cdrs
                WHERE stop_time >= ? AND stop_time < ? AND (? IS NULL OR site = ?)
                  AND (CAST(? AS INTEGER) IS NULL OR stop_time > (SELECT stop_time FROM cdrs WHERE id = ?)
                       OR (stop_time = (SELECT stop_time FROM cdrs WHERE id = ?) AND id > ?))
                ORDER BY stop_time, id LIMIT ?
                """, Self.time(from), Self.time(to), site, site, after, after, after, after, limit)
        }
        return try rows.map(StoredCDR.init(row:))
    }

    /// The CDR of `session`, if it has one.
    public func cdr(session: Int) async throws -> StoredCDR? {
        let rows = try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("SELECT id, document, content_hash, created_at FROM cdrs WHERE session = ?", session)
        }
        return try rows.first.map(StoredCDR.init(row:))
    }

    // MARK: Unpriced sessions

    /// Records that `session` ended without a price, and why (once; the first reason stays).
    public func markUnpriced(session: Int, station: String, start: String, stop: String?, reason: String, now: Int) async throws {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.run("""
                INSERT INTO unpriced_sessions (session, station, start_time, stop_time, reason, recorded_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (session) DO NOTHING
                """, session, station, start, stop, reason, Self.time(now))
        }
    }

    /// Why a completed session has neither a CDR nor an unpriced record (`unpriced`).
    public static let neverPriced = "no CDR and no pricing on record: serve had no tariffs when it ended (or stopped before pricing it)"

    /// Sessions that ended without a CDR, oldest first: those recorded as unpriced, with why,
    /// and completed sessions serve never priced (`neverPriced`; their `recordedAt` is empty).
    public func unpriced(limit: Int = 10_000) async throws -> [UnpricedSession] {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("""
                SELECT session, station, start_time, stop_time, reason, recorded_at FROM (
                    SELECT session, station, start_time, stop_time, reason, recorded_at FROM unpriced_sessions
                    UNION ALL
                    SELECT s.id, s.station, s.start_time, s.stop_time, CAST(? AS TEXT), '' FROM sessions AS s
                    WHERE s.status = 'completed' AND NOT EXISTS (SELECT 1 FROM cdrs AS c WHERE c.session = s.id)
                      AND NOT EXISTS (SELECT 1 FROM unpriced_sessions AS u WHERE u.session = s.id)
                ) AS without_cdr ORDER BY session LIMIT ?
                """, Self.neverPriced, limit).map { row in
                UnpricedSession(session: row[0].int ?? 0, station: row[1].text ?? "", startTime: row[2].text ?? "", stopTime: row[3].text,
                                reason: row[4].text ?? "", recordedAt: row[5].text ?? "")
            }
        }
    }

    /// Why `session` has no CDR, when it was recorded as unpriced.
    public func unpriced(session: Int) async throws -> UnpricedSession? {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("SELECT session, station, start_time, stop_time, reason, recorded_at FROM unpriced_sessions WHERE session = ?",
                              session).first.map { row in
                UnpricedSession(session: row[0].int ?? 0, station: row[1].text ?? "", startTime: row[2].text ?? "", stopTime: row[3].text,
                                reason: row[4].text ?? "", recordedAt: row[5].text ?? "")
            }
        }
    }

    /// Ended sessions (the CPMS's `sessions` table, read only) that stopped at or after `since`
    /// and have neither a CDR nor an unpriced record: what the start-up sweep prices.
    public func sessionsToPrice(since: Int, limit: Int = 10_000) async throws -> [Int] {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("""
                SELECT s.id FROM sessions s
                WHERE s.status = 'completed' AND s.stop_time IS NOT NULL AND substr(s.stop_time, 1, 19) >= substr(?, 1, 19)
                  AND NOT EXISTS (SELECT 1 FROM cdrs c WHERE c.session = s.id)
                  AND NOT EXISTS (SELECT 1 FROM unpriced_sessions u WHERE u.session = s.id)
                ORDER BY s.id LIMIT ?
                """, Self.time(since), limit).compactMap { $0.first?.int }
        }
    }

    /// Ended sessions that stopped in `[from, to)` (read from the CPMS's `sessions` table): what a rerate prices.
    public func endedSessions(from: Int, to: Int) async throws -> [Int] {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("""
                SELECT id FROM sessions WHERE status = 'completed' AND stop_time IS NOT NULL
                  AND substr(stop_time, 1, 19) >= substr(?, 1, 19) AND substr(stop_time, 1, 19) < substr(?, 1, 19) ORDER BY id
                """, Self.time(from), Self.time(to)).compactMap { $0.first?.int }
        }
    }
}
