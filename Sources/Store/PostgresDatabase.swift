import CLibPQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One PostgreSQL connection through libpq, implementing `SQLDatabase` as `SQLiteDatabase` does
/// for the embedded default: `?` parameters rewritten to `$n` (`PostgresPlaceholders`), each
/// statement prepared once per connection (`PQprepare`, then `PQexecPrepared`), `insert`
/// through `RETURNING id`, nested transactions as savepoints, the schema version in a one-row
/// table (`vigil_schema_version`), rows read back with SQLite's storage classes
/// (`PostgresValues`).
///
/// Writers take one lock: every transaction begins with a transaction-scoped advisory lock on
/// the schema (`pg_advisory_xact_lock`), so Vigil's read-then-write steps (the audit chain's
/// previous hash, a registration check before an insert) are serialized across connections and
/// processes exactly as SQLite's `BEGIN IMMEDIATE` serializes them. Statements outside a
/// transaction run in autocommit, READ COMMITTED.
///
/// Every wait is bounded: connecting by `connect_timeout` (10 s), a dead peer by TCP keepalives
/// and `tcp_user_timeout` (30 s, `PostgresLocation`), a statement — a lock wait included — by
/// `statement_timeout`, which Vigil sets to 30 s unless the URL, the role or the database set
/// one. A connection that broke is reset before the next statement outside a transaction
/// (prepared statements are prepared again); inside one, statements fail until the rollback.
///
/// Not thread-safe (libpq connections are not): like a SQLite connection it belongs to one
/// actor or thread, and it is not `Sendable`.
public final class PostgresDatabase: SQLDatabase {
    private let connection: OpaquePointer
    public let connectionLocation: PostgresLocation
    public let isReadOnly: Bool
    private var statements: [StatementKey: Prepared] = [:]
    private var nextStatement = 0
    private var savepointDepth = 0
    /// A transaction this object opened and has not ended (libpq cannot say once the connection broke).
    private var isInOpenedTransaction = false
    /// DDL ran since the statements were prepared: their plans may no longer fit the tables.
    private var schemaChanged = false

    /// A cache of this many prepared statements at most; past it, they are all deallocated at
    /// the next statement outside a transaction (Vigil's SQL is a few hundred fixed texts).
    static let statementCacheLimit = 1_000
    /// `statement_timeout` when the URL, role and database set none.
    public static let defaultStatementTimeout = "30s"

    struct Prepared {
        let name: String
        let parameterCount: Int
    }

    /// Connects to `location`; a read-only connection refuses writes (`default_transaction_read_only`).
    public init(location: PostgresLocation, readOnly: Bool = false) throws(PostgresError) {
        let keywords = PostgresLocation.defaults.map(\.0) + ["dbname"]
        let values = PostgresLocation.defaults.map(\.1) + [location.url]
        let handle = Self.withCStrings(keywords) { keywords in
            Self.withCStrings(values) { values in PQconnectdbParams(keywords, values, 1) }
        }
        guard let handle else { throw PostgresError(kind: .connection, message: "out of memory") }
        guard PQstatus(handle) == CONNECTION_OK else {
            let error = Self.connectionError(handle, location: location)
            PQfinish(handle)
            throw error
        }
        connection = handle
        connectionLocation = location
        isReadOnly = readOnly
        // From here on `deinit` closes the connection, also when the setup throws.
        try configureSession()
    }

    deinit { PQfinish(connection) }

