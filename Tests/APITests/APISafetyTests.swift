import Foundation
import Testing

/// The HTTP API as a browser page, a rebinding attacker and a careless client reach it: a
/// real `vigil serve` on 127.0.0.1, requests written byte for byte (see docs/security.md).
@Suite struct APISafetyTests {
    static let reset = #"{"command":"reset","by":"dana"}"#

    /// The security review's request: a "simple" cross-site POST (no preflight) that ran a reset.
    @Test func textPlainPostIs415AndSendsNothing() async throws {
        let serve = try await VigilServe()
        defer { serve.stop() }
        let answer = await serve.exchange("POST", "/api/v1/stations/CP-1/commands",
                                          headers: [("Host", "127.0.0.1:\(serve.httpPort)"), ("Content-Type", "text/plain")], body: Self.reset)
        #expect(answer.status == 415)
        #expect(answer.json?["code"] as? String == "unsupported_media_type")
        let missing = await serve.exchange("POST", "/api/v1/approvals", body: "{}")   // no Content-Type at all
        #expect(missing.status == 415)
        let audit = try serve.cli(["audit", "query", "--db", serve.databasePath])
        #expect(audit.isEmpty, "nothing may reach the audit trail: \(audit)")
    }

    /// A method no route serves is 405 with Allow, and a path none serves 404 — whatever the
    /// Content-Type: the body check (415) is only for a request a route would take.
    @Test func aMethodNoRouteServesIs405NotAMediaTypeError() async throws {
        let serve = try await VigilServe()
        defer { serve.stop() }
        let host = [("Host", "127.0.0.1:\(serve.httpPort)")]
        let delete = await serve.exchange("DELETE", "/api/v1/stations", headers: host)
        #expect(delete.status == 405 && delete.header("Allow")?.contains("GET") == true, "\(delete.status)")
        #expect(delete.json?["code"] as? String == "method_not_allowed")
        let nowhere = await serve.exchange("POST", "/api/v1/nowhere", headers: host + [("Content-Type", "text/plain")], body: "x")
        #expect(nowhere.status == 404)
    }

    @Test func jsonWithCharsetIsAccepted() async throws {
        let serve = try await VigilServe()
        defer { serve.stop() }
        _ = try serve.cli(["stations", "add", "CP-1", "--db", serve.databasePath])
        let answer = await serve.exchange("POST", "/api/v1/stations/CP-1/commands",
                                          headers: [("Host", "127.0.0.1:\(serve.httpPort)"), ("Content-Type", "application/json; charset=utf-8")],
                                          body: Self.reset)
        #expect(answer.status == 409)   // passed every check; CP-1 is simply not connected
        #expect(answer.json?["code"] as? String == "not_connected")
    }

    /// A station neither registered nor connected is 404 before anything reaches the audit trail.
    @Test func aCommandToAStationThatDoesNotExistIs404AndNotAudited() async throws {
        let serve = try await VigilServe()
        defer { serve.stop() }
        let headers = [("Host", "127.0.0.1:\(serve.httpPort)"), ("Content-Type", "application/json")]
        let answer = await serve.exchange("POST", "/api/v1/stations/NOPE/commands", headers: headers, body: Self.reset)
        #expect(answer.status == 404)
        #expect(answer.json?["code"] as? String == "not_found" && answer.json?["error"] as? String == "no station NOPE")
        let configuration = await serve.exchange("GET", "/api/v1/stations/NOPE/configuration", headers: [("Host", "127.0.0.1:\(serve.httpPort)")])
        #expect(configuration.status == 404)
        let audit = try serve.cli(["audit", "query", "--db", serve.databasePath])
        #expect(audit.isEmpty, "nothing may reach the audit trail: \(audit)")
    }

    @Test func foreignOriginIs403() async throws {
        let serve = try await VigilServe()
        defer { serve.stop() }
        let answer = await serve.exchange("POST", "/api/v1/stations/CP-1/commands",
                                          headers: [("Host", "127.0.0.1:\(serve.httpPort)"), ("Origin", "http://evil.example"),
                                                    ("Content-Type", "application/json")], body: Self.reset)
        #expect(answer.status == 403)
        #expect(answer.json?["code"] as? String == "origin_not_allowed")
        #expect((answer.json?["error"] as? String)?.contains("--http-allowed-origins") == true)
        #expect(answer.header("Access-Control-Allow-Origin") == nil)
        // The API's own origin (a page served from it) passes.
        let same = await serve.exchange("GET", "/api/v1/stations",
                                        headers: [("Host", "localhost:\(serve.httpPort)"), ("Origin", "http://localhost:\(serve.httpPort)")])
        #expect(same.status == 200)
    }

