import Foundation
import Testing

/// `vigil config check FILE`: every mistake at file:line:col in one run, the effective settings
/// with their sources and secrets masked, and the warnings serve would log (the built binary,
/// as an operator runs it).
@Suite struct ConfigCheckTests {
    /// A scratch directory with `files` written in it (mode 0600 unless named in `readable`).
    final class Scratch {
        let directory: URL
        init(_ files: [String: String], readable: Set<String> = []) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-config-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for (name, text) in files {
                let path = directory.appendingPathComponent(name).path
                try text.write(toFile: path, atomically: false, encoding: .utf8)
                try FileManager.default.setAttributes([.posixPermissions: readable.contains(name) ? 0o644 : 0o600], ofItemAtPath: path)
            }
        }
        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    /// Runs `vigil ARGS` in `directory` with no VIGIL_… variable but `environment`; standard
    /// output and error together, and the exit status.
    static func vigil(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> (output: String, status: Int32) {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: VigilServe.binary)
        child.currentDirectoryURL = directory
        child.arguments = arguments
        var variables = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("VIGIL_") }
        variables.merge(environment) { _, new in new }
        child.environment = variables
        let output = Pipe()
        child.standardOutput = output
        child.standardError = output
        try child.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        return (String(decoding: data, as: UTF8.self), child.terminationStatus)
    }

    @Test func everyMistakeIsReportedAtItsLineAndColumnInOneRun() throws {
        let scratch = try Scratch(["vigil.yaml": """
            ocpp: 0.0.0.0:9000
            http: localhost
            unknownStations: maybe
            heartbeatInterval: soon
            stationz: []
            commandTimeout: 900
            stations:
              - {id: CP-1, registration: later}
              - {id: "CP 1"}
              - {id: CP-1}
            alerts:
              routes:
                - {name: oncall, url: "ftp://hooks.example.net/x", secret: short}

            """])
        let (output, status) = try Self.vigil(["config", "check", "vigil.yaml"], in: scratch.directory)
        #expect(status == 1)
        #expect(output == """
            vigil.yaml:2:7: config: "http" must be HOST:PORT, got "localhost"
            vigil.yaml:3:18: config: "unknownStations" must be accept, pending or reject, got "maybe"
            vigil.yaml:4:20: config: "heartbeatInterval" must be a number of seconds from 1 to 86400 (a day), got "soon"
            vigil.yaml:5:1: config: unknown key "stationz" (did you mean "stations"?)
            vigil.yaml:6:17: config: "commandTimeout" must be 1 to 600 seconds, got "900"
            vigil.yaml:8:30: config station: "registration" must be accepted, pending or rejected, got "later"
            vigil.yaml:9:10: config station: station "CP 1": a station id may contain only A-Z, a-z, 0-9 and * - _ = : + | @ . ; " " at byte 3 is not allowed
            vigil.yaml:10:10: config station: station "CP-1" is declared twice
            vigil.yaml:13:27: config alert route: "url" must be an http:// or https:// URL, got "ftp://hooks.example.net/x"
            vigil.yaml:13:64: config alert route: "secret" must be at least 16 characters
            vigil.yaml: 10 errors; vigil serve would not start

            """)
    }

    /// `sites:`: a zone Foundation does not know and a site listed twice are errors at their
    /// line; a station at a site the list leaves out is a warning (it counts in UTC).
    @Test func sitesNeedAKnownTimeZoneAndAStationAtAnUnlistedSiteIsAWarning() throws {
        let bad = try Scratch(["vigil.yaml": """
            sites:
              - {id: depot-north, name: Depot North, timeZone: Europe/Berlin}
              - {id: yard, timeZone: Mars/Olympus}
              - {id: depot-north}

            """])
        let (output, status) = try Self.vigil(["config", "check", "vigil.yaml"], in: bad.directory)
        #expect(status == 1)
        #expect(output == """
            vigil.yaml:3:26: config site: site "yard": "timeZone" must be an IANA time zone such as Europe/Berlin or UTC, got "Mars/Olympus"
            vigil.yaml:4:10: config site: site "depot-north" is listed twice
            vigil.yaml: 2 errors; vigil serve would not start

            """)
        let good = try Scratch(["vigil.yaml": """
            sites:
              - {id: depot-north, name: Depot North, timeZone: Europe/Berlin}
            stations:
              - {id: CP-1, site: depot-north}
              - {id: CP-2, site: depot-south}

            """])
        let (checked, fine) = try Self.vigil(["config", "check", "vigil.yaml"], in: good.directory)
        #expect(fine == 0)
        let warnings = checked.split(separator: "\n").filter { $0.hasPrefix("warning: station ") }
        #expect(warnings == ["warning: station CP-2 is at site \"depot-south\", which sites: does not list; its local hours count in UTC; do instead: a sites: entry {id: depot-south, timeZone: …}"], "\(checked)")
    }

    @Test func aBadFlagOrVariableIsNamedAsSuchBesideTheFileErrors() throws {
        let scratch = try Scratch(["vigil.yaml": "tickInterval: 5\n"])
        let (output, status) = try Self.vigil(["config", "check", "vigil.yaml", "--station-auth", "sometimes"], in: scratch.directory,
                                              environment: ["VIGIL_LOG_FORMAT": "xml"])
        #expect(status == 1)
        #expect(output == """
            vigil.yaml:1:15: config: "tickInterval" must be 10 to 60000 milliseconds, got "5"
            --station-auth must be optional or required, got "sometimes"
            VIGIL_LOG_FORMAT must be text or json, got "xml"
            vigil.yaml: 3 errors; vigil serve would not start

            """)
    }

    @Test func theSameMistakesStopServeWithTheSameMessages() throws {
        let scratch = try Scratch(["vigil.yaml": "unknownStations: maybe\nheartbeatInterval: soon\n"])
        let (output, status) = try Self.vigil(["serve", "--config", "vigil.yaml"], in: scratch.directory)
        #expect(status == 2)
        #expect(output.hasPrefix("""
            vigil: vigil.yaml:1:18: config: "unknownStations" must be accept, pending or reject, got "maybe"
            vigil.yaml:2:20: config: "heartbeatInterval" must be a number of seconds from 1 to 86400 (a day), got "soon"

            """))
    }

    @Test func effectiveSettingsShowWhereEachCameFromWithSecretsMasked() throws {
        let secret = "a-long-random-secret-123"
        let scratch = try Scratch(["vigil.yaml": """
            http: 127.0.0.1:8080
            heartbeatInterval: 120
            alerts:
              routes:
                - {name: oncall, url: "https://hooks.slack.com/services/T000/B000/XXXXSECRET", format: slack, secret: \(secret)}

            """])
        let (output, status) = try Self.vigil(["config", "check", "vigil.yaml", "--http", "0.0.0.0:8081"], in: scratch.directory,
                                              environment: ["VIGIL_UNKNOWN_STATIONS": "pending"])
        #expect(status == 0)
        #expect(output.contains("  http                     0.0.0.0:8081  (flag)\n"))
        #expect(output.contains("  heartbeat-interval       120  (vigil.yaml:2:20)\n"))
        #expect(output.contains("  unknown-stations         pending  (VIGIL_UNKNOWN_STATIONS)\n"))
        #expect(output.contains("  ocpp                     0.0.0.0:9000 (ws://)  (default)\n"))
        #expect(output.contains("oncall https://hooks.slack.com/services/… ["))
        #expect(output.contains("secret «set, 24 chars»"))
        #expect(!output.contains(secret) && !output.contains("XXXXSECRET"), "a secret reached the output:\n\(output)")
    }

    @Test func riskySettingsAreWarningsWithExitStatusZero() throws {
        let scratch = try Scratch(["vigil.yaml": """
            ocpp: 0.0.0.0:9000
            db: ./state/vigil.sqlite
            rules: ./rules
            vendorCodes: ./codes
            alerts:
              routes:
                - {name: oncall, url: "http://hooks.example.net/alert", secret: a-long-random-secret-123}

            """], readable: ["vigil.yaml"])
        try FileManager.default.createDirectory(at: scratch.directory.appendingPathComponent("rules"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: scratch.directory.appendingPathComponent("codes"), withIntermediateDirectories: true)
        let (output, status) = try Self.vigil(["config", "check", "vigil.yaml"], in: scratch.directory)
        #expect(status == 0)
        let warnings = output.split(separator: "\n").filter { $0.hasPrefix("warning: ") }.map { String($0.dropFirst(9)) }
        #expect(warnings.count == 7, "\(output)")
        #expect(warnings.contains("the config file vigil.yaml is readable by group or others (mode 644); run `chmod 600 vigil.yaml`"))
        #expect(warnings.contains { $0.hasPrefix("the alert route oncall http://hooks.example.net/alert [") && $0.hasSuffix("] sends over plain http:// to hooks.example.net: alerts cross the network in clear and can be read or replayed; do instead: an https:// URL") })
        #expect(warnings.contains("the HTTP API has no users and is open to anyone who can reach --http; add one with `vigil users add`"))
        #expect(warnings.contains { $0.hasPrefix("chargers connect over plain ws:// on 0.0.0.0:9000") })
        #expect(warnings.contains { $0.hasPrefix("stations without a password may connect (--station-auth optional)") })
        #expect(warnings.contains { $0.hasPrefix("any unknown station id is accepted and registered (--unknown-stations accept)") })
        #expect(warnings.contains { $0.hasPrefix("a second connection under a connected station's id replaces it") })
        #expect(output.hasSuffix("7 warnings (exit status 0: warnings alone do not stop vigil serve)\n"))
        #expect(output.contains("note: no database at ./state/vigil.sqlite yet"))
    }

    @Test func aHardenedSetupHasNoWarnings() throws {
        let scratch = try Scratch(["vigil.yaml": """
            ocpp: 127.0.0.1:9000
            db: ./vigil.sqlite
            rules: ./rules
            vendorCodes: ./codes
            stationAuth: required
            unknownStations: reject
            duplicateConnections: keep-old
            alerts:
              routes:
                - {name: oncall, url: "https://hooks.example.net/alert", secret: a-long-random-secret-123}

            """])
        for name in ["rules", "codes"] {
            try FileManager.default.createDirectory(at: scratch.directory.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        let added = try Self.vigil(["users", "add", "dana", "--access", "operator", "--db", "vigil.sqlite"], in: scratch.directory)
        #expect(added.status == 0, "\(added.output)")
        let (output, status) = try Self.vigil(["config", "check", "vigil.yaml"], in: scratch.directory)
        #expect(status == 0)
        #expect(output.hasPrefix("vigil.yaml: no errors\n"))
        #expect(output.hasSuffix("\nno warnings\n"), "\(output)")
    }

    @Test func usageMistakesExitTwoAndHelpExitsZero() throws {
        let scratch = try Scratch(["vigil.yaml": "http: 127.0.0.1:8080\n"])
        #expect(try Self.vigil(["config", "check"], in: scratch.directory).status == 2)
        #expect(try Self.vigil(["config", "check", "vigil.yaml", "--bogus", "1"], in: scratch.directory).status == 2)
        #expect(try Self.vigil(["config", "lint", "vigil.yaml"], in: scratch.directory).status == 2)
        let missing = try Self.vigil(["config", "check", "missing.yaml"], in: scratch.directory)
        #expect(missing.status == 1 && missing.output.contains("cannot read the config file missing.yaml: no such file"), "\(missing.output)")
        let help = try Self.vigil(["config", "check", "--help"], in: scratch.directory)
        #expect(help.status == 0 && help.output.hasPrefix("usage: vigil config check FILE"))
    }

    @Test func jsonCarriesErrorsWithTheirPositions() throws {
        let scratch = try Scratch(["vigil.yaml": "ocpp: nowhere\n"])
        let (output, status) = try Self.vigil(["config", "check", "vigil.yaml", "--json"], in: scratch.directory)
        #expect(status == 1)
        let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        let errors = object?["errors"] as? [[String: Any]]
        #expect(object?["status"] as? String == "errors")
        #expect(errors?.first?["line"] as? Int == 1 && errors?.first?["column"] as? Int == 7)
        #expect(errors?.first?["message"] as? String == "config: \"ocpp\" must be HOST:PORT, got \"nowhere\"")
    }
}
