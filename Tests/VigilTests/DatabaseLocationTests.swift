import Testing
@testable import vigil

/// `--db` names a SQLite file (a path or a `sqlite:` URL) or a PostgreSQL database
/// (`postgres://`, `postgresql://`); every other URL is refused with the reason and without
/// repeating it (it may carry a password).
@Suite struct DatabaseLocationTests {
    @Test(arguments: [
        ("./var/vigil.sqlite", "./var/vigil.sqlite"), ("/var/lib/vigil/vigil.sqlite", "/var/lib/vigil/vigil.sqlite"),
        ("vigil.sqlite", "vigil.sqlite"), ("sqlite:///var/lib/vigil/vigil.sqlite", "/var/lib/vigil/vigil.sqlite"),
        ("sqlite:data/vigil.sqlite", "data/vigil.sqlite"), ("file:///tmp/v.sqlite", "/tmp/v.sqlite"),
        ("SQLite:///x.db", "/x.db"), ("C:vigil.sqlite", "C:vigil.sqlite"), ("./postgres:/v.sqlite", "./postgres:/v.sqlite"),
    ])
    func pathsAndSQLiteURLs(text: String, path: String) throws {
        #expect(try DatabaseLocation.parse(text).get() == .sqlite(path: path))
    }

    @Test(arguments: [("postgres://vigil:s3cret@db.example.net/vigil", "postgres://vigil:***@db.example.net/vigil"),
                      ("postgresql://localhost/vigil", "postgresql://localhost/vigil"),
                      ("PostgreSQL://localhost/vigil?sslmode=require", "postgresql://localhost/vigil?sslmode=require")])
    func postgresURLsSelectPostgreSQL(text: String, shown: String) throws {
        let location = try DatabaseLocation.parse(text).get()
        #expect(location.engine == .postgresql)
        #expect(location.description == shown)
    }

    @Test(arguments: ["mysql://root:s3cret@h/x", "redis://h", "sqlite://", "sqlite:///v.sqlite?mode=ro", "",
                      "postgres://u:s3cret@h/d?no_such_option=1"])
    func otherURLsAreRefusedWithoutTheirSecrets(text: String) {
        guard case .failure(let failure) = DatabaseLocation.parse(text) else {
            Issue.record("\(text) accepted")
            return
        }
        #expect(!failure.description.contains("s3cret"), "\(failure.description)")
        if text.hasPrefix("mysql") {
            #expect(failure.description == #"unknown database URL scheme "mysql": give a SQLite file path (./var/vigil.sqlite), a sqlite: URL or a postgres:// URL"#)
        }
    }

    @Test func serveReportsABadDatabaseURLAsASettingProblem() throws {
        #expect(throws: (any Error).self) { try ServeCommand(arguments: ["--db", "mysql://localhost/vigil"], environment: [:]) }
        let serve = try ServeCommand(arguments: ["--db", "postgres://vigil:s3cret@localhost/vigil", "--audit-key", "/k"], environment: [:])
        #expect(serve.database.engine == .postgresql)
    }
}