    /// DNS rebinding: the attacker's name resolves to 127.0.0.1, so the Host header is theirs.
    @Test func foreignHostIs403EvenForHealth() async throws {
        let serve = try await VigilServe()
        defer { serve.stop() }
        for target in ["/api/v1/health", "/api/v1/stations"] {
            let answer = await serve.exchange("GET", target, headers: [("Host", "rebind.evil.example:\(serve.httpPort)")])
            #expect(answer.status == 403)
            #expect(answer.json?["code"] as? String == "host_not_allowed")
            #expect((answer.json?["error"] as? String)?.contains("--http-allowed-hosts") == true)
        }
        let noHost = await serve.exchange("GET", "/api/v1/health", headers: [])
        #expect(noHost.status == 400)   // HTTP/1.1 without Host: the parser refuses it before any route
        for host in ["127.0.0.1", "localhost", "[::1]"] {
            let answer = await serve.exchange("GET", "/api/v1/health", headers: [("Host", "\(host):\(serve.httpPort)")])
            #expect(answer.status == 200, "Host \(host)")
        }
    }

    @Test func allowedOriginAndHostPassWithCORS() async throws {
        let serve = try await VigilServe(["--http-allowed-origins", "https://ops.example.net", "--http-allowed-hosts", "vigil.example.net:8443"])
        defer { serve.stop() }
        _ = try serve.cli(["stations", "add", "CP-1", "--db", serve.databasePath])
        let headers = [("Host", "vigil.example.net:8443"), ("Origin", "https://ops.example.net"), ("Content-Type", "application/json")]
        let answer = await serve.exchange("POST", "/api/v1/stations/CP-1/commands", headers: headers, body: Self.reset)
        #expect(answer.status == 409)   // not connected: every check passed
        #expect(answer.header("Access-Control-Allow-Origin") == "https://ops.example.net")
        let preflight = await serve.exchange("OPTIONS", "/api/v1/stations/CP-1/commands",
                                             headers: [("Host", "vigil.example.net:8443"), ("Origin", "https://ops.example.net"),
                                                       ("Access-Control-Request-Method", "POST")])
        #expect(preflight.status == 204)
        #expect(preflight.header("Access-Control-Allow-Headers")?.contains("Content-Type") == true)
        let other = await serve.exchange("OPTIONS", "/api/v1/stations/CP-1/commands",
                                         headers: [("Host", "vigil.example.net:8443"), ("Origin", "https://evil.example")])
        #expect(other.status == 403)
        #expect(other.header("Access-Control-Allow-Origin") == nil)
    }

