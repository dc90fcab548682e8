import Foundation
import StoreTesting
import Testing
@testable import Store

@Suite struct SQLiteStoreTests {
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vigil-\(UUID().uuidString).sqlite").path
    }

    let migrations = [
        Migration(version: 1, name: "stations", sql: "CREATE TABLE stations (id TEXT PRIMARY KEY, vendor TEXT NOT NULL)"),
        Migration(version: 2, name: "connectors", sql: """
            CREATE TABLE connectors (station TEXT NOT NULL REFERENCES stations(id), connector INTEGER NOT NULL,
                                     status TEXT, PRIMARY KEY (station, connector))
            """),
    ]

    @Test func migratesForwardOnceAndIsInWALMode() throws {
        let path = temporaryPath()
        defer { removeSQLiteFiles(path) }
        let database = try SQLiteDatabase(path: path)
        #expect(try Migrator(Array(migrations.prefix(1))).migrate(database) == [1])
        #expect(try Migrator(migrations).migrate(database) == [2])     // an older database moves forward
        #expect(try Migrator(migrations).migrate(database) == [])
        #expect(try database.userVersion == 2)
        #expect(try database.rows("PRAGMA journal_mode").first?.first == .text("wal"))
    }

    @Test func newerDatabaseIsRefusedWithAClearMessage() throws {
        let path = temporaryPath()
        defer { removeSQLiteFiles(path) }
        let database = try SQLiteDatabase(path: path)
        try Migrator(migrations).migrate(database)
        #expect(throws: MigrationError.databaseIsNewer(found: 2, supported: 1, path: path)) {
            try Migrator(Array(migrations.prefix(1))).migrate(database)
        }
        #expect(MigrationError.databaseIsNewer(found: 2, supported: 1, path: "x.sqlite").description
            == "database x.sqlite has schema version 2, newer than the 1 this vigil supports; upgrade vigil or use another --db")
    }

    @Test func failedMigrationLeavesTheVersionWhole() throws {
        let path = temporaryPath()
        defer { removeSQLiteFiles(path) }
        let database = try SQLiteDatabase(path: path)
        let broken = migrations + [Migration(version: 3, name: "broken", sql: "CREATE TABLE x (a); CREATE TABLE x (a)")]
        #expect(throws: MigrationError.self) { try Migrator(broken).migrate(database) }
        #expect(try database.userVersion == 2)
        #expect(try database.rows("SELECT name FROM sqlite_master WHERE name = 'x'").isEmpty)
    }

    @Test func foreignKeysPreparedStatementsAndRollback() throws {
        let path = temporaryPath()
        defer { removeSQLiteFiles(path) }
        let database = try SQLiteDatabase(path: path)
        try Migrator(migrations).migrate(database)
        try database.run("INSERT INTO stations (id, vendor) VALUES (?, ?)", "CP-1", "ABB")
        try database.run("INSERT INTO connectors (station, connector, status) VALUES (?, ?, ?)", "CP-1", 1, Optional<String>.none)
        #expect(throws: SQLiteError.self) {
            try database.run("INSERT INTO connectors (station, connector) VALUES (?, ?)", "CP-404", 1)   // no such station
        }
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try database.transaction {
                try database.run("UPDATE connectors SET status = ? WHERE station = ?", "Faulted", "CP-1")
                throw Abort()
            }
        }
        #expect(try database.rows("SELECT status FROM connectors WHERE station = ?", "CP-1") == [[.null]])
        let text = "Größe 🔌 \u{0}"
        try database.run("UPDATE connectors SET status = ? WHERE station = ?", text, "CP-1")
        #expect(try database.rows("SELECT status FROM connectors") == [[.text(text)]])
    }

    @Test func errorsNameTheStatement() throws {
        let database = try SQLiteDatabase(path: ":memory:")
        do {
            _ = try database.rows("SELECT * FROM nowhere")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("no such table: nowhere"))
            #expect(error.sql == "SELECT * FROM nowhere")
        }
    }

    @Test func secondConnectionReadsWhileTheFirstWrites() throws {
        let path = temporaryPath()
        defer { removeSQLiteFiles(path) }
        let writer = try SQLiteDatabase(path: path)
        try Migrator(migrations).migrate(writer)
        let reader = try SQLiteDatabase(path: path, readOnly: true)
        try writer.execute("BEGIN IMMEDIATE")
        try writer.run("INSERT INTO stations (id, vendor) VALUES (?, ?)", "CP-2", "Alpitronic")
        #expect(try reader.rows("SELECT count(*) FROM stations") == [[.integer(0)]])   // WAL: readers see the last commit
        try writer.execute("COMMIT")
        #expect(try reader.rows("SELECT count(*) FROM stations") == [[.integer(1)]])
    }
}
