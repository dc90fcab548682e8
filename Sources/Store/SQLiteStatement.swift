import CSQLite

/// A prepared statement. Reused across executions (bind, step, reset), it is owned by the
/// `SQLiteDatabase` that prepared it and used only on that connection's actor.
public final class SQLiteStatement {
    let handle: OpaquePointer
    let database: OpaquePointer
    public let sql: String

    init(database: OpaquePointer, sql: String) throws(SQLiteError) {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(database, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw SQLiteError(database, code: code, sql: sql) }
        handle = statement
        self.database = database
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// Binds parameters by position (1-based in SQL, given here in order).
    public func bind(_ values: [any SQLBindable]) throws(SQLiteError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value.sqlValue {
            case .null: code = sqlite3_bind_null(handle, index)
            case .integer(let number): code = sqlite3_bind_int64(handle, index, number)
            case .real(let number): code = sqlite3_bind_double(handle, index, number)
            case .text(let text):
                // With an explicit byte length, so text with an embedded NUL is kept whole; from
                // the string's own UTF-8 storage when it has one (SQLite copies it: TRANSIENT).
                // Empty text binds '' (a nil pointer would bind NULL).
                if text.isEmpty {
                    code = sqlite3_bind_text(handle, index, "", 0, Self.transient)
                } else if let bound = text.utf8.withContiguousStorageIfAvailable({ buffer in
                    buffer.withMemoryRebound(to: CChar.self) { sqlite3_bind_text(handle, index, $0.baseAddress, Int32($0.count), Self.transient) }
                }) {
                    code = bound
                } else {
                    let bytes = Array(text.utf8)
                    code = bytes.withUnsafeBufferPointer { buffer in
                        buffer.withMemoryRebound(to: CChar.self) { sqlite3_bind_text(handle, index, $0.baseAddress, Int32($0.count), Self.transient) }
                    }
                }
            case .blob(let bytes):
                code = bytes.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), Self.transient) }
            }
            guard code == SQLITE_OK else { throw SQLiteError(database, code: code, sql: sql) }
        }
    }

    /// SQLITE_TRANSIENT: SQLite copies the bound bytes before the call returns.
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Runs the statement to completion, for INSERT/UPDATE/DELETE.
    public func run(_ values: [any SQLBindable] = []) throws(SQLiteError) {
        try bind(values)
        while try step() {}
    }

    /// All rows, each as its column values.
    public func rows(_ values: [any SQLBindable] = []) throws(SQLiteError) -> [[SQLValue]] {
        try bind(values)
        var result: [[SQLValue]] = []
        while try step() {
            result.append((0..<sqlite3_column_count(handle)).map(column))
        }
        return result
    }

    /// Advances one row; false when done.
    func step() throws(SQLiteError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw SQLiteError(database, code: code, sql: sql)
        }
    }

    func column(_ index: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT:
            guard let text = sqlite3_column_text(handle, index) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, index))), as: UTF8.self))
        case SQLITE_BLOB:
            guard let bytes = sqlite3_column_blob(handle, index) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, index)))))
        default: return .null
        }
    }
}
