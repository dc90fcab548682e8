import Foundation
import Store
import StoreTesting
import Testing

/// A PostgreSQL connection recovers from what the server does to it: a BEGIN whose lock wait
/// failed leaves no transaction open, and a connection the server closed (a restart,
/// `pg_terminate_backend`) is reset before its next statement outside a transaction — cached
/// prepared statements included, which are prepared again on the new session.
@Suite(.enabled(if: TestEngine.all.contains(.postgresql), "PostgreSQL only: set VIGIL_TEST_POSTGRES_URL (scripts/postgres-scratch run swift test)"))
struct PostgresConnectionRecoveryTests {
    func location(_ name: String) throws -> PostgresLocation {
        guard case .postgres(let location) = try TestDatabase(.postgresql, name: name).location else { throw TestDatabaseError.noPostgres }
        return location
    }

    @Test func aBeginWhoseLockWaitFailsLeavesTheConnectionUsable() throws {
        let location = try location("beginfails")
        let holder = try PostgresDatabase(location: location)
        let waiter = try PostgresDatabase(location: location)
        try waiter.execute("SET statement_timeout = '200ms'")
        try holder.beginTransaction()   // holds the schema's write lock
        defer { holder.rollbackTransaction() }
        do {
            _ = try waiter.transaction { Issue.record("the body ran without the lock") }
            Issue.record("the transaction began while another held the lock")
        } catch let error as PostgresError {
            #expect(error.sqlState == "57014", "\(error)")   // statement timeout
        }
        #expect(!waiter.isInTransaction)
        #expect(try waiter.rows("SELECT 1") == [[.integer(1)]])
        holder.rollbackTransaction()
        #expect(try waiter.transaction { try waiter.rows("SELECT 2") } == [[.integer(2)]])
    }

    @Test(arguments: [false, true]) func aTerminatedConnectionIsResetBeforeItsNextStatement(readOnly: Bool) throws {
        let location = try location("terminated")
        let connection = try PostgresDatabase(location: location, readOnly: readOnly)
        let admin = try PostgresDatabase(location: location)
        #expect(try connection.rows("SELECT ? + 1", 1) == [[.integer(2)]])   // prepared and cached
        let pid = try #require(try connection.rows("SELECT pg_backend_pid()").first?.first?.int)
        #expect(try admin.rows("SELECT pg_terminate_backend(?)", pid) == [[.integer(1)]])
        for _ in 0..<250 {
            if try admin.rows("SELECT count(*) FROM pg_stat_activity WHERE pid = ?", pid) == [[.integer(0)]] { break }
            usleep(20_000)
        }
        // The server's goodbye normally reaches the socket before the next statement, which then
        // runs on a new session. On a loaded machine it can arrive just after that statement was
        // sent: the statement fails as a connection error (it never ran), and the next one runs
        // on a new session. Never more than one.
        do {
            #expect(try connection.rows("SELECT ? + 1", 1) == [[.integer(2)]])   // the cached statement, on a new session
        } catch {   // the connection's calls throw PostgresError alone
            #expect(error.kind == .connection, "\(error)")
        }
        #expect(try connection.rows("SELECT ? + 1", 1) == [[.integer(2)]])
        #expect(try connection.rows("SELECT ? + 1", 2) == [[.integer(3)]])
        #expect(try connection.rows("SELECT pg_backend_pid()").first?.first?.int != pid)
        if readOnly {   // the session's settings are made again
            #expect(throws: PostgresError.self) { try connection.execute("CREATE TABLE refused (a INTEGER)") }
        }
    }
}
