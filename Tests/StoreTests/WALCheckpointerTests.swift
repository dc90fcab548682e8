import Foundation
import StoreTesting
import Testing
@testable import Store

/// The WAL is copied into the database file by the checkpointer's own connection and thread;
/// the writer's COMMITs only append to the log.
@Suite struct WALCheckpointerTests {
    static func scratchPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vigil-ckpt-\(UUID().uuidString).sqlite").path
    }

    @Test func theCheckpointerBackfillsWhatTheWriterCommits() throws {
        let path = Self.scratchPath()
        defer { removeSQLiteFiles(path) }
        let writer = try SQLiteDatabase(path: path)
        try writer.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, text TEXT)")
        let checkpointer = try WALCheckpointer(path: path, interval: .milliseconds(10))
        try WALCheckpointer.handOver(from: writer)
        #expect(try writer.rows("PRAGMA wal_autocheckpoint").first?.first == .integer(Int64(WALCheckpointer.writerSafetyNetPages)))
        for batch in 0..<20 {
            try writer.transaction {
                for row in 0..<50 { try writer.run("INSERT INTO t (text) VALUES (?)", String(repeating: "x", count: 500) + "\(batch)-\(row)") }
            }
        }
        // Wait (bounded) for a checkpoint that has copied the whole log.
        let deadline = Date().addingTimeInterval(10)
        var statistics = checkpointer.current
        while Date() < deadline {
            statistics = checkpointer.current
            if statistics.checkpoints > 0 && statistics.logPages > 0 && statistics.checkpointedPages == statistics.logPages { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        checkpointer.stop()
        #expect(statistics.failures == 0)
        #expect(statistics.checkpoints > 0)
        #expect(statistics.logPages > 0 && statistics.checkpointedPages == statistics.logPages)
        // The database file itself now holds the rows: a fresh connection reads them all.
        let reader = try SQLiteDatabase(path: path, readOnly: true)
        #expect(try reader.rows("SELECT count(*) FROM t").first?.first == .integer(1_000))
    }

    /// A log past the threshold is started over in its own file: the writer's next commit
    /// writes from the beginning (the log stays short), and the file keeps its blocks rather
    /// than being emptied (a commit that grows the file syncs the file system's journal too).
    @Test func aLongLogIsStartedOverWithoutEmptyingItsFile() throws {
        let path = Self.scratchPath()
        defer { removeSQLiteFiles(path) }
        let writer = try SQLiteDatabase(path: path)
        try writer.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, text TEXT)")
        let checkpointer = try WALCheckpointer(path: path, interval: .milliseconds(10), restartAt: 40)
        try WALCheckpointer.handOver(from: writer)
        try writer.transaction {
            for row in 0..<400 { try writer.run("INSERT INTO t (text) VALUES (?)", String(repeating: "x", count: 500) + "\(row)") }
        }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && checkpointer.current.restarts == 0 { Thread.sleep(forTimeInterval: 0.02) }
        checkpointer.stop()
        #expect(checkpointer.current.restarts >= 1)
        #expect(checkpointer.current.failures == 0)
        let logBytes = (try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        #expect(logBytes > 40 * 4_096)   // kept, not emptied
        // The next commit starts the log over: it holds that commit's pages alone.
        try writer.run("INSERT INTO t (text) VALUES ('after')")
        let frames = try writer.rows("PRAGMA wal_checkpoint(PASSIVE)").first?[1].int ?? -1
        #expect(frames >= 1 && frames < 10)
        #expect(try writer.rows("SELECT count(*) FROM t").first?.first == .integer(401))
    }

    /// A reader holding an old snapshot keeps a RESTART waiting, and a waiting RESTART holds
    /// the writer back: it gives up after a moment (counted) instead of SQLite's 5 s, so a
    /// writer that waits at most one second still commits.
    @Test func aRestartThatMustWaitForAReaderGivesUpInsteadOfHoldingTheWriter() throws {
        let path = Self.scratchPath()
        defer { removeSQLiteFiles(path) }
        let writer = try SQLiteDatabase(path: path, busyTimeoutMilliseconds: 1_000)
        try writer.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, text TEXT)")
        try WALCheckpointer.handOver(from: writer)
        try writer.transaction {
            for row in 0..<400 { try writer.run("INSERT INTO t (text) VALUES (?)", String(repeating: "x", count: 500) + "\(row)") }
        }
        // A reader on the current snapshot: a RESTART cannot finish while it reads.
        let reader = try SQLiteDatabase(path: path, readOnly: true)
        try reader.execute("BEGIN")
        #expect(try reader.rows("SELECT count(*) FROM t").first?.first == .integer(400))
        let checkpointer = try WALCheckpointer(path: path, interval: .milliseconds(5), restartAt: 40)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && checkpointer.current.deferredRestarts < 3 { Thread.sleep(forTimeInterval: 0.01) }
        // The checkpointer keeps trying; the writer gets its turn between two tries.
        for row in 0..<20 { try writer.run("INSERT INTO t (text) VALUES (?)", "during \(row)") }
        try reader.execute("COMMIT")
        checkpointer.stop()
        #expect(checkpointer.current.deferredRestarts >= 3)
        #expect(checkpointer.current.failures == 0)
        #expect(try writer.rows("SELECT count(*) FROM t").first?.first == .integer(420))
    }

    @Test func aDatabaseThatCannotBeOpenedIsAnErrorNotASilentThread() {
        #expect(throws: SQLiteError.self) {
            _ = try WALCheckpointer(path: "/nonexistent-directory-\(UUID().uuidString)/v.sqlite")
        }
    }
}

