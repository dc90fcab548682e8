/// Where a Vigil database lives: a SQLite file (the default) or a PostgreSQL database.
/// `description` is safe to print: a PostgreSQL URL is shown without its password.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    public var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let location): return location.redacted
        }
    }

    public var engine: SQLEngine {
        switch self {
        case .sqlite: return .sqlite
        case .postgres: return .postgresql
        }
    }

    /// A new connection (SQLite creates a missing file unless `readOnly`).
    public func connect(readOnly: Bool = false) throws -> any SQLDatabase {
        switch self {
        case .sqlite(let path): return try SQLiteDatabase(path: path, readOnly: readOnly)
        case .postgres(let location): return try PostgresDatabase(location: location, readOnly: readOnly)
        }
    }
}
