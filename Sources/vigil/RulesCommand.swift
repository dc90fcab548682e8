import Foundation
import ServiceLog
import Remediation
import RuleEngine
import VendorCatalog
import YAMLKit

/// `vigil rules check|test|explain|list|replay`: tools for rule authors.
///   check [DIR]                 validate every rule file; exit 1 on any error
///   test [DIR]                  run the fixtures in DIR/tests; exit 1 if one fails
///   explain ID [DIR | --dir DIR]  a rule in plain words
///   list [--dir DIR] [--json]   the rules, one per line (ids never cut)
///   replay [--db PATH | --events FILE] [--from T] [--to T] [--dir DIR]   what the rules would have decided
///   decisions [--station ID] [--rule ID] [--kind K] [--from T] [--to T] [--limit N] [--db PATH] [--json]   what they did decide
///   approve RULE TARGET --by NAME [--role ROLE] [--reject] [--http HOST:PORT]   answer an approval rung
struct RulesCommand {
    /// The verbs, as typed; `run` switches over every one (`CommandName.verbs`).
    enum Verb: String, CaseIterable, Sendable {
        case check, test, explain, list, replay, decisions, approve
        case showVersion = "show-version"
    }

    let verb: Verb
    let arguments: Arguments

    init(arguments: [String]) throws(UsageError) {
        verb = try parseVerb(arguments, of: .rules)
        self.arguments = Arguments(arguments.dropFirst(), flagNames: ["verbose", "json", "reject"])
    }

    var directory: String { arguments.value("dir") ?? arguments.positional.first ?? "Rules" }

