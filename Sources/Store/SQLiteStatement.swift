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

    /// Runs `body` with `values` bound by position (1-based in SQL, given here in order).
    /// Text and blobs are bound in place (`SQLITE_STATIC`): each value's bytes stay valid while
    /// `body` runs, inside the scope that lends them, so SQLite copies nothing; the statement is
    /// reset before those scopes end, and parameters not given are bound to NULL, so no pointer
    /// outlives its scope in the statement. Past `inPlaceLimit` text and blob values (a long
    /// `IN` list) the rest are copied, so the nested scopes stay few.
    func withBound<T>(_ values: [any SQLBindable], _ body: () throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        sqlite3_reset(handle)
        var sqlValues = values.map(\.sqlValue)
        let parameters = Int(sqlite3_bind_parameter_count(handle))
        if sqlValues.count < parameters { sqlValues += Array(repeating: .null, count: parameters - sqlValues.count) }
        let outcome: Result<T, SQLiteError> = bind(sqlValues, from: 0, lent: 0) {
            defer { sqlite3_reset(handle) }
            return Result { () throws(SQLiteError) in try body() }
        }
        return try outcome.get()
    }

    /// How many text and blob values are bound in place, each in a scope of its own; the
    /// hot statements bind at most 64.
    static let inPlaceLimit = 64

    /// Binds `values[index...]` then runs `body`: numbers and NULLs directly, text and blobs
    /// each inside the scope that lends its bytes (`lent` such scopes are open), or copied once
    /// `inPlaceLimit` are.
    private func bind<T>(_ values: [SQLValue], from start: Int, lent: Int,
                         _ body: () -> Result<T, SQLiteError>) -> Result<T, SQLiteError> {
        var index = start
        while index < values.count {
            let position = Int32(index + 1)
            let code: Int32
            switch values[index] {
            case .null: code = sqlite3_bind_null(handle, position)
            case .integer(let number): code = sqlite3_bind_int64(handle, position, number)
            case .real(let number): code = sqlite3_bind_double(handle, position, number)
            case .text(var text):
                // With an explicit byte length, so text with an embedded NUL is kept whole. Empty
                // text binds '' (a nil pointer would bind NULL).
                if text.isEmpty {
                    code = sqlite3_bind_text(handle, position, "", 0, Self.transient)
                } else if lent < Self.inPlaceLimit {
                    return text.withUTF8 { buffer in
                        buffer.withMemoryRebound(to: CChar.self) { chars in
                            let code = sqlite3_bind_text(handle, position, chars.baseAddress, Int32(chars.count), Self.static)
                            guard code == SQLITE_OK else { return .failure(SQLiteError(database, code: code, sql: sql)) }
                            return bind(values, from: index + 1, lent: lent + 1, body)
                        }
                    }
                } else {
                    code = text.withUTF8 { buffer in
                        buffer.withMemoryRebound(to: CChar.self) { sqlite3_bind_text(handle, position, $0.baseAddress, Int32($0.count), Self.transient) }
                    }
                }
            case .blob(let bytes):
                if bytes.isEmpty {
                    code = sqlite3_bind_zeroblob(handle, position, 0)
                } else if lent < Self.inPlaceLimit {
                    return bytes.withUnsafeBytes { buffer in
                        let code = sqlite3_bind_blob(handle, position, buffer.baseAddress, Int32(buffer.count), Self.static)
                        guard code == SQLITE_OK else { return .failure(SQLiteError(database, code: code, sql: sql)) }
                        return bind(values, from: index + 1, lent: lent + 1, body)
                    }
                } else {
                    code = bytes.withUnsafeBytes { sqlite3_bind_blob(handle, position, $0.baseAddress, Int32($0.count), Self.transient) }
                }
            }
            guard code == SQLITE_OK else { return .failure(SQLiteError(database, code: code, sql: sql)) }
            index += 1
        }
        return body()
    }

    /// SQLITE_TRANSIENT: SQLite copies the bound bytes before the call returns.
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    /// SQLITE_STATIC: the bytes stay where they are until the statement is reset.
    static let `static` = unsafeBitCast(0, to: sqlite3_destructor_type.self)

    /// Runs the statement to completion, for INSERT/UPDATE/DELETE.
    public func run(_ values: [any SQLBindable] = []) throws(SQLiteError) {
        try withBound(values) { () throws(SQLiteError) in
            while try step() {}
        }
    }

    /// All rows, each as its column values.
    public func rows(_ values: [any SQLBindable] = []) throws(SQLiteError) -> [[SQLValue]] {
        try withBound(values) { () throws(SQLiteError) in
            var result: [[SQLValue]] = []
            let columns = sqlite3_column_count(handle)
            while try step() {
                result.append((0..<columns).map(column))
            }
            return result
        }
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