    /// The settings every session gets (after connecting and after a reset).
    private func configureSession() throws(PostgresError) {
        // The server's notices ("relation already exists, skipping") would go to stderr.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        guard let encoding = PQparameterStatus(connection, "server_encoding").map({ String(cString: $0) }), encoding == "UTF8" else {
            throw PostgresError(kind: .connection, message: "the database's encoding must be UTF8 (CREATE DATABASE … ENCODING 'UTF8')")
        }
        var setup = "SET client_encoding = 'UTF8'; SET bytea_output = 'hex'; SET extra_float_digits = 1"
        if case .text("0")? = try simpleRows("SHOW statement_timeout").first?.first {
            setup += "; SET statement_timeout = '\(Self.defaultStatementTimeout)'"
        }
        if isReadOnly { setup += "; SET default_transaction_read_only = on" }
        try execute(setup)
    }

    public var location: String { connectionLocation.redacted }
    public var engine: SQLEngine { .postgresql }

    // MARK: - Statements

    /// Runs one or more statements without parameters (schema changes, SET).
    public func execute(_ sql: String) throws(PostgresError) {
        try reconnectIfBroken()
        let result = PQexec(connection, sql)
        defer { PQclear(result) }
        try check(result, sql: sql)
        if Self.isDDL(sql) { schemaChanged = true }
    }

    public func run(_ sql: String, _ values: [any SQLBindable]) throws(PostgresError) {
        let result = try executePrepared(sql, values)
        PQclear(result)
    }

    public func rows(_ sql: String, _ values: [any SQLBindable]) throws(PostgresError) -> [[SQLValue]] {
        let result = try executePrepared(sql, values)
        defer { PQclear(result) }
        return try Self.rows(of: result)
    }

    public func run(_ sql: String, _ values: any SQLBindable...) throws(PostgresError) { try run(sql, values) }
    public func rows(_ sql: String, _ values: any SQLBindable...) throws(PostgresError) -> [[SQLValue]] { try rows(sql, values) }

    /// Runs an INSERT with `RETURNING id` appended: every table Vigil inserts into this way has
    /// an `id` column (SQLite's rowid alias).
    public func insert(_ sql: String, _ values: [any SQLBindable]) throws(PostgresError) -> Int {
        var text = sql
        while let last = text.last, last == ";" || last.isWhitespace { text.removeLast() }
        guard case .integer(let id)? = try rows(text + " RETURNING id", values).first?.first else {
            throw PostgresError(kind: .value, message: "the INSERT created no row", sql: sql)
        }
        return Int(id)
    }

    private func executePrepared(_ sql: String, _ values: [any SQLBindable]) throws(PostgresError) -> OpaquePointer {
        do throws(PostgresError) {
            return try executePreparedOnce(sql, values)
        } catch where error.sqlState == "0A000" && error.message.contains("cached plan") {
            // Another connection (a node migrating, a module's tables created) changed a table
            // this statement reads with `*`: the server refuses its cached plan ("cached plan
            // must not change result type"). Forget it; outside a transaction prepare it again
            // and run it once more. Inside one the failure has aborted the transaction: the error
            // goes to the caller, and its next attempt prepares the statement afresh.
            statements[StatementKey(sql: sql)] = nil
            schemaChanged = true   // the other cached plans may be stale too: all prepared again outside a transaction
            guard !isInTransaction else { throw error }
            return try executePreparedOnce(sql, values)
        }
    }

    private func executePreparedOnce(_ sql: String, _ values: [any SQLBindable]) throws(PostgresError) -> OpaquePointer {
        // Before the cache: a cached statement on a connection that broke would fail forever.
        try reconnectIfBroken()
        let prepared = try statement(sql, values)
        guard prepared.parameterCount == values.count else {
            throw PostgresError(kind: .value, message: "\(values.count) values for \(prepared.parameterCount) parameters", sql: sql)
        }
        let parameters = PostgresValues.Parameters(values)
        let result = parameters.withPointers { values, lengths, formats in
            PQexecPrepared(connection, prepared.name, Int32(prepared.parameterCount), values, lengths, formats, 0)
        }
        guard let result else { throw connectionError(sql: sql) }
        do throws(PostgresError) { try check(result, sql: sql) } catch {
            PQclear(result)
            throw error
        }
        return result
    }

    /// The prepared statement for `sql`, prepared on first use. Parameters are left for the
    /// server to type from their context (a text "5" becomes the integer a column wants, as
    /// SQLite's affinity would); one the server cannot type (`? IS NULL`) is typed from its
    /// first value, and the statement prepared again. Inside a transaction a failed prepare would
    /// abort it, so there the preparing runs in a savepoint.
    private func statement(_ sql: String, _ values: [any SQLBindable]) throws(PostgresError) -> Prepared {
        let key = StatementKey(sql: sql)
        if let cached = statements[key], !(schemaChanged && !isInTransaction) { return cached }
        try reconnectIfBroken()
        if !isInTransaction && (schemaChanged || statements.count >= Self.statementCacheLimit) {
            try execute("DEALLOCATE ALL")
            statements.removeAll()
            schemaChanged = false
        }
        let (text, count) = PostgresPlaceholders.rewrite(sql)
        nextStatement += 1
        let name = "vigil_\(nextStatement)"
        var types = [Oid](repeating: 0, count: count)
        let guarded = isInTransaction
        if guarded { try execute("SAVEPOINT vigil_prepare") }
        do throws(PostgresError) {
            while true {
                let result = types.withUnsafeBufferPointer { PQprepare(connection, name, text, Int32(count), $0.baseAddress) }
                defer { PQclear(result) }
                guard let result else { throw connectionError(sql: sql) }
                do throws(PostgresError) {
                    try check(result, sql: sql)
                    break
                } catch where error.sqlState == "42P18" || error.sqlState == "42P08" {
                    // "could not determine data type of parameter $n" (indeterminate or, for a
                    // numbered parameter used twice, ambiguous): type it and try again.
                    guard let index = Self.parameterNumber(in: error.message), index >= 1, index <= count, types[index - 1] == 0 else { throw error }
                    types[index - 1] = index <= values.count ? Self.type(of: values[index - 1].sqlValue) : PostgresValues.text
                    if guarded { try execute("ROLLBACK TO SAVEPOINT vigil_prepare") }
                }
            }
        } catch {
            if guarded { try? execute("ROLLBACK TO SAVEPOINT vigil_prepare"); try? execute("RELEASE SAVEPOINT vigil_prepare") }
            throw error
        }
        if guarded { try execute("RELEASE SAVEPOINT vigil_prepare") }
        let prepared = Prepared(name: name, parameterCount: count)
        statements[key] = prepared
        return prepared
    }

    /// The type a parameter the server cannot type gets from its value (NULL: text).
    static func type(of value: SQLValue) -> Oid {
        switch value {
        case .integer: return PostgresValues.int8
        case .real: return PostgresValues.float8
        case .blob: return PostgresValues.bytea
        case .text, .null: return PostgresValues.text
        }
    }

    /// The `n` of the first `$n` in a server message.
    static func parameterNumber(in message: String) -> Int? {
        guard let dollar = message.firstIndex(of: "$") else { return nil }
        return Int(message[message.index(after: dollar)...].prefix(while: \.isNumber))
    }

    /// Whether `sql` changes the schema (so prepared plans may no longer fit).
    static func isDDL(_ sql: String) -> Bool {
        let head = sql.drop(while: \.isWhitespace).prefix(8).uppercased()
        return head.hasPrefix("CREATE") || head.hasPrefix("ALTER") || head.hasPrefix("DROP")
            || sql.contains("ALTER TABLE") || sql.contains("DROP ")
    }

    // MARK: - Transactions

    public func transaction<T>(_ body: () throws -> T) throws -> T {
        if isInTransaction {
            savepointDepth += 1
            let name = "vigil_\(savepointDepth)"
            defer { savepointDepth -= 1 }
            try execute("SAVEPOINT \(name)")
            do {
                let result = try body()
                try execute("RELEASE SAVEPOINT \(name)")
                return result
            } catch {
                try? execute("ROLLBACK TO SAVEPOINT \(name)")
                try? execute("RELEASE SAVEPOINT \(name)")
                throw error
            }
        }
        try beginTransaction()   // leaves no transaction open when it throws
        do {
            let result = try body()
            try commitTransaction()
            return result
        } catch {
            rollbackTransaction()
            throw error
        }
    }

    /// BEGIN, and (on a writer) the schema's write lock, in one round trip. When the lock wait
    /// fails (statement timeout, deadlock, cancel) the server is left in the failed transaction
    /// the BEGIN opened: it is rolled back here, or every later statement would fail (25P02).
    public func beginTransaction() throws {
        try reconnectIfBroken()
        do throws(PostgresError) {
            try execute(isReadOnly ? "BEGIN" : "BEGIN; SELECT pg_advisory_xact_lock(hashtext('vigil:' || current_schema()))")
        } catch {
            if PQtransactionStatus(connection) != PQTRANS_IDLE { PQclear(PQexec(connection, "ROLLBACK")) }
            throw error
        }
        isInOpenedTransaction = true
    }

    public func commitTransaction() throws {
        // A COMMIT of a transaction that failed ends it as a ROLLBACK without an error: refuse that.
        let failed = PQtransactionStatus(connection) == PQTRANS_INERROR
        let result = PQexec(connection, "COMMIT")
        defer { PQclear(result) }
        isInOpenedTransaction = false
        try check(result, sql: "COMMIT")
        if failed { throw PostgresError(sqlState: "25P02", message: "the transaction had failed and was rolled back", sql: "COMMIT") }
    }

    public func rollbackTransaction() {
        isInOpenedTransaction = false
        PQclear(PQexec(connection, "ROLLBACK"))
    }

    /// A statement failed in the open transaction: every later one fails until it is rolled back.
    public var transactionHasFailed: Bool { PQtransactionStatus(connection) == PQTRANS_INERROR }

    public var isInTransaction: Bool {
        if isInOpenedTransaction { return true }
        let status = PQtransactionStatus(connection)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    // MARK: - Schema version

    public func schemaVersion() throws -> Int {
        guard case .integer(1)? = try simpleRows("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'vigil_schema_version'").first?.first else { return 0 }
        return try simpleRows("SELECT version FROM vigil_schema_version WHERE id = 1").first?.first?.int ?? 0
    }

    public func setSchemaVersion(_ version: Int) throws {
        try execute("""
            CREATE TABLE IF NOT EXISTS vigil_schema_version (id BIGINT PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL);
            INSERT INTO vigil_schema_version (id, version) VALUES (1, \(version))
                ON CONFLICT (id) DO UPDATE SET version = excluded.version
            """)
    }

    // MARK: - libpq plumbing

    /// Rows of a statement without parameters, by the simple protocol (no prepared statement).
    private func simpleRows(_ sql: String) throws(PostgresError) -> [[SQLValue]] {
        try reconnectIfBroken()
        let result = PQexec(connection, sql)
        defer { PQclear(result) }
        try check(result, sql: sql)
        guard let result else { return [] }
        return try Self.rows(of: result)
    }

    static func rows(of result: OpaquePointer) throws(PostgresError) -> [[SQLValue]] {
        let count = PQntuples(result), columns = PQnfields(result)
        guard count > 0 else { return [] }
        let types = (0..<columns).map { PQftype(result, $0) }
        var rows: [[SQLValue]] = []
        rows.reserveCapacity(Int(count))
        for row in 0..<count {
            var values: [SQLValue] = []
            values.reserveCapacity(Int(columns))
            for column in 0..<columns {
                values.append(try PostgresValues.value(result, row: row, column: column, type: types[Int(column)]))
            }
            rows.append(values)
        }
        return rows
    }

    /// Throws the server's error for a result that is not a success.
    private func check(_ result: OpaquePointer?, sql: String?) throws(PostgresError) {
        guard let result else { throw connectionError(sql: sql) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY: return
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
            let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
            guard let primary else { throw connectionError(sql: sql) }
            throw PostgresError(kind: .server, sqlState: state, message: primary, sql: sql)
        }
    }

    private func connectionError(sql: String? = nil) -> PostgresError {
        Self.connectionError(connection, location: connectionLocation, sql: sql)
    }

    /// libpq's last message for `handle`, on one line, without the password.
    static func connectionError(_ handle: OpaquePointer, location: PostgresLocation, sql: String? = nil) -> PostgresError {
        let text = PQerrorMessage(handle).map { String(cString: $0) } ?? "unknown error"
        let message = location.scrub(text.trimmingTrailingWhitespace)
        return PostgresError(kind: .connection, message: "\(location.redacted): \(message)", sql: sql)
    }

    /// Resets a broken connection when no transaction of ours was open on it: its prepared
    /// statements are gone with it, and its session settings are made again. An idle
    /// connection the server closed (a restart, `pg_terminate_backend`) is noticed here, before
    /// the statement is sent, rather than by the statement failing.
    private func reconnectIfBroken() throws(PostgresError) {
        if !isInOpenedTransaction && PQtransactionStatus(connection) == PQTRANS_IDLE { noticeClosedConnection() }
        guard PQstatus(connection) == CONNECTION_BAD else { return }
        guard !isInOpenedTransaction else { throw connectionError() }
        PQreset(connection)
        guard PQstatus(connection) == CONNECTION_OK else { throw connectionError() }
        statements.removeAll()
        schemaChanged = false
        try configureSession()
    }

    /// Reads what an idle connection's socket holds without waiting (`poll` with no timeout,
    /// then `PQconsumeInput`): the server's goodbye and the end of the stream, so libpq marks a
    /// connection the server closed as bad. A few rounds at most (the message, then the end).
    private func noticeClosedConnection() {
        for _ in 0..<3 {
            let socket = PQsocket(connection)
            guard socket >= 0 else { return }
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0, descriptor.revents != 0 else { return }
            guard PQconsumeInput(connection) == 1, PQstatus(connection) == CONNECTION_OK else { return }
        }
    }

    /// Calls `body` with `strings` as a NULL-terminated array of C strings.
    static func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } } + [nil]
        return pointers.withUnsafeBufferPointer { buffer in
            // Never nil: the array holds at least the terminating nil.
            guard let base = buffer.baseAddress else { preconditionFailure("empty C string array") }
            return body(base)
        }
    }
}

extension String {
    var trimmingTrailingWhitespace: String {
        var text = self
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }
}
