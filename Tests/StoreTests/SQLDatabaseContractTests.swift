import Foundation
import Synchronization
import Store
import StoreTesting
import Testing

/// The `SQLDatabase` contract the domain stores rely on, on every engine under test: values
/// come back with SQLite's storage classes, `insert` returns the new id, nested transactions
/// undo only their own part, a failed statement inside a savepoint leaves the transaction
/// usable, the schema version survives a reconnect, and errors name what failed.
@Suite struct SQLDatabaseContractTests {
    static let table = Migration(version: 1, name: "things", sql: """
        CREATE TABLE things (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            count INTEGER NOT NULL DEFAULT 0,
            ratio REAL,
            data BLOB,
            note TEXT
        );
        CREATE TABLE tokens (token TEXT PRIMARY KEY COLLATE NOCASE, status TEXT NOT NULL);
        """)

    func open(_ engine: TestEngine) throws -> (any SQLDatabase, TestDatabase) {
        let test = try TestDatabase(engine, name: "contract")
        let database = try test.connect()
        try Migrator([Self.table]).migrate(database)
        return (database, test)
    }

    @Test(arguments: TestEngine.all) func valuesComeBackWithTheirStorageClass(engine: TestEngine) throws {
        let (database, test) = try open(engine)
        defer { test.remove() }
        let id = try database.insert("INSERT INTO things (name, count, ratio, data, note) VALUES (?, ?, ?, ?, ?)",
                                     "a 'quoted' ? name", Int64.max, 0.1, SQLValue.blob([0, 1, 255]), String?.none)
        #expect(id == 1)
        let empty = try database.insert("INSERT INTO things (name, count, ratio, data, note) VALUES (?, ?, ?, ?, ?)",
                                        "", -1, -2.5e-300, SQLValue.blob([]), "x")
        #expect(empty == 2)
        let rows = try database.rows("SELECT id, name, count, ratio, data, note FROM things ORDER BY id")
        #expect(rows[0] == [.integer(1), .text("a 'quoted' ? name"), .integer(Int64.max), .real(0.1), .blob([0, 1, 255]), .null])
        #expect(rows[1] == [.integer(2), .text(""), .integer(-1), .real(-2.5e-300), .blob([]), .text("x")])
        // Aggregates and comparisons read as SQLite gives them: integers stay integers.
        let totals = try database.rows("SELECT count(*), sum(id), max(id), min(name) = '', coalesce(max(note), 'none') FROM things")
        #expect(totals == [[.integer(2), .integer(3), .integer(2), .integer(1), .text("x")]])
        // A bound integer is compared with a text column as text, and text with an integer column as a number.
        #expect(try database.rows("SELECT id FROM things WHERE count = ?", "-1") == [[.integer(2)]])
        // `?` inside a literal is text, not a parameter.
        #expect(try database.rows("SELECT '?', ? || '%'", "a") == [[.text("?"), .text("a%")]])
        // A parameter the engine cannot type from its place.
        #expect(try database.rows("SELECT count(*) FROM things WHERE (? IS NULL OR id = ?)", String?.none, String?.none) == [[.integer(2)]])
        #expect(try database.rows("SELECT count(*) FROM things WHERE (? IS NULL OR id = ?)", 1, 1) == [[.integer(1)]])
    }

    @Test(arguments: TestEngine.all) func textKeepsEveryCharacterAndSortsByByte(engine: TestEngine) throws {
        let (database, test) = try open(engine)
        defer { test.remove() }
        for name in ["b", "B", "a-1", "a1", "ä", "😀 emoji", "2026-11-26T01:00:00.000Z", "2026-11-26T10:00:00.000Z"] {
            try database.run("INSERT INTO things (name) VALUES (?)", name)
        }
        let names = try database.rows("SELECT name FROM things ORDER BY name").compactMap { $0.first?.text }
        #expect(names == ["2026-11-26T01:00:00.000Z", "2026-11-26T10:00:00.000Z", "B", "a-1", "a1", "b", "ä", "😀 emoji"])
        #expect(try database.rows("SELECT count(*) FROM things WHERE name < ?", "a") == [[.integer(3)]])
    }

