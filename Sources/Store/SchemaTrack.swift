/// A module's own schema: its migrations, numbered 1, 2, 3 … within the module, and recorded in
/// `schema_tracks` under the module's name, apart from the CPMS's main list (`user_version`).
/// A module that keeps tables on the process's database (`DatabaseHost`) brings its track; the
/// host applies what is missing the first time the module uses it, each migration in its own
/// transaction with the recorded version, and refuses a database whose track is newer than
/// this build's. DDL is written `IF NOT EXISTS` where tables may predate the track (created by
/// the main list before the module had its own).
public struct SchemaTrack: Sendable {
    public let name: String
    public let migrations: [Migration]

    public init(name: String, migrations: [Migration]) {
        precondition(migrations.enumerated().allSatisfy { $0.offset + 1 == $0.element.version },
                     "a schema track's versions must be 1, 2, 3 … without gaps")
        self.name = name
        self.migrations = migrations
    }

    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Applies what is missing of this track to `database`; returns the versions applied.
    @discardableResult
    public func migrate(_ database: any SQLDatabase) throws -> [Int] {
        // Under the write lock (PostgreSQL's advisory lock): two nodes starting at once on an
        // empty database both ran this, and PostgreSQL's IF NOT EXISTS is not safe against a
        // concurrent CREATE (one failed with a duplicate key in pg_type).
        let create = try Migration(version: 0, name: "schema tracks", sql: """
            CREATE TABLE IF NOT EXISTS schema_tracks (track TEXT PRIMARY KEY, version INTEGER NOT NULL)
            """).script(for: database.engine)
        if database.engine == .postgresql {
            try database.transaction { try database.execute(create) }
        } else {
            try database.execute(create)   // SQLite's IF NOT EXISTS is safe; a write lock here would only wait on serve
        }
        let current = try database.rows("SELECT version FROM schema_tracks WHERE track = ?", name).first?.first?.int ?? 0
        guard current <= latestVersion else {
            throw MigrationError.databaseIsNewer(found: current, supported: latestVersion, path: "\(database.location) (\(name) tables)")
        }
        let recorded = { try database.rows("SELECT version FROM schema_tracks WHERE track = ?", name).first?.first?.int ?? 0 }
        return try Migrator.apply(migrations, after: current, to: database, naming: { "\(name): \($0.name)" }, recorded: recorded) { migration in
            try database.run("""
                INSERT INTO schema_tracks (track, version) VALUES (?, ?) ON CONFLICT (track) DO UPDATE SET version = excluded.version
                """, name, migration.version)
        }
    }
}
