/// One schema change, applied once, in order. `sql` is SQLite DDL, run as it is on SQLite and
/// translated for PostgreSQL (`PostgresDDL`); what one engine says in its own words (a trigger)
/// goes in `sqlite` and `postgresql`, run after `sql` on that engine only. Both engines must end
/// with the same tables, columns and indexes (a test compares them).
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String
    public let sqlite: String
    public let postgresql: String

    public init(version: Int, name: String, sql: String, sqlite: String = "", postgresql: String = "") {
        self.version = version
        self.name = name
        self.sql = sql
        self.sqlite = sqlite
        self.postgresql = postgresql
    }

    /// What runs on `engine`.
    public func script(for engine: SQLEngine) throws -> String {
        switch engine {
        case .sqlite: return sqlite.isEmpty ? sql : sql + "\n" + sqlite
        case .postgresql: return try PostgresDDL.translate(sql) + (postgresql.isEmpty ? "" : "\n" + postgresql)
        }
    }
}

/// Why a database cannot be used with this build.
public enum MigrationError: Error, Equatable, CustomStringConvertible {
    /// Written by a newer Vigil: refusing protects its data from an older binary.
    case databaseIsNewer(found: Int, supported: Int, path: String)
    /// The migration's SQL failed; the database stays at the previous version.
    case failed(version: Int, name: String, reason: String)

    public var description: String {
        switch self {
        case .databaseIsNewer(let found, let supported, let path):
            return "database \(path) has schema version \(found), newer than the \(supported) this vigil supports; upgrade vigil or use another --db"
        case .failed(let version, let name, let reason):
            return "migration \(version) (\(name)) failed: \(reason)"
        }
    }
}

/// Brings a database to the latest schema at start-up: each pending migration runs in its
/// own transaction together with the `user_version` bump, so a crash leaves the database at
/// a whole version. Versions must be 1, 2, 3 … without gaps.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    public init(_ migrations: [Migration]) {
        self.migrations = migrations.sorted { $0.version < $1.version }
        precondition(self.migrations.enumerated().allSatisfy { $0.offset + 1 == $0.element.version },
                     "migration versions must be 1, 2, 3 … without gaps")
    }

    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Applies what is missing; returns the versions applied.
    @discardableResult
    public func migrate(_ database: any SQLDatabase) throws -> [Int] {
        let current = try database.schemaVersion()
        guard current <= latestVersion else {
            throw MigrationError.databaseIsNewer(found: current, supported: latestVersion, path: database.location)
        }
        return try Self.apply(migrations, after: current, to: database, recorded: { try database.schemaVersion() }) {
            try database.setSchemaVersion($0.version)
        }
    }

    /// Runs each of `migrations` numbered after `current`, in order, each in its own transaction
    /// together with `record` (which stores the version reached), so a crash leaves the database
    /// at a whole version; returns the versions applied. A failure names the migration
    /// (`naming`) and stops there. The main list and the modules' `SchemaTrack`s share it.
    ///
    /// Several processes may start on one database at once (nodes on PostgreSQL, or two
    /// commands on one SQLite file): each transaction takes the write lock first (PostgreSQL's
    /// advisory lock, SQLite's IMMEDIATE), then reads the version again (`recorded`) and skips
    /// a migration another process applied meanwhile. On PostgreSQL the session's statement
    /// timeout is lifted while migrating: a migration that backfills a large table, and a node
    /// waiting for another node's migration to finish, must not be cut off at 30 s.
    static func apply(_ migrations: [Migration], after current: Int, to database: any SQLDatabase,
                      naming: (Migration) -> String = { $0.name }, recorded: () throws -> Int,
                      record: (Migration) throws -> Void) throws -> [Int] {
        let pending = migrations.filter { $0.version > current }
        guard !pending.isEmpty else { return [] }
        let timeout = try liftStatementTimeout(database)
        defer { if let timeout { try? database.execute("SET statement_timeout = '\(timeout)'") } }
        var applied: [Int] = []
        for migration in pending {
            do {
                let ran = try database.transaction { () throws -> Bool in
                    guard try recorded() < migration.version else { return false }
                    try database.execute(try migration.script(for: database.engine))
                    try record(migration)
                    return true
                }
                if ran { applied.append(migration.version) }
            } catch {
                throw MigrationError.failed(version: migration.version, name: naming(migration), reason: "\(error)")
            }
        }
        return applied
    }

    /// On PostgreSQL, sets the session's `statement_timeout` to none and returns what it was
    /// (to restore); nil elsewhere.
    private static func liftStatementTimeout(_ database: any SQLDatabase) throws -> String? {
        guard database.engine == .postgresql else { return nil }
        let timeout = try database.rows("SELECT current_setting('statement_timeout')").first?.first?.text ?? "0"
        try database.execute("SET statement_timeout = 0")
        return timeout
    }
}
