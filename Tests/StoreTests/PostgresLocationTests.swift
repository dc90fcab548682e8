import Testing
@testable import Store

/// A PostgreSQL URL never shows its password: not in `redacted`, not in `"\(location)"`, `dump`
/// or a debugger, not in an error about the URL or the connection — whatever characters the
/// password holds, wherever the URL puts it, however the scheme is spelled. User info that
/// libpq and a URL reader would split differently is refused without repeating the URL.
@Suite struct PostgresLocationTests {
    @Test(arguments: [
        ("postgres://vigil:s3cret@db:5432/vigil", "postgres://vigil:***@db:5432/vigil"),
        ("postgresql://vigil@db/vigil?sslmode=require&password=s3cret", "postgresql://vigil:***@db/vigil?sslmode=require"),
        ("postgres://db/vigil", "postgres://db/vigil"),
        ("postgres://u:p%40ss@h1:1,h2:2/d", "postgres://u:***@h1:1,h2:2/d"),
        ("postgres://vigil@db/vigil?%70assword=s3cret", "postgres://vigil:***@db/vigil"),
        ("postgres://vigil@db/vigil?sslpassword=s3cret&sslmode=require", "postgres://vigil@db/vigil?sslmode=require&sslpassword=***"),
        ("postgres://vigil@db/vigil?ssl%70assword=s3cret", "postgres://vigil@db/vigil?sslpassword=***"),
        ("postgresQL://vigil:s3cret@db/vigil", "postgresql://vigil:***@db/vigil"),
        ("POSTGRES://vigil:s3cret@db/vigil", "postgres://vigil:***@db/vigil"),
        ("postgres://vigil:s3cret%3F%23%2F%40@db/vigil", "postgres://vigil:***@db/vigil"),
        ("postgres://vigil:s3:cret@[::1]:5432/vigil", "postgres://vigil:***@[::1]:5432/vigil"),
    ])
    func urlsAreShownWithoutTheirSecrets(url: String, shown: String) throws {
        let location = try PostgresLocation(url: url)
        #expect(location.redacted == shown)
        #expect(!location.redacted.contains("s3cret") && !location.redacted.contains("cret"))
    }

    @Test(arguments: [
        "postgres://vigil:pa?s3cret@db/vigil",       // libpq: password "pa?s3cret"; a URL reader: a query
        "postgres://vigil:pa#s3cret@db/vigil",
        "postgres://vigil:pa@s3cret@db/vigil",       // libpq splits at the first '@', a URL reader at the last
        "postgres://vigil:pa/s3cret@db/vigil",       // libpq: host "vigil", port "pa", database "s3cret@db/vigil"
        "postgres://vigil:pa/s3cret?x@db/vigil",
        "postgres://vi/gil@db/vigil",
        "postgres://vigil:s3cret@db:port/vigil",
    ])
    func ambiguousUserInfoIsRefusedWithoutRepeatingTheURL(url: String) {
        do {
            let location = try PostgresLocation(url: url)
            Issue.record("accepted, shown as \(location)")
        } catch {
            #expect(error.kind == .connection)
            #expect(!error.description.contains("s3cret") && !error.description.contains("db/vigil"), "\(error)")
            #expect(error.description.contains("percent-encode"), "\(error)")
        }
    }

    @Test func anInvalidURLIsRefusedWithoutRepeatingIt() {
        do {
            _ = try PostgresLocation(url: "postgres://u:s3cret@h/d?nonsense=1")
            Issue.record("accepted")
        } catch {
            #expect(!error.description.contains("s3cret"))
            #expect(error.description.contains("nonsense"))
        }
    }

    @Test func everySpellingOfThePasswordIsScrubbedFromMessages() throws {
        let location = try PostgresLocation(url: "postgres://vigil:p%40ss%20w%3Ard@db/vigil?sslpassword=k%65y-s3cret")
        let message = "a p@ss w:rd b p%40ss%20w%3Ard c p%40ss%20w%3ard d key-s3cret e k%65y-s3cret f"
        let scrubbed = location.scrub(message)
        for secret in ["p@ss w:rd", "p%40ss", "w%3A", "w%3a", "key-s3cret", "k%65y"] {
            #expect(!scrubbed.contains(secret), "\(scrubbed)")
        }
        #expect(scrubbed.hasPrefix("a *** b *** c *** d *** e *** f"), "\(scrubbed)")
    }

    @Test func printingDumpingAndMirroringShowOnlyTheRedactedURL() throws {
        let location = try PostgresLocation(url: "postgres://vigil:s3cret@db/vigil?sslpassword=s3cret2")
        let store = StoreLocation.postgres(location)
        var dumped = ""
        dump(location, to: &dumped)
        dump(store, to: &dumped)
        let mirrored = Mirror(reflecting: location).children.map { "\($0.label ?? ""): \($0.value)" }.joined()
        for text in ["\(location)", String(reflecting: location), "\(store)", String(reflecting: store), dumped, mirrored,
                     "\([location])", "\(Optional(store) as Any)"] {
            #expect(!text.contains("s3cret"), "\(text)")
            #expect(text.contains("postgres://vigil:***@db/vigil"), "\(text)")
        }
    }

    @Test func aMixedCaseSchemeIsNotReadAsAKeyValueStringThatLibpqQuotes() throws {
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        let location = try PostgresLocation(url: "postgresQL://vigil:hunter2@127.0.0.1:1/vigil?connect_timeout=2")
        do {
            _ = try PostgresDatabase(location: location)
            Issue.record("connected to nothing")
        } catch {
            #expect(error.kind == .connection)
            #expect(!error.description.contains("hunter2"), "\(error)")
            #expect(error.description.contains("127.0.0.1"), "\(error)")
        }
    }
}