    func run() async throws -> Int32 {
        switch verb {
        case .check:
            try arguments.rejectUnknown(allowed: ["dir"])
            return check()
        case .test:
            try arguments.rejectUnknown(allowed: ["dir", "vendor-codes", "verbose"])
            return try test()
        case .explain:
            try arguments.rejectUnknown(allowed: ["dir"])
            guard let id = arguments.positional.first else { throw UsageError("rules explain needs a rule id") }
            // The directory as --dir or after the id (`vigil rules explain ID Rules/`).
            let directory = arguments.value("dir") ?? arguments.positional.dropFirst().first ?? "Rules"
            let ruleSet = try load(directory)
            guard let rule = ruleSet.rule(id) else {
                var message = "no rule \(id.debugDescription) in \(directory)"
                if let near = YAMLFieldReader.closest(to: id, in: ruleSet.rules.map(\.id)) { message += " (did you mean \"\(near)\"?)" }
                throw CommandFailure(description: message)
            }
            printLine(rule.explanation)
            return 0
        case .list:
            try arguments.rejectUnknown(allowed: ["dir", "json"])
            let rules = try load(directory).rules
            let rows = rules.map { rule in
                (id: rule.id, mode: rule.enabled ? rule.mode.rawValue : "disabled",
                 pattern: String(String(describing: rule.pattern).prefix(while: { $0 != "(" })), description: rule.description)
            }
            if arguments.has("json") {
                let objects = rows.map { ["id": $0.id, "mode": $0.mode, "pattern": $0.pattern, "description": $0.description] }
                let data = try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys, .prettyPrinted])
                printLine(String(decoding: data, as: UTF8.self))
                return 0
            }
            // Columns as wide as their longest entry: an id is never cut.
            let idWidth = rows.map(\.id.count).max() ?? 0, modeWidth = rows.map(\.mode.count).max() ?? 0
            let patternWidth = rows.map(\.pattern.count).max() ?? 0
            for row in rows {
                printStoredLine([row.id.padding(toLength: idWidth, withPad: " ", startingAt: 0),
                                 row.mode.padding(toLength: modeWidth, withPad: " ", startingAt: 0),
                                 row.pattern.padding(toLength: patternWidth, withPad: " ", startingAt: 0), row.description]
                    .joined(separator: "  "))
            }
            return 0
        case .replay:
            try arguments.rejectUnknown(allowed: ["dir", "events", "db", "from", "to", "vendor-codes", "json"])
            return try await RulesReplay(arguments: arguments, ruleSet: load(arguments.value("dir") ?? "Rules"), catalog: catalog()).run()
        case .approve:
            try arguments.rejectUnknown(allowed: ["by", "role", "reject", "http"])
            return try await approve()
        case .showVersion:
            try arguments.rejectUnknown(allowed: ["db", "json"])
            return try await showVersion()
        case .decisions:
            try arguments.rejectUnknown(allowed: ["db", "station", "rule", "kind", "from", "to", "limit", "json"])
            let kind = try arguments.choice("kind", among: Decision.Kind.allCases.map(\.rawValue)).flatMap(Decision.Kind.init(rawValue:))
            let (from, to) = (try arguments.time("from", bound: .lower), try arguments.time("to", bound: .upper))
            let store = try openStore(at: arguments.database, create: false)
            let rows = try await DecisionStore(host: store)
                .decisions(station: arguments.value("station"), rule: arguments.value("rule"), kind: kind, from: from, to: to,
                           limit: try arguments.integer("limit", default: 50))
            // A station nobody knows is an error (exit 1), not "no decisions" (a misspelt id
            // looked like a quiet station); a removed station's decisions stay listed.
            if rows.isEmpty, let station = arguments.value("station"), try await store.station(station) == nil {
                printError("vigil: no station \(station.debugDescription) in \(try arguments.database)\n")
                return 1
            }
            // Every decision shown is checked against its audit entry (an edited row is reported,
            // and the exit status is 1).
            let trail = try await DecisionTrail.read(for: rows, from: store)
            for row in rows {
                let problems = trail.findings[row.id] ?? []
                if arguments.has("json") {
                    var head = "{\"id\":\(row.id),\"auditEntry\":\(trail.entries[row.id].map(String.init) ?? "null"),"
                    if !problems.isEmpty, let data = try? JSONSerialization.data(withJSONObject: problems) {
                        head += "\"auditFindings\":" + String(decoding: data, as: UTF8.self) + ","
                    }
                    printLine(row.json.hasPrefix("{") && row.json != "{}" ? head + row.json.dropFirst() : head.dropLast() + "}")
                    continue
                }
                let entry = trail.entries[row.id].map { "  [audit #\($0)]" } ?? ""
                printLine("#\(row.id)  \(row.at)  \(row.rule)  \(row.kind)\(row.action.map { " " + $0 } ?? "")  \(row.target)\(row.mode == "dry-run" ? " (dry-run)" : "")  — \(row.reason)\(entry)")
                for problem in problems { printLine("  AUDIT MISMATCH: \(problem)") }
            }
            if rows.isEmpty && !arguments.has("json") { printLine("no decisions recorded") }
            if trail.hasFindings {
                printError("decisions that disagree with the audit trail were found: the decisions table was changed outside Vigil, or the trail was (vigil audit verify checks the trail)\n")
                return 1
            }
            return 0
        }
    }

    /// `rules show-version HASH [--json]`: the text of the rule version that decided with this
    /// hash (a prefix of at least 8 hex digits will do), checked against the hash. Exit 1 when
    /// the stored text no longer hashes to it (edited), or no version has the hash.
    func showVersion() async throws -> Int32 {
        guard arguments.positional.count == 1, let prefix = arguments.positional.first?.lowercased(),
              prefix.count >= 8, prefix.count <= 64, prefix.allSatisfy({ $0.isHexDigit }) else {
            throw UsageError("rules show-version needs a rule hash (at least 8 hex digits, as decisions and the audit trail show it)")
        }
        let versions = try await DecisionStore(host: openStore(at: arguments.database, create: false)).ruleVersions(hashPrefix: prefix)
        guard !versions.isEmpty else {
            printError("no stored rule version has a hash starting \(prefix) (a version's text is kept from the first time it decides)\n")
            return 1
        }
        guard versions.count == 1, let version = versions.first else {
            throw UsageError("\(prefix) matches \(versions.count) rule versions (\(versions.map { String($0.hash.prefix(16)) }.joined(separator: ", "))); give more digits")
        }
        if arguments.has("json") {
            let object: [String: Any] = ["hash": version.hash, "rule": version.rule, "firstDecidedAt": version.firstDecidedAt,
                                         "intact": version.isIntact, "yaml": version.yaml, "canonical": version.canonical]
            printLine(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
        } else {
            printLine("rule \(version.rule), version \(version.hash)")
            printLine("first decided at \(version.firstDecidedAt)")
            printLine(version.isIntact ? "text checked: the text below renders to the canonical form that hashes to this version's hash"
                                       : "TEXT DOES NOT MATCH ITS HASH: the stored text was changed after it was recorded")
            printLine("")
            for line in version.yaml.split(separator: "\n", omittingEmptySubsequences: false).dropLast(version.yaml.hasSuffix("\n") ? 1 : 0) {
                printStoredLine(String(line))
            }
        }
        return version.isIntact ? 0 : 1
    }

    /// `rules approve RULE TARGET --by NAME [--role ROLE] [--reject] [--http HOST:PORT]`: answers a
    /// ladder paused at an approval rung, through the running `vigil serve`'s HTTP API.
    func approve() async throws -> Int32 {
        guard arguments.positional.count == 2 else { throw UsageError("rules approve needs a rule id and a target (CP-1/2)") }
        let person = arguments.value("by") ?? ""
        if person.isEmpty && APIClientRequest.token == nil {
            throw UsageError("rules approve needs --by NAME (recorded with the decision), or VIGIL_API_TOKEN when the API has users")
        }
        let address = arguments.value("http") ?? ProcessInfo.processInfo.environment["VIGIL_HTTP"] ?? "127.0.0.1:8080"
        guard let url = URL(string: "http://\(address)/api/v1/approvals") else { throw UsageError("--http must be HOST:PORT") }
        var body: [String: Any] = ["rule": arguments.positional[0], "target": arguments.positional[1],
                                   "approved": !arguments.has("reject"), "by": person]
        if let role = arguments.value("role") { body["role"] = role }
        // Longer than serve's own 10 s wait for the remediation node, so its answer is the one shown.
        let (data, status) = try await APIClientRequest.send(url, method: "POST", body: body, timeout: 25)
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        let message = object?["status"] as? String ?? object?["error"] as? String ?? String(decoding: data, as: UTF8.self)
        printLine(message)
        return status == 202 ? 0 : 1
    }

    func check() -> Int32 {
        do {
            let ruleSet = try RuleSet.load(directory: directory)
            printLine("\(directory): \(ruleSet.files.count) files, \(ruleSet.rules.count) rules, no errors")
            return 0
        } catch {
            for problem in error.errors { printLine(problem.description) }
            printLine("\(error.errors.count) error\(error.errors.count == 1 ? "" : "s")")
            return 1
        }
    }

    func load(_ directory: String) throws -> RuleSet {
        do { return try RuleSet.load(directory: directory) } catch {
            throw CommandFailure(description: "\(directory) has errors; run `vigil rules check \(directory)`:\n\(error)")
        }
    }

    /// The vendor catalogue for remedies and guidance; without one, rules still run (and say so).
    func catalog() -> VendorCatalog? {
        let path = arguments.value("vendor-codes") ?? ProcessInfo.processInfo.environment["VIGIL_VENDOR_CODES"] ?? "VendorCodes"
        do { return try VendorCatalog.load(directory: path) } catch {
            printError("warning: no vendor catalogue from \(path) (\(error.errors.first?.description ?? "unreadable")); remedy: catalogue falls back to its alert and {{guidance}} is generic\n")
            return nil
        }
    }

    func test() throws -> Int32 {
        let ruleSet = try load(directory)
        let engine = RuleEngine(ruleSet: ruleSet, catalog: catalog())
        let testsDirectory = (directory as NSString).appendingPathComponent("tests")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: testsDirectory)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        guard !names.isEmpty else { throw CommandFailure(description: "no fixtures in \(testsDirectory)") }
        var failed = 0
        for name in names {
            let path = (testsDirectory as NSString).appendingPathComponent(name)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                printLine("FAIL \(name): cannot read the file")
                failed += 1
                continue
            }
            switch RuleFixture.parse(text, file: path) {
            case .failure(let error):
                printLine("FAIL \(name): the fixture has errors")
                for problem in error.errors { printLine("    \(problem)") }
                failed += 1
            case .success(let fixture):
                let unknown = fixture.rules.filter { ruleSet.rule($0) == nil }
                if !unknown.isEmpty {
                    printLine("FAIL \(name): names rules that do not exist: \(unknown.joined(separator: ", "))")
                    failed += 1
                    continue
                }
                let outcome = fixture.run(engine)
                if outcome.passed {
                    printLine("ok   \(name) (\(fixture.events.count) events, \(outcome.decisions.count) decisions)")
                } else {
                    failed += 1
                    printLine("FAIL \(name)\(fixture.description.isEmpty ? "" : ": \(fixture.description)")")
                    for line in outcome.differences { printLine("    \(line)") }
                }
                if arguments.has("verbose") {
                    for decision in outcome.decisions { printLine("      \(decision.summary): \(decision.reason)") }
                }
            }
        }
        printLine("\(names.count - failed) passed, \(failed) failed")
        return failed == 0 ? 0 : 1
    }
}