    @Test(arguments: TestEngine.all) func nocaseColumnsCompareWithoutCase(engine: TestEngine) throws {
        let (database, test) = try open(engine)
        defer { test.remove() }
        try database.run("INSERT INTO tokens (token, status) VALUES (?, ?)", "Card-1", "accepted")
        #expect(try database.rows("SELECT token FROM tokens WHERE token = ?", "CARD-1") == [[.text("Card-1")]])
        #expect(throws: (any Error).self) { try database.run("INSERT INTO tokens (token, status) VALUES (?, ?)", "card-1", "blocked") }
    }

    @Test(arguments: TestEngine.all) func nestedTransactionsUndoOnlyTheirOwnPart(engine: TestEngine) throws {
        let (database, test) = try open(engine)
        defer { test.remove() }
        struct Refused: Error {}
        try database.transaction {
            try database.run("INSERT INTO things (name) VALUES (?)", "kept")
            #expect(throws: Refused.self) {
                try database.transaction {
                    try database.run("INSERT INTO things (name) VALUES (?)", "undone")
                    throw Refused()
                }
            }
            // A failing statement inside a savepoint leaves the outer transaction usable.
            #expect(throws: (any Error).self) {
                try database.transaction { try database.run("INSERT INTO things (name) VALUES (?)", "kept") }
            }
            try database.run("INSERT INTO things (name) VALUES (?)", "after")
        }
        #expect(!database.isInTransaction)
        #expect(try database.rows("SELECT name FROM things ORDER BY id").compactMap { $0.first?.text } == ["kept", "after"])
    }

    @Test(arguments: TestEngine.all) func groupTransactionCommitsAndRollsBack(engine: TestEngine) throws {
        let (database, test) = try open(engine)
        defer { test.remove() }
        try database.beginTransaction()
        try database.run("INSERT INTO things (name) VALUES (?)", "one")
        try database.commitTransaction()
        try database.beginTransaction()
        try database.run("INSERT INTO things (name) VALUES (?)", "two")
        database.rollbackTransaction()
        #expect(try database.rows("SELECT name FROM things").compactMap { $0.first?.text } == ["one"])
    }

    @Test(arguments: TestEngine.all) func schemaVersionSurvivesAReconnect(engine: TestEngine) throws {
        let (database, test) = try open(engine)
        defer { test.remove() }
        #expect(try database.schemaVersion() == 1)
        let again = try test.connect()
        #expect(try again.schemaVersion() == 1)
        #expect(try Migrator([Self.table]).migrate(again).isEmpty)
        let newer = Migrator([Self.table, Migration(version: 2, name: "more", sql: "ALTER TABLE things ADD COLUMN extra TEXT")])
        #expect(try newer.migrate(again) == [2])
        #expect(throws: MigrationError.databaseIsNewer(found: 2, supported: 1, path: database.location)) {
            try Migrator([Self.table]).migrate(database)
        }
    }

    /// Two processes starting on one database at once (nodes on PostgreSQL, two commands on a
    /// SQLite file) both read the old version; the one that waits for the other's migration
    /// must skip it, not run it again and fail on its `CREATE TABLE`.
    @Test(arguments: TestEngine.all) func twoProcessesMigratingAtOnceApplyEachMigrationOnce(engine: TestEngine) throws {
        let (database, test) = try open(engine)
        defer { test.remove() }
        #expect(try database.schemaVersion() == 1)
        let slow = Migration(version: 2, name: "slow", sql: "CREATE TABLE slow (n INTEGER);", sqlite: """
            WITH RECURSIVE counter(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM counter WHERE n < 400000) INSERT INTO slow SELECT n FROM counter;
            """, postgresql: "SELECT pg_sleep(0.4);")
        let migrator = Migrator([Self.table, slow, Migration(version: 3, name: "more", sql: "ALTER TABLE things ADD COLUMN extra TEXT")])
        let outcomes = Mutex<[Result<[Int], any Error>]>([])
        let connections = try [test.connect(), test.connect()].map { UncheckedBox($0) }
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let outcome = Result { try migrator.migrate(connections[index].value) }
            outcomes.withLock { $0.append(outcome) }
        }
        let applied = try outcomes.withLock { try $0.map { try $0.get() } }
        #expect(applied.flatMap { $0 }.sorted() == [2, 3])
        #expect(try database.schemaVersion() == 3)
    }

    @Test(.enabled(if: TestEngine.all.contains(.postgresql), "PostgreSQL only: set VIGIL_TEST_POSTGRES_URL (scripts/postgres-scratch run swift test)"))
    func aMigrationLongerThanTheStatementTimeoutRunsAndTheTimeoutComesBack() throws {
        let (database, test) = try open(.postgresql)
        defer { test.remove() }
        try database.execute("SET statement_timeout = '150ms'")
        let long = Migration(version: 2, name: "long", sql: "CREATE TABLE long (n INTEGER);", postgresql: "SELECT pg_sleep(0.4);")
        #expect(try Migrator([Self.table, long]).migrate(database) == [2])
        #expect(try database.rows("SELECT current_setting('statement_timeout')") == [[.text("150ms")]])
        #expect(throws: (any Error).self) { try database.run("SELECT pg_sleep(0.4)") }   // the timeout holds again
    }

    @Test(arguments: TestEngine.all) func aReadOnlyConnectionRefusesWrites(engine: TestEngine) throws {
        let (database, test) = try open(engine)
        defer { test.remove() }
        try database.run("INSERT INTO things (name) VALUES (?)", "one")
        let reader = try test.connect(readOnly: true)
        #expect(try reader.rows("SELECT name FROM things") == [[.text("one")]])
        #expect(throws: (any Error).self) { try reader.run("INSERT INTO things (name) VALUES (?)", "two") }
    }

    @Test(.enabled(if: TestEngine.all.contains(.postgresql), "PostgreSQL only: set VIGIL_TEST_POSTGRES_URL (scripts/postgres-scratch run swift test)"))
    func postgresErrorsCarrySQLStateButNoParameters() throws {
        let (database, test) = try open(.postgresql)
        defer { test.remove() }
        try database.run("INSERT INTO things (name) VALUES (?)", "secret-value")
        do {
            try database.run("INSERT INTO things (name) VALUES (?)", "secret-value")
            Issue.record("a duplicate was accepted")
        } catch let error as PostgresError {
            #expect(error.sqlState == "23505" && error.isConstraintViolation)
            #expect(!error.description.contains("secret-value"))
            #expect(error.description.contains("INSERT INTO things"))
        }
    }

    /// A table changed by another connection (another node's migration) makes the server
    /// refuse a cached `SELECT *` plan (0A000): outside a transaction the statement is prepared
    /// again and answers with the new columns; inside one the error reaches the caller once and
    /// the next attempt works.
    @Test(.enabled(if: TestEngine.all.contains(.postgresql), "PostgreSQL only: set VIGIL_TEST_POSTGRES_URL (scripts/postgres-scratch run swift test)"))
    func aStatementWhosePlanAnotherConnectionInvalidatedIsPreparedAgain() throws {
        let (database, test) = try open(.postgresql)
        defer { test.remove() }
        try database.run("INSERT INTO things (name) VALUES (?)", "one")
        #expect(try database.rows("SELECT * FROM things WHERE name = ?", "one").first?.count == 6)
        let other = try test.connect()
        try other.execute("ALTER TABLE things ADD COLUMN extra TEXT")
        #expect(try database.rows("SELECT * FROM things WHERE name = ?", "one").first?.count == 7)

        #expect(try database.rows("SELECT * FROM things WHERE id = ?", 1).first?.count == 7)
        try other.execute("ALTER TABLE things ADD COLUMN more TEXT")
        #expect(throws: PostgresError.self) {
            try database.transaction { _ = try database.rows("SELECT * FROM things WHERE id = ?", 1) }
        }
        #expect(try database.transaction { try database.rows("SELECT * FROM things WHERE id = ?", 1) }.first?.count == 8)
    }

    @Test func anUnreachableServerFailsInOneLineWithoutThePassword() throws {
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        let location = try PostgresLocation(url: "postgres://vigil:hunter2@127.0.0.1:1/vigil?connect_timeout=2")
        #expect(location.redacted == "postgres://vigil:***@127.0.0.1:1/vigil?connect_timeout=2")
        do {
            _ = try PostgresDatabase(location: location)
            Issue.record("connected to nothing")
        } catch {
            #expect(error.kind == .connection)
            #expect(!error.description.contains("hunter2") && !error.description.contains("\n"))
            #expect(error.description.contains("127.0.0.1:1"))
        }
    }
}

/// Hands a connection to one of `concurrentPerform`'s threads. Unchecked: each box is used by
/// exactly one iteration (its index), so no connection is ever touched by two threads.
private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
