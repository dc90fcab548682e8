import Foundation
import Synchronization
import Remediation
import StoreTesting
import Testing
@testable import CPMS
@testable import Store

/// The store's group commit: concurrent writes share commits, each caller resumes after its
/// write is committed, and a failing write is undone alone.
@Suite struct GroupCommitTests {
    func store(_ engine: TestEngine) throws -> (StationStore, TestDatabase) {
        let test = try TestDatabase(engine, name: "group")
        return (try StationStore(location: test.location), test)
    }

    struct Refused: Error, Equatable {}

    @Test(arguments: TestEngine.all) func concurrentWritesShareCommitsAndAreAllThere(engine: TestEngine) async throws {
        let (store, test) = try store(engine)
        defer { test.remove() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<400 {
                group.addTask {
                    let report = StatusReport(evse: 1, connector: 1, status: index % 2 == 0 ? .available : .charging, errorCode: "NoError",
                                              vendorId: nil, vendorErrorCode: nil, info: nil, chargerTime: nil)
                    try await store.recordStatus(id: "CP-\(index % 20)", report, registrationForUnknown: "accepted",
                                                 now: "2026-11-26T01:00:00.000Z")
                }
            }
            try await group.waitForAll()
        }
        let statistics = await store.groupCommitStatistics
        #expect(statistics.writes == 400)
        #expect(statistics.batches < 400)   // 400 writers at once cannot all have found the store idle
        #expect(try await store.stations().count == 20)
        let history = try await (0..<20).asyncMap { try await store.history("CP-\($0)", limit: 100).count }
        #expect(history.reduce(0, +) == 400)
        // A second connection (as the CLI opens) sees every committed write.
        let reader = try test.connect(readOnly: true)
        #expect(try reader.rows("SELECT count(*) FROM connector_status_history").first?.first == .integer(400))
    }

    @Test(arguments: TestEngine.all) func aFailingWriteIsUndoneAloneAndItsCallerGetsTheError(engine: TestEngine) async throws {
        let (store, test) = try store(engine)
        defer { test.remove() }
        _ = try await store.declareStation(id: "CP-1")
        async let good: Void = store.recordSeen(id: "CP-1", online: true, now: "2026-11-26T01:00:00.000Z")
        async let bad: Result<Void, Error> = Result { try await store.failingWrite() }
        try await good
        let failure = await bad
        #expect(throws: Refused.self) { try failure.get() }
        #expect(try await store.station("CP-1")?.lastSeen == "2026-11-26T01:00:00.000Z")
        #expect(try await store.station("CP-GHOST") == nil)   // the failing write's insert was rolled back
    }

    /// A write of one statement that fails in the database (not in Swift) is undone alone too,
    /// also on PostgreSQL, where a failed statement would abort the whole group's transaction.
    @Test(arguments: TestEngine.all) func aFailingStatementIsUndoneAloneInItsBatch(engine: TestEngine) async throws {
        let (store, test) = try store(engine)
        defer { test.remove() }
        _ = try await store.declareStation(id: "CP-1")
        async let first: Void = store.recordSeen(id: "CP-1", online: true, now: "2026-11-26T01:00:00.000Z")
        async let bad: Result<Void, Error> = Result { try await store.failingStatement() }
        async let last: Void = store.recordSeen(id: "CP-1", online: true, now: "2026-11-26T01:00:01.000Z")
        try await first
        let failure = await bad
        #expect(throws: (any Error).self) { try failure.get() }
        try await last
        #expect(try await store.station("CP-1")?.lastSeen == "2026-11-26T01:00:01.000Z")
    }

    /// The safety gates' read-only connection sees every committed write, on its own thread,
    /// and cannot write.
    @Test(arguments: TestEngine.all) func theReadOnlyConnectionSeesCommittedWritesAndCannotWrite(engine: TestEngine) async throws {
        let (store, test) = try store(engine)
        defer { test.remove() }
        let reads = try StationStore(readingFrom: test.location)
        #expect(try await RemediationSettings(host: reads).setting("remediation.paused") == nil)
        try await RemediationSettings(host: store).setSetting("remediation.paused", "true", by: "test", now: "2026-12-04T01:00:00.000Z")
        #expect(try await RemediationSettings(host: reads).setting("remediation.paused") == "true")
        await #expect(throws: (any Error).self) {
            try await RemediationSettings(host: reads).setSetting("remediation.paused", "false", by: "test", now: "2026-12-04T01:00:01.000Z")
        }
        #expect(try await RemediationSettings(host: store).setting("remediation.paused") == "true")
    }
}

