import DomainEvents
import Foundation
import Store

/// The `fraud_signals` table and its statements, run on the process's database through its
/// `DatabaseHost` (the CPMS store), plus the reads of the CPMS's `sessions` and
/// `meter_samples` tables the checks need. A signal is stored once: its `key` is unique.
public struct FraudStore: Sendable {
    let host: any DatabaseHost

    public init(host: any DatabaseHost) {
        self.host = host
    }

    /// The fraud tables' own migrations (`SchemaTrack` "fraud").
    public static let schema = SchemaTrack(name: "fraud", migrations: [
        Migration(version: 1, name: "fraud and integrity signals", sql: """
            CREATE TABLE fraud_signals (
                id INTEGER PRIMARY KEY,
                key TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL,
                station TEXT NOT NULL,
                connector INTEGER,
                session INTEGER,
                transaction_id TEXT,
                id_tag TEXT,
                detail TEXT NOT NULL,
                time TEXT NOT NULL
            );
            CREATE INDEX fraud_signals_time ON fraud_signals (time);
            CREATE INDEX fraud_signals_station ON fraud_signals (station, time);
            """),
    ])

    /// Stores `signal` unless one with its key is stored already; true when it was written.
    public func insert(_ signal: FraudSignal) async throws -> Bool {
        try await host.withDatabase(schema: Self.schema) { database in
            let before = try database.rows("SELECT 1 FROM fraud_signals WHERE key = ?", signal.key)
            guard before.isEmpty else { return false }
            try database.run("""
                INSERT INTO fraud_signals (key, kind, station, connector, session, transaction_id, id_tag, detail, time)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, signal.key, signal.kind.rawValue, signal.station, signal.connector, signal.session, signal.transactionId,
                signal.idTag, signal.detailJSON, UTCTimestamp.format(signal.time, milliseconds: true))
            return true
        }
    }

    /// What `vigil fraud list` and `GET /api/v1/fraud` select.
    public struct Query: Sendable, Equatable {
        /// At or after (inclusive).
        public var from: Date?
        /// Before (exclusive).
        public var to: Date?
        public var station: String?
        public var kind: FraudSignal.Kind?
        public var limit: Int = 1_000
        public init(from: Date? = nil, to: Date? = nil, station: String? = nil, kind: FraudSignal.Kind? = nil, limit: Int = 1_000) {
            self.from = from
            self.to = to
            self.station = station
            self.kind = kind
            self.limit = limit
        }
    }

    /// The stored signals `query` selects, newest first.
    public func signals(_ query: Query) async throws -> [FraudSignal] {
        var sql = "SELECT key, kind, station, connector, session, transaction_id, id_tag, detail, time FROM fraud_signals WHERE 1 = 1"
        var values: [SQLValue] = []
        if let from = query.from { sql += " AND time >= ?"; values.append(.text(UTCTimestamp.format(from, milliseconds: true))) }
        if let to = query.to { sql += " AND time < ?"; values.append(.text(UTCTimestamp.format(to, milliseconds: true))) }
        if let station = query.station { sql += " AND station = ?"; values.append(.text(station)) }
        if let kind = query.kind { sql += " AND kind = ?"; values.append(.text(kind.rawValue)) }
        sql += " ORDER BY time DESC, id DESC LIMIT ?"
        values.append(.integer(Int64(query.limit)))
        let statement = sql, arguments = values.map { $0 as any SQLBindable }
        let rows = try await host.withDatabase(schema: Self.schema) { database in try database.rows(statement, arguments) }
        return rows.compactMap { row in
            guard let kind = row[1].text.flatMap(FraudSignal.Kind.init(rawValue:)), let time = row[8].text.flatMap(UTCTimestamp.parse)
            else { return nil }
            return FraudSignal(kind: kind, key: row[0].text ?? "", station: row[2].text ?? "", connector: row[3].int, session: row[4].int,
                               transactionId: row[5].text, idTag: row[6].text, time: time,
                               detail: FraudSignal.detail(fromJSON: row[7].text ?? "{}"))
        }
    }

    /// The ids of the token's most recent sessions at any station (newest first, at most
    /// `limit`), `excluding` one: the concurrent-use check's candidates.
    public func sessions(ofToken token: String, excluding id: Int, limit: Int = 50) async throws -> [Int] {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("SELECT id FROM sessions WHERE lower(id_token) = lower(?) AND id != ? ORDER BY id DESC LIMIT ?",
                              token, id, limit).compactMap { $0.first?.int }
        }
    }

    /// The session on the same station and connector before `id`, if any.
    public func previousSession(station: String, evse: Int, before id: Int) async throws -> Int? {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("SELECT id FROM sessions WHERE station = ? AND evse = ? AND id < ? ORDER BY id DESC LIMIT 1",
                              station, evse, id).first?.first?.int
        }
    }
}
