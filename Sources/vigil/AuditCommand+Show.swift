import Audit
import CPMS
import Foundation
import Remediation
import ServiceLog

/// `vigil audit show ID [--json]`: one entry and what it points to — its hash checks, the
/// decision it records or names (rule version, reason, the events cited as evidence), the
/// command it names with the rest of that command's life on the trail, and the station's raw
/// frames around it. Exit 1 when the entry or a record it points to disagrees with the chain.
extension AuditCommand {
    func show(_ store: StationStore) async throws -> Int32 {
        guard arguments.positional.count == 1, let id = Int(arguments.positional[0]), id > 0 else {
            throw UsageError("audit show needs an entry id (a positive number, as `audit query` shows it: #12)")
        }
        guard let context = try await AuditEntryContext.read(entryId: id, from: store) else {
            printError("vigil: no audit entry #\(id)\n")
            return 1
        }
        let sound = context.hashMatches && context.linkMatches && context.commandFindings.isEmpty && context.decisionFindings.isEmpty
            && context.evidenceAgrees
        if arguments.has("json") {
            printLine(try Self.pretty(Self.object(context)))
            return sound ? 0 : 1
        }
        let entry = context.entry
        printLine(Self.textLine(entry))
        printLine("  hash \(entry.hash) (encoding v\(entry.encoding.rawValue)), previous \(entry.previousHash)")
        printLine(context.hashMatches ? "  content matches its hash" : "  CONTENT DOES NOT MATCH ITS HASH: the entry was edited")
        printLine(!context.linkMatches ? "  NOT LINKED to the entry before it (run `vigil audit verify`)"
                  : id == 1 ? "  the first entry: it starts from the genesis hash" : "  linked to entry #\(id - 1)")
        if let details = Self.prettyDetails(entry.record.details) {
            printLine("  details:")
            for line in details.split(separator: "\n") { printStoredLine("    " + line) }
        }
        if let decision = context.decision {
            printLine("")
            printStoredLine("decision #\(decision.id)  \(decision.at)  \(decision.rule)  \(decision.kind)\(decision.action.map { " " + $0 } ?? "")  \(decision.target)  — \(decision.reason)")
            if let entryId = context.decisionEntryId { printLine("  recorded by audit entry #\(entryId)") }
            for problem in context.decisionFindings { printLine("  AUDIT MISMATCH: \(problem)") }
            if let hash = context.ruleHash { printLine("  rule version \(hash)  (vigil rules show-version \(hash.prefix(12)))") }
            if context.unreadableEvidence > 0 {
                printLine("  \(context.unreadableEvidence) EVIDENCE ITEM(S) ON THE TRAIL CANNOT BE READ AS EVENTS")
            }
            for id in context.citedEventIds {
                printLine("  evidence \(id): \(context.evidenceStatus(id))")
                if let event = context.evidence.first(where: { $0.eventId == id }) {
                    printStoredLine("    \(event.at)  \(event.kind)  \(event.json)")
                } else if let chained = context.chainedEvidence[id] {
                    printStoredLine("    \(chained.storageJSON)")
                }
            }
        }
        if let command = context.command {
            printLine("")
            printStoredLine("command " + CommandReport.line(command, now: StoreTime.format(Date()), steps: context.commandSteps))
            for step in context.commandSteps { printStoredLine("  audit #\(step.entryId)  \(step.status)  \(step.note)") }
            for finding in context.commandFindings { printLine("  AUDIT MISMATCH: \(finding.problem)") }
        }
        if !context.frames.isEmpty {
            printLine("")
            printLine("frames of \(entry.record.station ?? context.command?.station ?? "?") around it:")
            for frame in context.frames { printStoredLine("  \(frame.at)  \(frame.incoming ? "in " : "out")  \(frame.text)") }
        }
        return sound ? 0 : 1
    }

    /// Details that are a JSON object, indented; nil for plain text (shown in the entry's line).
    static func prettyDetails(_ details: String) -> String? {
        guard details.hasPrefix("{"), let object = try? JSONSerialization.jsonObject(with: Data(details.utf8)),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func object(_ context: AuditEntryContext) -> [String: Any] {
        var object: [String: Any] = ["entry": (try? JSONSerialization.jsonObject(with: Data(jsonLine(context.entry).utf8))) ?? [:],
                                     "hashMatches": context.hashMatches, "linkMatches": context.linkMatches]
        if let decision = context.decision {
            var decisionObject: [String: Any] = ["id": decision.id, "at": decision.at, "rule": decision.rule, "kind": decision.kind,
                                                 "target": decision.target, "reason": decision.reason, "citedEvents": context.citedEventIds]
            decisionObject["action"] = decision.action
            decisionObject["ruleHash"] = context.ruleHash
            decisionObject["auditEntry"] = context.decisionEntryId
            decisionObject["auditFindings"] = context.decisionFindings
            decisionObject["unreadableEvidence"] = context.unreadableEvidence
            object["decision"] = decisionObject
            object["evidence"] = context.citedEventIds.map { id -> [String: Any] in
                var item: [String: Any] = ["id": id, "status": context.evidenceStatus(id), "onTrail": context.chainedEvidence[id] != nil]
                if let event = context.evidence.first(where: { $0.eventId == id }) {
                    item["at"] = event.at
                    item["kind"] = event.kind
                    item["event"] = (try? JSONSerialization.jsonObject(with: Data(event.json.utf8))) ?? event.json
                }
                return item
            }
        }
        if let command = context.command {
            var commandObject = CommandReport.object(command, now: StoreTime.format(Date()))
            commandObject["auditEntries"] = context.commandSteps.map(\.entryId)
            commandObject["auditFindings"] = context.commandFindings.map(\.problem)
            object["command"] = commandObject
        }
        object["frames"] = context.frames.map { ["id": $0.id, "at": $0.at, "incoming": $0.incoming, "text": $0.text] as [String: Any] }
        return object
    }

    static func pretty(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]),
               as: UTF8.self)
    }
}
