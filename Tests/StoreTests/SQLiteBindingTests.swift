import Testing
@testable import Store

/// Text binds from the string's own storage: empty text stays '' (not NULL), text with an
/// embedded NUL and non-ASCII text come back whole, and statements that share length, head
/// and tail (the cache's hash) are still told apart. Values are bound in place (SQLite does not
/// copy them), so a reused statement must never see an earlier run's values.
@Suite struct SQLiteBindingTests {
    @Test func textRoundTripsWhole() throws {
        let database = try SQLiteDatabase(path: ":memory:")
        try database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, text TEXT)")
        let samples = ["", "a\u{0}b", "Ladesäule → Störung", String(repeating: "x", count: 10_000), "plain"]
        for sample in samples { try database.run("INSERT INTO t (text) VALUES (?)", sample) }
        let read = try database.rows("SELECT text, text IS NULL FROM t ORDER BY id")
        #expect(read.map { $0[0] } == samples.map { SQLValue.text($0) })
        #expect(read.allSatisfy { $0[1] == .integer(0) })
    }

    @Test func statementsWithTheSameHeadTailAndLengthAreDifferentStatements() throws {
        let database = try SQLiteDatabase(path: ":memory:")
        let middle = String(repeating: " ", count: 40)
        let first = "SELECT" + middle + "1" + middle + "AS value"
        let second = "SELECT" + middle + "2" + middle + "AS value"
        #expect(first.utf8.count == second.utf8.count)
        #expect(try database.rows(first) == [[.integer(1)]])
        #expect(try database.rows(second) == [[.integer(2)]])
        #expect(try database.rows(first) == [[.integer(1)]])
        #expect(try database.statement(first) !== database.statement(second))
    }

    /// A cached statement run again with fewer values binds the missing ones to NULL: the
    /// earlier run's text (bound in place, its storage gone) is never read.
    @Test func aReusedStatementNeverSeesAnEarlierRunsValues() throws {
        let database = try SQLiteDatabase(path: ":memory:")
        try database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT)")
        let insert = "INSERT INTO t (a, b) VALUES (?, ?)"
        for round in 0..<50 {
            try database.run(insert, String(repeating: "a\(round)", count: 40), String(repeating: "b\(round)", count: 40))
            try database.run(insert, "short-\(round)")
        }
        let rows = try database.rows("SELECT a, b FROM t ORDER BY id")
        #expect(rows.count == 100)
        for (index, row) in rows.enumerated() where index % 2 == 1 {
            #expect(row == [.text("short-\(index / 2)"), .null])
        }
        #expect(rows[0] == [.text(String(repeating: "a0", count: 40)), .text(String(repeating: "b0", count: 40))])
    }

    /// Small strings (kept inline by Swift), blobs, empty blobs and many values in one statement
    /// all come back as written.
    @Test func everyKindOfValueRoundTripsFromOneStatement() throws {
        let database = try SQLiteDatabase(path: ":memory:")
        try database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, small TEXT, blob BLOB, empty BLOB, number REAL, whole INTEGER)")
        let columns = "(small, blob, empty, number, whole)"
        let values: [any SQLBindable] = (0..<64).flatMap { row -> [any SQLBindable] in
            ["s\(row)", SQLValue.blob([UInt8(row), 0, 255]), SQLValue.blob([]), Double(row) / 4, row]
        }
        try database.run("INSERT INTO t \(columns) VALUES " + Array(repeating: "(?, ?, ?, ?, ?)", count: 64).joined(separator: ", "), values)
        let rows = try database.rows("SELECT small, blob, empty, number, whole FROM t ORDER BY id")
        #expect(rows.count == 64)
        for (row, read) in rows.enumerated() {
            #expect(read == [.text("s\(row)"), .blob([UInt8(row), 0, 255]), .blob([]), .real(Double(row) / 4), .integer(Int64(row))])
        }
    }

    /// A long `IN` list (thousands of text values) binds: past the values bound in place the
    /// rest are copied, so the scopes do not nest thousands deep.
    @Test func aLongListOfTextValuesBinds() throws {
        let database = try SQLiteDatabase(path: ":memory:")
        try database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
        for index in 0..<5_000 { try database.run("INSERT INTO t (name) VALUES (?)", "station-number-\(index)") }
        let wanted = (0..<5_000).filter { $0 % 2 == 0 }.map { "station-number-\($0)" } + ["nobody-at-all-here"]
        let sql = "SELECT count(*) FROM t WHERE name IN (" + Array(repeating: "?", count: wanted.count).joined(separator: ", ") + ")"
        #expect(try database.rows(sql, wanted) == [[.integer(2_500)]])
    }
}
