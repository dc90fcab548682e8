/// What Vigil's stores need from a SQL database, so the domain code (CPMS, remediation,
/// alerts, audit) never names the engine: statements with `?` parameters, rows as
/// `SQLValue`s, inserts that return the new row's id, nestable transactions and the schema
/// version the `Migrator` keeps. `SQLiteDatabase` implements it for the embedded default;
/// `PostgresDatabase` (libpq) implements the same contract: `?` rewritten to `$1 …`, `insert`
/// through `RETURNING id`, nested transactions as savepoints, the version in a one-row table —
/// and the migrations' SQLite DDL translated for it (`PostgresDDL`, `Migration.postgresql`).
///
/// The domain's SQL keeps to what both engines share: standard DML, `ON CONFLICT … DO
/// UPDATE`, times as RFC 3339 UTC text with milliseconds (`StoreTime`), compared as strings
/// — no engine functions such as `julianday`, every subquery in FROM named, a column whose
/// name PostgreSQL reserves (`"authorization"`) quoted.
public protocol SQLDatabase: AnyObject {
    /// Where the data lives, for messages (a file path, a connection string without secrets).
    var location: String { get }
    /// Runs statements without parameters (schema changes).
    func execute(_ sql: String) throws
    func run(_ sql: String, _ values: [any SQLBindable]) throws
    func rows(_ sql: String, _ values: [any SQLBindable]) throws -> [[SQLValue]]
    /// Runs an INSERT and returns the id of the row it created.
    func insert(_ sql: String, _ values: [any SQLBindable]) throws -> Int
    /// Runs `body` atomically; inside an open transaction, as a savepoint of its own.
    func transaction<T>(_ body: () throws -> T) throws -> T
    var isInTransaction: Bool { get }
    /// The schema version the migrations reached (0 for a new database).
    func schemaVersion() throws -> Int
    /// Records the schema version, inside the migration's transaction.
    func setSchemaVersion(_ version: Int) throws
    /// Which engine runs the SQL: the migrations pick their DDL by it.
    var engine: SQLEngine { get }
    /// Opens a transaction that `commitTransaction` or `rollbackTransaction` ends (the group
    /// commit's, which runs many bodies). It takes the database's write lock up front.
    func beginTransaction() throws
    func commitTransaction() throws
    /// Ends the open transaction, undoing it; never fails (a broken connection has none left).
    func rollbackTransaction()
}

/// The SQL engines Vigil runs on.
public enum SQLEngine: String, Sendable, Equatable {
    case sqlite
    case postgresql

    /// Whether a statement that fails inside a transaction is undone alone, the transaction
    /// going on (SQLite), or aborts the whole transaction until a rollback (PostgreSQL, where a
    /// write that must fail alone needs a savepoint of its own).
    public var undoesFailedStatementAlone: Bool { self == .sqlite }
}

extension SQLDatabase {
    public func run(_ sql: String, _ values: any SQLBindable...) throws { try run(sql, values) }
    public func rows(_ sql: String, _ values: any SQLBindable...) throws -> [[SQLValue]] { try rows(sql, values) }
    @discardableResult
    public func insert(_ sql: String, _ values: any SQLBindable...) throws -> Int { try insert(sql, values) }
}
