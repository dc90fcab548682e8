import Testing
@testable import vigil

/// `--db` names a SQLite file: a path or a `sqlite:` URL; every other URL is refused with the
/// reason and without repeating it (it may carry a password).
@Suite struct DatabaseLocationTests {
    @Test(arguments: [
        ("./var/vigil.sqlite", "./var/vigil.sqlite"), ("/var/lib/vigil/vigil.sqlite", "/var/lib/vigil/vigil.sqlite"),
        ("vigil.sqlite", "vigil.sqlite"), ("sqlite:///var/lib/vigil/vigil.sqlite", "/var/lib/vigil/vigil.sqlite"),
        ("sqlite:data/vigil.sqlite", "data/vigil.sqlite"), ("file:///tmp/v.sqlite", "/tmp/v.sqlite"),
        ("SQLite:///x.db", "/x.db"), ("C:vigil.sqlite", "C:vigil.sqlite"), ("./postgres:/v.sqlite", "./postgres:/v.sqlite"),
    ])
    func pathsAndSQLiteURLs(text: String, path: String) throws {
        #expect(try DatabaseLocation.sqlitePath(text).get() == path)
    }

    @Test(arguments: ["postgres://vigil:s3cret@db.example.net/vigil", "postgresql://localhost/vigil", "mysql://root:s3cret@h/x",
                      "redis://h", "sqlite://", "sqlite:///v.sqlite?mode=ro", ""])
    func otherURLsAreRefusedWithoutTheirSecrets(text: String) {
        guard case .failure(let failure) = DatabaseLocation.sqlitePath(text) else {
            Issue.record("\(text) accepted")
            return
        }
        #expect(!failure.description.contains("s3cret"), "\(failure.description)")
        if text.hasPrefix("postgres") { #expect(failure.description.contains("not supported by this build")) }
        if text.hasPrefix("mysql") { #expect(failure.description == #"unknown database URL scheme "mysql": give a SQLite file path (./var/vigil.sqlite) or a sqlite: URL"#) }
    }

    @Test func serveReportsABadDatabaseURLAsASettingProblem() throws {
        #expect(throws: (any Error).self) { try ServeCommand(arguments: ["--db", "postgres://localhost/vigil"], environment: [:]) }
    }
}