    @Test func limitsOutOfRangeAre400WithTheRange() async throws {
        let serve = try await VigilServe()
        defer { serve.stop() }
        let rows: [(target: String, message: String)] = [
            ("/api/v1/decisions?limit=-1", #"limit must be 1…1000, got "-1""#),
            ("/api/v1/decisions?limit=0", #"limit must be 1…1000, got "0""#),
            ("/api/v1/decisions?limit=ten", #"limit must be 1…1000, got "ten""#),
            ("/api/v1/decisions?limit=1001", #"limit must be 1…1000, got "1001""#),
            ("/api/v1/sessions?limit=1001", #"limit must be 1…1000, got "1001""#),
            ("/api/v1/sessions?limit=-1", #"limit must be 1…1000, got "-1""#),
            ("/api/v1/stations?limit=100001", #"limit must be 1…100000, got "100001""#),
        ]
        for row in rows {
            let answer = await serve.exchange("GET", row.target)
            #expect(answer.status == 400, "\(row.target)")
            #expect(answer.json?["error"] as? String == row.message, "\(row.target)")
            #expect(answer.json?["code"] as? String == "invalid_parameter", "\(row.target)")
        }
        for target in ["/api/v1/decisions?limit=1000", "/api/v1/sessions?limit=1", "/api/v1/sessions", "/api/v1/stations?limit=100000"] {
            #expect(await serve.exchange("GET", target).status == 200, "\(target)")
        }
        // The stations list says how many there are, so a client holding fewer knows it was cut.
        for id in ["CP-1", "CP-2", "CP-3"] { _ = try serve.cli(["stations", "add", id, "--db", serve.databasePath]) }
        let cut = await serve.exchange("GET", "/api/v1/stations?limit=2")
        let listed = (try? JSONSerialization.jsonObject(with: Data(cut.body.utf8))) as? [Any]
        #expect(listed?.count == 2 && cut.header("X-Total-Count") == "3", "\(cut.raw)")
    }

    @Test func internalErrorHasARequestIdAndNoSQL() async throws {
        let serve = try await VigilServe()
        defer { serve.stop() }
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else { return }
        // Waits for serve's write lock (busy timeout) rather than failing at once under load.
        sqlite.arguments = ["-cmd", ".timeout 10000", serve.databasePath, "DROP TABLE sessions;"]
        try sqlite.run()
        sqlite.waitUntilExit()
        let answer = await serve.exchange("GET", "/api/v1/sessions")
        #expect(answer.status == 500)
        #expect(answer.json?["code"] as? String == "internal_error")
        let id = try #require(answer.json?["requestId"] as? String)
        for leak in ["SELECT", "sessions", "sqlite", "SQLite", ".swift", serve.directory.path] {
            #expect(!answer.body.contains(leak), "leaks \(leak): \(answer.body)")
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(serve.log.contains("request=\(id)"), "the log has the detail under the id")
    }

    /// A station id that carries a newline and a fake log line.
    @Test func newlineInStationIdIsEscapedInTheLog() async throws {
        let serve = try await VigilServe()
        defer { serve.stop() }
        let forged = "CP-9%0A2020-01-01T00:00:00.000%20WARNING%20forged%20line"
        let upgrade = await serve.exchange("GET", "/ocpp/\(forged)",
                                           headers: [("Host", "127.0.0.1:\(serve.ocppPort)"), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
                                                     ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"),
                                                     ("Sec-WebSocket-Protocol", "ocpp1.6")], port: serve.ocppPort)
        // Accepted by a server that does not validate ids; refused (400) by one that does. Either way it is logged.
        #expect(upgrade.status == 101 || upgrade.status == 400, "\(upgrade.raw)")
        try await Task.sleep(for: .milliseconds(300))
        let log = serve.log
        if upgrade.status == 101 { #expect(log.contains(#"station=CP-9\n2020-01-01T00:00:00.000 WARNING forged line"#), "\(log)") }
        #expect(!log.split(separator: "\n").contains { $0.hasPrefix("2020-01-01") }, "a forged log line: \(log)")
    }

    /// Who asked (`by`, stored as the audit actor while the API has no users) with a newline and a fake entry.
    @Test func newlineInAuditFieldsIsEscapedInAuditQuery() async throws {
        let serve = try await VigilServe()
        defer { serve.stop() }
        _ = try serve.cli(["stations", "add", "CP-9", "--db", serve.databasePath])
        let body = #"{"command":"reset","by":"dana\n#99  2020-01-01T00:00:00Z  operator  mallory  CP-1  manual reset  → accepted","reason":"night\rshift\u001b[2J"}"#
        let command = await serve.exchange("POST", "/api/v1/stations/CP-9/commands",
                                           headers: [("Host", "127.0.0.1:\(serve.httpPort)"), ("Content-Type", "application/json")], body: body)
        #expect(command.status == 409, "\(command.raw)")   // not connected, after two audit entries
        let audit = try serve.cli(["audit", "query", "--db", serve.databasePath])
        let lines = audit.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 2, "one line per entry: \(audit)")
        #expect(lines.allSatisfy { $0.hasPrefix("#1 ") || $0.hasPrefix("#2 ") }, "\(audit)")
        #expect(audit.contains(#"dana\n#99  2020-01-01T00:00:00Z  operator  mallory"#), "\(audit)")
        #expect(audit.contains(#"night\rshift\u{1b}[2J"#), "\(audit)")
        #expect(!audit.contains("\r") && !audit.contains("\u{1b}"))
    }

    @Test func healthSaysTheAPIIsOpenAndTransportErrorsAreJSON() async throws {
        let serve = try await VigilServe()
        defer { serve.stop() }
        let health = await serve.exchange("GET", "/api/v1/health")
        #expect(health.json?["apiAuth"] as? String == "open — create a user with vigil users add")
        let missing = await serve.exchange("GET", "/api/v1/nothing")
        #expect(missing.status == 404)
        #expect(missing.json?["code"] as? String == "not_found")
        let wrong = await serve.exchange("DELETE", "/api/v1/health", headers: [("Host", "127.0.0.1:\(serve.httpPort)"), ("Content-Type", "application/json")])
        #expect(wrong.status == 405)
        #expect(wrong.json?["code"] as? String == "method_not_allowed")
        _ = await serve.exchange("POST", "/api/v1/approvals", headers: [("Host", "127.0.0.1:\(serve.httpPort)"), ("Content-Type", "application/json")], body: "{}")
        try await Task.sleep(for: .milliseconds(200))
        #expect(serve.log.contains("WARNING the HTTP API has no users and is open to anyone who can reach it"))
    }
}
