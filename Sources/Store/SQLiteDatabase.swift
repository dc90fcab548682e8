import CSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One SQLite connection: WAL journal, foreign keys on, a busy timeout so readers and the
/// writer of other processes (the CLI next to `vigil serve`) wait instead of failing, and a
/// cache of prepared statements. Not thread-safe: each connection belongs to one actor.
public final class SQLiteDatabase: SQLDatabase {
    let handle: OpaquePointer
    public let path: String
    private var statements: [StatementKey: SQLiteStatement] = [:]
    private var savepointDepth = 0

    /// How long a statement waits for another connection's lock before SQLITE_BUSY.
    public static let defaultBusyTimeoutMilliseconds: Int32 = 5_000

    /// Opens (creating if needed, unless `readOnly`) the database at `path`.
    public init(path: String, readOnly: Bool = false, busyTimeoutMilliseconds: Int32 = SQLiteDatabase.defaultBusyTimeoutMilliseconds) throws(SQLiteError) {
        if !readOnly { Self.createPrivately(path) }
        var handle: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let error = SQLiteError(handle, code: code, sql: nil)
            sqlite3_close(handle)
            throw SQLiteError(code: error.code, message: "cannot open \(path): \(error.message)")
        }
        self.handle = handle
        self.path = path
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        if !readOnly { try execute("PRAGMA journal_mode = WAL") }   // -wal and -shm take the file's mode
        try execute("PRAGMA foreign_keys = ON")
        if !readOnly { try execute("PRAGMA synchronous = FULL") }
        // The writer keeps the hot pages (stations, connectors, the tails of the logs) in memory:
        // 32 MiB instead of SQLite's 2 MiB default, so a busy fleet's writes do not read pages back.
        if !readOnly { try execute("PRAGMA cache_size = -32768") }
    }

    deinit {
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements without parameters (schema changes, pragmas).
    public func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_free(message)
            throw SQLiteError(code: code, message: text, sql: sql)
        }
    }

    /// The prepared statement for `sql`, prepared once and reused.
    public func statement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        let key = StatementKey(sql: sql)
        if let cached = statements[key] { return cached }
        let prepared = try SQLiteStatement(database: handle, sql: sql)
        statements[key] = prepared
        return prepared
    }

    public var location: String { path }

    public func run(_ sql: String, _ values: [any SQLBindable]) throws(SQLiteError) {
        try statement(sql).run(values)
    }

    public func rows(_ sql: String, _ values: [any SQLBindable]) throws(SQLiteError) -> [[SQLValue]] {
        try statement(sql).rows(values)
    }

    // The variadic forms again, keeping the typed error for callers that hold this type.
    public func run(_ sql: String, _ values: any SQLBindable...) throws(SQLiteError) { try run(sql, values) }
    public func rows(_ sql: String, _ values: any SQLBindable...) throws(SQLiteError) -> [[SQLValue]] { try rows(sql, values) }

    public func insert(_ sql: String, _ values: [any SQLBindable]) throws(SQLiteError) -> Int {
        try statement(sql).run(values)
        return Int(lastInsertRowID)
    }

    public func schemaVersion() throws -> Int { try userVersion }

    public func setSchemaVersion(_ version: Int) throws { try execute("PRAGMA user_version = \(version)") }

    /// The rowid of the last INSERT on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Runs `body` in an IMMEDIATE transaction (the write lock is taken up front, so two
    /// writers never deadlock upgrading a read lock); rolls back if it throws. Inside a
    /// transaction already open (a group commit) it runs in a savepoint instead, so that only
    /// its own changes are undone when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        if isInTransaction {
            savepointDepth += 1
            let name = "vigil_\(savepointDepth)"
            defer { savepointDepth -= 1 }
            // Prepared once per depth and reused: a group commit opens one per write.
            try statement("SAVEPOINT \(name)").run()
            do {
                let result = try body()
                try statement("RELEASE \(name)").run()
                return result
            } catch {
                try? execute("ROLLBACK TO \(name)")
                try? execute("RELEASE \(name)")
                throw error
            }
        }
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    public var engine: SQLEngine { .sqlite }

    /// BEGIN IMMEDIATE (prepared once, like every statement the group commit runs).
    public func beginTransaction() throws { try statement("BEGIN IMMEDIATE").run() }
    public func commitTransaction() throws { try statement("COMMIT").run() }
    public func rollbackTransaction() { try? execute("ROLLBACK") }

    /// Whether a transaction is open on this connection.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// `PRAGMA user_version`, which the migrator uses as the schema version.
    public var userVersion: Int {
        get throws(SQLiteError) {
            guard case .integer(let version)? = try statement("PRAGMA user_version").rows([]).first?.first else { return 0 }
            return Int(version)
        }
    }
}

extension SQLiteDatabase {
    /// Creates a missing database file with mode 0600 (owner only), before SQLite opens it:
    /// the database holds station credentials' digests, the audit trail and the message log,
    /// and SQLite gives its `-wal` and `-shm` files the mode of the database file. An existing
    /// file keeps its mode (`vigil serve` warns when group or others can read it). In-memory
    /// and temporary databases (`:memory:`, empty path, `file:` URIs) are left to SQLite.
    static func createPrivately(_ path: String) {
        guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file:") else { return }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 { close(descriptor) }   // EEXIST and the like: SQLite reports what matters
    }
}

/// The statement cache's key: the SQL text, hashed by its length and its first and last 32
/// bytes instead of all of it. The store looks up several statements of a few hundred bytes per
/// write; hashing each whole text was ≈ 4 % of the store thread under load. Equality still
/// compares the whole text, so two statements that share length, head and tail only share a
/// hash bucket.
struct StatementKey: Hashable {
    let sql: String

    /// Hashes the length and the first and last 32 bytes, read as eight 64-bit words: SQL texts
    /// differ at their ends, and feeding SipHash byte by byte was ~3 % of a loaded server's CPU.
    func hash(into hasher: inout Hasher) {
        var text = sql
        let words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = text.withUTF8 { bytes in
            guard bytes.count >= 32, let base = bytes.baseAddress else {
                var packed: [UInt64] = Array(repeating: 0, count: 8)
                for (index, byte) in bytes.enumerated() { packed[index / 8] |= UInt64(byte) << UInt64((index % 8) * 8) }
                return (packed[0], packed[1], packed[2], packed[3], 0, 0, 0, 0)
            }
            let raw = UnsafeRawPointer(base)
            let tail = bytes.count - 32
            func word(_ offset: Int) -> UInt64 { raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }
            return (word(0), word(8), word(16), word(24), word(tail), word(tail + 8), word(tail + 16), word(tail + 24))
        }
        hasher.combine(sql.utf8.count)
        hasher.combine(words.0 ^ words.4 &* 31)
        hasher.combine(words.1 ^ words.5 &* 31)
        hasher.combine(words.2 ^ words.6 &* 31)
        hasher.combine(words.3 ^ words.7 &* 31)
    }

    static func == (left: StatementKey, right: StatementKey) -> Bool { left.sql == right.sql }
}