extension StationStore {
    /// A single-statement write the database refuses (a duplicate key).
    func failingStatement() async throws {
        try await committed({ store in
            try store.database.run("INSERT INTO stations (id, registration) VALUES ('CP-1', 'accepted')")
        }, published: nil, singleStatement: true)
    }

    /// Inserts a station, then fails: the insert must not survive.
    func failingWrite() async throws {
        try await committed { store in
            try store.database.run("INSERT INTO stations (id, registration, first_seen) VALUES ('CP-GHOST', 'accepted', '2026-11-26T01:00:00.000Z')")
            throw GroupCommitTests.Refused()
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}

extension GroupCommitTests {
    /// A database that cannot even begin a transaction (PostgreSQL gone): the writes are tried
    /// again for the retry window (a busy or reconnecting database recovers within it), then
    /// every one fails with the error — none spins unanswered — and the store works again once
    /// the database does; a failure shorter than the window loses nothing.
    @Test(.timeLimit(.minutes(1))) func aBatchThatCannotBeginFailsEveryWriteInsteadOfRetryingForever() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-group-begin-\(UUID().uuidString).sqlite").path
        defer { removeSQLiteFiles(path) }
        let inner = try SQLiteDatabase(path: path)
        let failing = BeginFails(inner)
        let store = try StationStore(database: failing)
        let report = StatusReport(evse: 1, connector: 1, status: .available, errorCode: "NoError", vendorId: nil, vendorErrorCode: nil,
                                  info: nil, chargerTime: nil)
        await store.setRetryWindow(nanoseconds: 300_000_000)
        // Down for less than the window: the write waits, then commits.
        failing.fails.withLock { $0 = true }
        let patient = Task { try await store.recordStatus(id: "CP-P", report, registrationForUnknown: "accepted", now: "2026-11-26T01:00:00.000Z") }
        try await Task.sleep(for: .milliseconds(150))
        failing.fails.withLock { $0 = false }
        _ = try await patient.value
        #expect(try await store.station("CP-P") != nil)
        // Down for longer: every write fails once the window is over.
        failing.fails.withLock { $0 = true }
        await withTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                group.addTask {
                    do {
                        try await store.recordStatus(id: "CP-\(index)", report, registrationForUnknown: "accepted", now: "2026-11-26T01:00:00.000Z")
                        return false
                    } catch { return true }
                }
            }
            #expect(await group.reduce(0) { $0 + ($1 ? 1 : 0) } == 20)
        }
        #expect(await store.groupCommitStatistics.failedBatches >= 1)
        failing.fails.withLock { $0 = false }
        try await store.recordStatus(id: "CP-1", report, registrationForUnknown: "accepted", now: "2026-11-26T01:00:01.000Z")
        #expect(try await store.station("CP-1") != nil)
    }

    /// SQLite whose BEGIN fails while `fails` is set.
    final class BeginFails: SQLDatabase {
        let inner: SQLiteDatabase
        let fails = Mutex(false)
        init(_ inner: SQLiteDatabase) { self.inner = inner }
        struct Unreachable: Error {}

        var location: String { inner.location }
        func execute(_ sql: String) throws { try inner.execute(sql) }
        func run(_ sql: String, _ values: [any SQLBindable]) throws { try inner.run(sql, values) }
        func rows(_ sql: String, _ values: [any SQLBindable]) throws -> [[SQLValue]] { try inner.rows(sql, values) }
        func insert(_ sql: String, _ values: [any SQLBindable]) throws -> Int { try inner.insert(sql, values) }
        func transaction<T>(_ body: () throws -> T) throws -> T { try inner.transaction(body) }
        var isInTransaction: Bool { inner.isInTransaction }
        func schemaVersion() throws -> Int { try inner.schemaVersion() }
        func setSchemaVersion(_ version: Int) throws { try inner.setSchemaVersion(version) }
        var engine: SQLEngine { inner.engine }
        func beginTransaction() throws {
            if fails.withLock({ $0 }) { throw Unreachable() }
            try inner.beginTransaction()
        }
        func commitTransaction() throws { try inner.commitTransaction() }
        func rollbackTransaction() { inner.rollbackTransaction() }
    }
}
