@testable import Alerts
@testable import CPMS
import Foundation
import Store
import StoreTesting
import Testing

/// The alert tables belong to Alerts' own schema track: a new database gets them when Alerts
/// first uses it, a database whose tables the CPMS's list made before keeps its rows, and a
/// track newer than this build is refused.
@Suite struct AlertSchemaTests {
    func scratch() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vigil-alert-schema-\(UUID().uuidString).sqlite").path
    }

    func trackVersion(_ path: String) throws -> Int? {
        let database = try SQLiteDatabase(path: path, readOnly: true)
        guard !(try database.rows("SELECT 1 FROM sqlite_master WHERE name = 'schema_tracks'")).isEmpty else { return nil }
        return try database.rows("SELECT version FROM schema_tracks WHERE track = 'alerts'").first?.first?.int
    }

    @Test func aNewDatabaseGetsTheTablesOnFirstUse() async throws {
        let path = scratch()
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        #expect(try trackVersion(path) == nil)
        #expect(try await AlertStore(host: store).outboxDepth() == 0)
        #expect(try trackVersion(path) == AlertStore.schema.latestVersion)
    }

    @Test func tablesTheMainListMadeBeforeAreKeptWithTheirRows() async throws {
        let path = scratch()
        defer { removeSQLiteFiles(path) }
        do {
            // A database as earlier builds left it: the main list up to 20, the alert tables from its version 8.
            let old = try SQLiteDatabase(path: path)
            let mainList = Migrator(CPMSSchema.migrations.migrations.map { migration in
                migration.version == 8 ? Migration(version: 8, name: migration.name, sql: AlertStore.schema.migrations[0].sql
                    .replacingOccurrences(of: " IF NOT EXISTS", with: "")) : migration
            })
            try mainList.migrate(old)
            try old.run("INSERT INTO silences (rule, starts_at, ends_at, created_by, reason, created_at) VALUES ('r', 'a', 'z', 'dana', 'why', 'a')")
        }
        let store = try StationStore(path: path)
        let silences = try await AlertStore(host: store).silences(at: "m")
        #expect(silences.map(\.reason) == ["why"])
        #expect(try trackVersion(path) == 1)
    }

    @Test func aNewerTrackIsRefused() async throws {
        let path = scratch()
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        _ = try await AlertStore(host: store).outboxDepth()
        try SQLiteDatabase(path: path).run("UPDATE schema_tracks SET version = 99 WHERE track = 'alerts'")
        let later = try StationStore(path: path)
        await #expect(throws: MigrationError.self) { _ = try await AlertStore(host: later).outboxDepth() }
    }
}
