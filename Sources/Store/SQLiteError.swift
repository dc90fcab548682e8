import CSQLite

/// A failed SQLite call, with SQLite's message and the statement it concerned.
public struct SQLiteError: Error, Equatable, Sendable, CustomStringConvertible {
    public let code: Int32
    public let message: String
    public let sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    init(_ handle: OpaquePointer?, code: Int32, sql: String? = nil) {
        let text = handle.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
        self.init(code: code, message: text, sql: sql)
    }

    public var description: String {
        "SQLite error \(code): \(message)" + (sql.map { " in \($0.prefix(200).debugDescription)" } ?? "")
    }
}
