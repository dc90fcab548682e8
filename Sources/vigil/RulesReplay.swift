import Alerts
import Foundation
import Remediation
import RuleEngine
import ServiceLog
import VendorCatalog

/// `vigil rules replay`: runs a rule set over recorded events — the history `vigil serve`
/// stored (`--db`), or a JSON-lines file of DomainEvents (`--events`) — and reports what each
/// rule would have decided. Nothing is sent; progress goes to stderr on long runs.
struct RulesReplay {
    let arguments: Arguments
    let ruleSet: RuleSet
    let catalog: VendorCatalog?

    func run() async throws -> Int32 {
        let from = try arguments.instant("from")?.date
        let to = try arguments.instant("to")?.date
        // From the database, the alert silences recorded there hold rules back as they did in serve.
        var environment = RuleEnvironment()
        if arguments.value("events") == nil {
            let store = try openStore(at: arguments.database, create: false)
            let rows = try await AlertStore(host: store).silences(at: RuleRunner.timestamp(Date()), includeEnded: true)
            environment.silences = RuleSilences.engineSilences(rows, now: Date(), keepEnded: .infinity)
        }
        var replay = RuleReplay(engine: RuleEngine(ruleSet: ruleSet, catalog: catalog, environment: environment))
        let decoder = DomainEvent.storageDecoder()
        var counts: [String: [String: Int]] = [:]
        var total = 0, skipped = 0, lineNumber = 0
        let clock = ContinuousClock(), began = clock.now
        var lastReport = began
        func consume(_ decisions: [Decision]) {
            for decision in decisions {
                let label = decision.kind.rawValue + (decision.action.map { " " + $0.label } ?? "")
                counts[decision.rule, default: [:]][label, default: 0] += 1
                if arguments.has("json"), let data = try? Self.encoder.encode(decision) {
                    printLine(String(decoding: data, as: UTF8.self))
                }
            }
        }
        func feed(_ event: DomainEvent) {
            if let from, event.time < from { return }
            if let to, event.time > to { return }
            consume(replay.feed(event))
            total += 1
            if clock.now - lastReport > .seconds(2) {
                lastReport = clock.now
                printError("replayed \(total) events…\n")
            }
        }
        if let path = arguments.value("events") {
            guard let handle = FileHandle(forReadingAtPath: path) else { throw CommandFailure(description: "cannot open \(path)") }
            defer { try? handle.close() }
            var pending = Data()
            while true {
                let chunk = handle.readData(ofLength: 1 << 20)
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) ?? (chunk.isEmpty && !pending.isEmpty ? pending.endIndex : nil) {
                    let line = pending[pending.startIndex..<newline]
                    pending = newline < pending.endIndex ? Data(pending[(newline + 1)...]) : Data()
                    lineNumber += 1
                    guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) else { continue }
                    guard let event = try? decoder.decode(DomainEvent.self, from: line) else {
                        printError("\(path):\(lineNumber): not a valid event, skipped\n")
                        skipped += 1
                        continue
                    }
                    feed(event)
                }
                if chunk.isEmpty { break }
            }
        } else {
            let store = try openStore(at: arguments.database, create: false)
            let bounds = (from.map(RuleRunner.timestamp), to.map(RuleRunner.timestamp))
            var after = 0
            while true {
                let page = try await store.events(afterRow: after, limit: 5_000, from: bounds.0, to: bounds.1)
                guard let last = page.last else { break }
                after = last.row
                for row in page {
                    guard let event = try? decoder.decode(DomainEvent.self, from: Data(row.json.utf8)) else { skipped += 1; continue }
                    feed(event)
                }
            }
        }
        if let to { consume(replay.finish(through: to)) }
        let elapsed = clock.now - began
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        guard !arguments.has("json") else { return 0 }
        printLine("replayed \(total) events (\(skipped) skipped) in \(String(format: "%.2f", seconds)) s")
        for rule in ruleSet.rules {
            let ruleCounts = counts[rule.id] ?? [:]
            let summary = ruleCounts.isEmpty ? "nothing" : ruleCounts.keys.sorted().map { "\(ruleCounts[$0] ?? 0)× \($0)" }.joined(separator: ", ")
            printLine("\(rule.id): \(summary)")
        }
        return 0
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

}
