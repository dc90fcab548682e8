import CPMS
import Foundation
import Remediation
import ServiceLog

/// `vigil remediation stats|commands|pause|resume`: what the executor did and how well it worked,
/// and the global kill switch (takes effect in a running `vigil serve` at its next command).
///   stats [--json] [--db PATH]   every command counted by outcome, per vendor, model, firmware, code and
///         action, with what verification said of them and the success rate among those it judged
///   commands [--station ID] [--status S] [--from T] [--to T] [--limit N] [--json] [--db PATH]
///         each command, how it ended, and where its verification stands
///   pause --reason TEXT [--by NAME] [--db PATH]   stop every automatic command
///   resume [--reason TEXT] [--by NAME] [--db PATH]
struct RemediationCommand {
    /// The verbs, as typed; `run` switches over every one (`CommandName.verbs`).
    enum Verb: String, CaseIterable, Sendable {
        case stats, commands, pause, resume
    }

    let verb: Verb
    let arguments: Arguments

    init(arguments: [String]) throws(UsageError) {
        verb = try parseVerb(arguments, of: .remediation)
        self.arguments = Arguments(arguments.dropFirst(), flagNames: ["json"])
    }

    func run() async throws -> Int32 {
        let store = try openStore(at: arguments.database, create: false)
        switch verb {
        case .stats:
            try arguments.rejectUnknown(allowed: ["db", "json"])
            let records = try await CommandStore(host: store).remediationStats()
            if arguments.has("json") {
                printLine(try Self.json(records.map(CommandReport.statsObject)))
                return 0
            }
            guard !records.isEmpty else {
                printLine("no commands recorded yet")
                return 0
            }
            for line in CommandReport.statsTable(records) { printLine(line) }
            return 0
        case .commands:
            try arguments.rejectUnknown(allowed: ["db", "station", "status", "from", "to", "limit", "json"])
            let rows = try await CommandStore(host: store).commands(
                station: arguments.value("station"),
                status: arguments.choice("status", among: CommandStatus.allCases.map(\.rawValue)).flatMap(CommandStatus.init(rawValue:)),
                from: arguments.time("from", bound: .lower), to: arguments.time("to", bound: .upper),
                limit: try arguments.integer("limit", default: 50))
            // A station nobody knows is an error (exit 1), not "no commands" (a removed station's stay listed).
            if rows.isEmpty, let station = arguments.value("station"), try await store.station(station) == nil {
                printError("vigil: no station \(station.debugDescription) in \(try arguments.database)\n")
                return 1
            }
            let now = StoreTime.format(Date())
            // Every record shown is checked against the audit trail's entries for it: an edit
            // of the table is reported (and the exit status is 1), not displayed as truth.
            let trail = try await CommandTrail.read(for: rows, from: store)
            let findings = rows.flatMap { trail.findings[$0.id] ?? [] }
            if arguments.has("json") {
                printLine(try Self.json(rows.map { row -> [String: Any] in
                    var object = CommandReport.object(row, now: now)
                    object["auditEntries"] = (trail.steps[row.id] ?? []).map(\.entryId)
                    object["auditFindings"] = (trail.findings[row.id] ?? []).map(\.problem)
                    return object
                }))
                return findings.isEmpty ? 0 : 1
            }
            if rows.isEmpty { printLine("no commands recorded") }
            for row in rows {
                printLine(CommandReport.line(row, now: now, steps: trail.steps[row.id] ?? []))
                for finding in trail.findings[row.id] ?? [] { printLine("  AUDIT MISMATCH: \(finding.problem)") }
            }
            if !findings.isEmpty {
                printError("\(findings.count) disagreement(s) between the command records and the audit trail: the records were changed outside Vigil, or the trail was (vigil audit verify checks the trail)\n")
                return 1
            }
            return 0
        case .pause, .resume:
            try arguments.rejectUnknown(allowed: ["db", "reason", "by", "audit-key"])
            guard verb == .resume || arguments.value("reason") != nil else { throw UsageError("remediation pause needs --reason (it goes on the record)") }
            let person = arguments.person
            let key = try AuditKey.load(path: AuditKey.path(option: arguments.value("audit-key"), database: arguments.database), create: false)
            let auditor = Auditor(store: store, key: key) { _, message, fields in
                printError("\(message) \(fields)\n")
            }
            try await RemediationExecutor.setKillSwitch(verb == .pause, store: store, by: person,
                                                        reason: arguments.value("reason") ?? "resumed", auditor: auditor)
            await auditor.checkpoint()   // no timer or shutdown in a one-shot command: sign the entry now
            printLine(verb == .pause ? "automatic remediation paused: no command will be sent until `vigil remediation resume`"
                                      : "automatic remediation resumed")
            return 0
        }
    }

    static func json(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self)
    }
}
