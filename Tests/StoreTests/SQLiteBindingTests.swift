import Testing
@testable import Store

/// Text binds from the string's own storage: empty text stays '' (not NULL), text with an
/// embedded NUL and non-ASCII text come back whole, and statements that share length, head
/// and tail (the cache's hash) are still told apart.
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
}
