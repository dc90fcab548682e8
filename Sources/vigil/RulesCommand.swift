import Foundation
import RuleEngine
import VendorCatalog

/// `vigil rules check|test|explain|list|replay`: tools for rule authors.
///   check [DIR]                 validate every rule file; exit 1 on any error
///   test [DIR]                  run the fixtures in DIR/tests; exit 1 if one fails
///   explain ID [--dir DIR]      a rule in plain words
///   list [--dir DIR]            the rules, one per line
///   replay [--db PATH | --events FILE] [--from T] [--to T] [--dir DIR]   what the rules would have decided
///   decisions [--station ID] [--rule ID] [--limit N] [--db PATH] [--json]   what they did decide
struct RulesCommand {
    let verb: String
    let arguments: Arguments

    init(arguments: [String]) throws(UsageError) {
        guard let first = arguments.first else { throw UsageError("rules needs a verb: check, test, explain, list, replay or decisions") }
        verb = first
        self.arguments = try Arguments(arguments.dropFirst(), flagNames: ["verbose", "json"])
    }

    var directory: String { arguments.value("dir") ?? arguments.positional.first ?? "Rules" }

    func run() async throws -> Int32 {
        switch verb {
        case "check":
            try arguments.rejectUnknown(allowed: ["dir"])
            return check()
        case "test":
            try arguments.rejectUnknown(allowed: ["dir", "vendor-codes", "verbose"])
            return try test()
        case "explain":
            try arguments.rejectUnknown(allowed: ["dir"])
            guard let id = arguments.positional.first else { throw UsageError("rules explain needs a rule id") }
            let ruleSet = try load(arguments.value("dir") ?? "Rules")
            guard let rule = ruleSet.rule(id) else {
                throw CommandFailure(description: "no rule \(id.debugDescription) in \(arguments.value("dir") ?? "Rules")")
            }
            printLine(rule.explanation)
            return 0
        case "list":
            try arguments.rejectUnknown(allowed: ["dir"])
            for rule in try load(directory).rules {
                let pattern = String(describing: rule.pattern).prefix(while: { $0 != "(" })
                printLine("\(rule.id.padding(toLength: 40, withPad: " ", startingAt: 0)) \(rule.enabled ? rule.mode.rawValue : "disabled")  \(pattern)  \(rule.description)")
            }
            return 0
        case "replay":
            try arguments.rejectUnknown(allowed: ["dir", "events", "db", "from", "to", "vendor-codes", "json"])
            return try await RulesReplay(arguments: arguments, ruleSet: load(arguments.value("dir") ?? "Rules"), catalog: catalog()).run()
        case "decisions":
            try arguments.rejectUnknown(allowed: ["db", "station", "rule", "limit", "json"])
            let rows = try await openStore(at: arguments.databasePath, create: false)
                .decisions(station: arguments.value("station"), rule: arguments.value("rule"), limit: try arguments.integer("limit", default: 50))
            for row in rows {
                if arguments.has("json") { printLine(row.json); continue }
                printLine("\(row.at)  \(row.rule)  \(row.kind)\(row.action.map { " " + $0 } ?? "")  \(row.target)\(row.mode == "dry-run" ? " (dry-run)" : "")  — \(row.reason)")
            }
            if rows.isEmpty && !arguments.has("json") { printLine("no decisions recorded") }
            return 0
        default:
            throw UsageError("unknown rules verb \(verb.debugDescription); use check, test, explain, list, replay or decisions")
        }
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
            FileHandle.standardError.write(Data("warning: no vendor catalogue from \(path) (\(error.errors.first?.description ?? "unreadable")); remedy: catalogue falls back to its alert and {{guidance}} is generic\n".utf8))
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
