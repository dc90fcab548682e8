import Foundation
import Synchronization
import Testing
@testable import Store

/// `SQLiteBackup`: a copy taken while another connection writes is consistent and passes the
/// integrity check; a restore checks the backup before it changes anything.
@Suite struct SQLiteBackupTests {
    func temporaryPath(_ name: String = "db") -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vigil-backup-\(UUID().uuidString)-\(name).sqlite").path
    }

    func remove(_ paths: String...) {
        for path in paths { for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
    }

    /// Two tables written in one transaction each time: a consistent copy has as many rows in both.
    func makeDatabase(_ path: String, version: Int = 3) throws {
        let database = try SQLiteDatabase(path: path)
        try database.execute("""
            CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
            CREATE TABLE audit (id INTEGER PRIMARY KEY, event INTEGER NOT NULL REFERENCES events(id));
            PRAGMA user_version = \(version);
            """)
    }

    func counts(_ path: String) throws -> (Int64, Int64) {
        let database = try SQLiteDatabase(path: path, readOnly: true)
        guard case .integer(let events)? = try database.rows("SELECT count(*) FROM events").first?.first,
              case .integer(let audit)? = try database.rows("SELECT count(*) FROM audit").first?.first else { return (-1, -2) }
        return (events, audit)
    }

    final class Writer: Sendable {
        let stop = Mutex(false)
        let written = Mutex(0)
        let failure = Mutex<String?>(nil)
        let done = Mutex(false)
    }

    @Test func aCopyTakenWhileAnotherConnectionWritesIsConsistent() async throws {
        let source = temporaryPath("source"), copy = temporaryPath("copy")
        defer { remove(source, copy) }
        try makeDatabase(source)
        let writer = Writer()
        let path = source
        // Another connection on another thread commits in a loop for as long as the copies take.
        Thread {
            do {
                let database = try SQLiteDatabase(path: path)
                while !writer.stop.withLock({ $0 }) {
                    try database.transaction {
                        try database.run("INSERT INTO events (body) VALUES (?)", String(repeating: "x", count: 500))
                        try database.run("INSERT INTO audit (event) VALUES (?)", Int(database.lastInsertRowID))
                    }
                    writer.written.withLock { $0 += 1 }
                }
            } catch {
                writer.failure.withLock { $0 = "\(error)" }
            }
            writer.done.withLock { $0 = true }
        }.start()
        while writer.written.withLock({ $0 }) < 200 { try await Task.sleep(for: .milliseconds(5)) }
        var copied: [Int64] = []
        for round in 0..<3 {
            let summary = try SQLiteBackup.copy(from: source, to: copy, replacing: round > 0)
            #expect(summary.schemaVersion == 3)
            #expect(try SQLiteBackup.integrityProblems(of: copy).isEmpty)
            let (events, audit) = try counts(copy)
            #expect(events == audit, "a copy caught one table's row without the other's")
            copied.append(events)
            var status = stat()
            #expect(stat(copy, &status) == 0 && status.st_mode & 0o777 == 0o600)
            #expect(!FileManager.default.fileExists(atPath: copy + "-wal"), "a backup is one file")
            try await Task.sleep(for: .milliseconds(20))
        }
        writer.stop.withLock { $0 = true }
        while !writer.done.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        #expect(writer.failure.withLock { $0 } == nil, "the writer was held up: \(writer.failure.withLock { $0 } ?? "")")
        #expect(copied.first ?? 0 >= 200)
        #expect(copied == copied.sorted(), "later copies hold at least as much")
        #expect(Int64(writer.written.withLock { $0 }) >= copied.last ?? 0)
    }

    @Test func anExistingOutputIsReplacedOnlyWhenAsked() throws {
        let source = temporaryPath("source"), copy = temporaryPath("copy")
        defer { remove(source, copy) }
        try makeDatabase(source)
        _ = try SQLiteBackup.copy(from: source, to: copy)
        #expect(throws: BackupError.destinationExists(path: copy)) { try SQLiteBackup.copy(from: source, to: copy) }
        #expect(throws: BackupError.missing(path: source + ".nope")) { try SQLiteBackup.copy(from: source + ".nope", to: copy, replacing: true) }
        #expect(!FileManager.default.fileExists(atPath: source + ".nope"), "a missing source is not created")
    }

    @Test func aRestorePutsTheCopyBackAndDropsAStaleWAL() throws {
        let source = temporaryPath("source"), copy = temporaryPath("copy"), target = temporaryPath("target")
        defer { remove(source, copy, target) }
        try makeDatabase(source)
        let database = try SQLiteDatabase(path: source)
        try database.run("INSERT INTO events (body) VALUES ('kept')")
        _ = try SQLiteBackup.copy(from: source, to: copy)
        try makeDatabase(target, version: 1)
        try "not a WAL of this database".write(toFile: target + "-wal", atomically: false, encoding: .utf8)
        #expect(throws: BackupError.destinationExists(path: target)) {
            try SQLiteBackup.restore(from: copy, to: target, supportedSchemaVersion: 3, replacing: false)
        }
        let summary = try SQLiteBackup.restore(from: copy, to: target, supportedSchemaVersion: 3, replacing: true)
        #expect(summary.schemaVersion == 3)
        #expect(try counts(target) == (1, 0))
        #expect(try SQLiteBackup.integrityProblems(of: target).isEmpty)
        var status = stat()
        #expect(stat(target, &status) == 0 && status.st_mode & 0o777 == 0o600)
    }

    @Test func aRestoreRefusesANewerSchemaAndChangesNothing() throws {
        let source = temporaryPath("source"), copy = temporaryPath("copy"), target = temporaryPath("target")
        defer { remove(source, copy, target) }
        try makeDatabase(source, version: 9)
        _ = try SQLiteBackup.copy(from: source, to: copy)
        #expect(throws: BackupError.schemaNewer(path: copy, found: 9, supported: 3)) {
            try SQLiteBackup.restore(from: copy, to: target, supportedSchemaVersion: 3, replacing: true)
        }
        #expect(!FileManager.default.fileExists(atPath: target))
        try SQLiteDatabase(path: source).execute("PRAGMA user_version = 0")
        _ = try SQLiteBackup.copy(from: source, to: copy, replacing: true)
        #expect(throws: BackupError.noSchemaVersion(path: copy)) {
            try SQLiteBackup.restore(from: copy, to: target, supportedSchemaVersion: 3, replacing: true)
        }
    }

    @Test func aDamagedBackupFailsTheIntegrityCheckBeforeAnythingChanges() throws {
        let source = temporaryPath("source"), copy = temporaryPath("copy"), target = temporaryPath("target")
        defer { remove(source, copy, target) }
        try makeDatabase(source)
        let database = try SQLiteDatabase(path: source)
        for _ in 0..<200 { try database.run("INSERT INTO events (body) VALUES (?)", String(repeating: "y", count: 300)) }
        _ = try SQLiteBackup.copy(from: source, to: copy)
        try makeDatabase(target)
        try database.run("INSERT INTO events (body) VALUES ('target')")
        // Zeroes over the third page: a page of the events table's b-tree.
        let handle = try #require(FileHandle(forWritingAtPath: copy))
        let pageSize = 4096
        try handle.seek(toOffset: UInt64(2 * pageSize))
        handle.write(Data(repeating: 0, count: pageSize))
        try handle.close()
        #expect(throws: (any Error).self) { try SQLiteBackup.restore(from: copy, to: target, supportedSchemaVersion: 3, replacing: true) }
        do { _ = try SQLiteBackup.restore(from: copy, to: target, supportedSchemaVersion: 3, replacing: true) } catch {
            guard case .integrityFailed(let path, let problems) = error else { Issue.record("expected integrityFailed, got \(error)"); return }
            #expect(path == copy && !problems.isEmpty)
        }
        let garbage = temporaryPath("garbage")
        defer { remove(garbage) }
        try String(repeating: "not sqlite ", count: 100).write(toFile: garbage, atomically: false, encoding: .utf8)
        #expect(throws: BackupError.notADatabase(path: garbage)) {
            try SQLiteBackup.restore(from: garbage, to: target, supportedSchemaVersion: 3, replacing: true)
        }
    }

    @Test func noOtherProcessHoldsAFreshDatabase() throws {
        let path = temporaryPath()
        defer { remove(path) }
        try makeDatabase(path)
        #expect(SQLiteBackup.holder(of: path) == nil)   // this process's own locks are not seen; serve's are (interop test)
    }
}
