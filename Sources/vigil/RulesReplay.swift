import Foundation
import RuleEngine
import VendorCatalog

/// `vigil rules replay`: runs a rule set over recorded events (JSON lines, one DomainEvent
/// per line) and reports what each rule would have decided. Nothing is sent.
struct RulesReplay {
    let arguments: Arguments
    let ruleSet: RuleSet
    let catalog: VendorCatalog?

    func run() throws -> Int32 {
        guard let path = arguments.value("events") else { throw UsageError("rules replay needs --events FILE (JSON lines of events)") }
        let from = try arguments.value("from").map { text throws(UsageError) in
            guard let date = Self.parseDate(text) else { throw UsageError("--from must be an ISO 8601 time, got \(text.debugDescription)") }
            return date
        }
        let to = try arguments.value("to").map { text throws(UsageError) in
            guard let date = Self.parseDate(text) else { throw UsageError("--to must be an ISO 8601 time, got \(text.debugDescription)") }
            return date
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CommandFailure(description: "cannot open \(path)") }
        defer { try? handle.close() }
        let engine = RuleEngine(ruleSet: ruleSet, catalog: catalog)
        var state = RuleEngineState()
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var counts: [String: [String: Int]] = [:]
        var total = 0, skipped = 0, lineNumber = 0, started = false
        let clock = ContinuousClock(), began = clock.now
        var lastReport = began
        var pending = Data()
        func consume(_ decisions: [Decision]) {
            for decision in decisions {
                let label = decision.kind.rawValue + (decision.action.map { " " + $0.label } ?? "")
                counts[decision.rule, default: [:]][label, default: 0] += 1
                if arguments.has("json"), let data = try? Self.encoder.encode(decision) {
                    printLine(String(decoding: data, as: UTF8.self))
                }
            }
        }
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 0x0A) ?? (chunk.isEmpty && !pending.isEmpty ? pending.endIndex : nil) {
                let line = pending[pending.startIndex..<newline]
                pending = newline < pending.endIndex ? Data(pending[(newline + 1)...]) : Data()
                lineNumber += 1
                guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) else { continue }
                guard let event = try? decoder.decode(DomainEvent.self, from: line) else {
                    FileHandle.standardError.write(Data("\(path):\(lineNumber): not a valid event, skipped\n".utf8))
                    skipped += 1
                    continue
                }
                if let from, event.time < from { continue }
                if let to, event.time > to { continue }
                if !started { engine.start(at: event.time, state: &state); started = true }
                while let due = engine.nextDeadline(state), due < event.time { consume(engine.tick(at: due, state: &state)) }
                consume(engine.evaluate(event, state: &state, now: event.time))
                total += 1
                if clock.now - lastReport > .seconds(2) {
                    lastReport = clock.now
                    FileHandle.standardError.write(Data("replayed \(total) events…\n".utf8))
                }
            }
            if chunk.isEmpty { break }
        }
        if let to { while let due = engine.nextDeadline(state), due <= to { consume(engine.tick(at: due, state: &state)) } }
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

    static func parseDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)
    }
}
