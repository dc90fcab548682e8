import CPMS
import Foundation
import Remediation
import ServiceLog

/// `vigil remediation stats|commands|pause|resume`: what the executor did and how well it worked,
/// and the global kill switch (takes effect in a running `vigil serve` at its next command).
///   stats [--db PATH]                          success rate per vendor, model, code and action
///   commands [--station ID] [--limit N] [--db PATH]
///   pause --reason TEXT [--by NAME] [--db PATH]   stop every automatic command
///   resume [--reason TEXT] [--by NAME] [--db PATH]
struct RemediationCommand {
    let verb: String
    let arguments: Arguments

    init(arguments: [String]) throws(UsageError) {
        guard let first = arguments.first else { throw UsageError("remediation needs a verb: stats, commands, pause or resume") }
        verb = first
        self.arguments = try Arguments(arguments.dropFirst())
    }

    func run() async throws -> Int32 {
        let store = try openStore(at: arguments.databasePath, create: false)
        switch verb {
        case "stats":
            try arguments.rejectUnknown(allowed: ["db"])
            let rows = try await CommandStore(host: store).remediationStats()
            guard !rows.isEmpty else {
                printLine("no commands sent yet")
                return 0
            }
            printLine("VENDOR               MODEL            CODE                 ACTION                SENT  WORKED  FAILED  RATE")
            for row in rows {
                let judged = row.verified + row.failed
                let rate = judged == 0 ? "-" : String(format: "%.0f%%", 100 * Double(row.verified) / Double(judged))
                printStoredLine([pad(row.vendor, 20), pad(row.model, 16), pad(row.code, 20), pad(row.action, 20),
                           pad(String(row.sent), 5, right: true), pad(String(row.verified), 7, right: true),
                           pad(String(row.failed), 7, right: true), pad(rate, 5, right: true)].joined(separator: " "))
            }
            return 0
        case "commands":
            try arguments.rejectUnknown(allowed: ["db", "station", "limit"])
            for row in try await CommandStore(host: store).commands(station: arguments.value("station"), limit: try arguments.integer("limit", default: 50)) {
                let target = row.connector.map { "\(row.station)/\($0)" } ?? row.station
                let verified = row.verified.map { $0 ? "  verified" : "  not verified" } ?? ""
                printStoredLine("#\(row.id)  \(row.createdAt)  \(row.rule)  \(row.action)\(row.argument.map { " " + $0 } ?? "")  \(target)  \(row.status.rawValue)\(verified)\(row.detail.map { "  — " + $0 } ?? "")")
            }
            return 0
        case "pause", "resume":
            try arguments.rejectUnknown(allowed: ["db", "reason", "by", "audit-key"])
            guard verb == "resume" || arguments.value("reason") != nil else { throw UsageError("remediation pause needs --reason (it goes on the record)") }
            let person = arguments.value("by") ?? ProcessInfo.processInfo.environment["USER"] ?? "operator"
            let key = try AuditKey.load(path: AuditKey.path(option: arguments.value("audit-key"), databasePath: arguments.databasePath), create: false)
            let auditor = Auditor(store: store, key: key) { _, message, fields in
                printError("\(message) \(fields)\n")
            }
            try await RemediationExecutor.setKillSwitch(verb == "pause", store: store, by: person,
                                                        reason: arguments.value("reason") ?? "resumed", auditor: auditor)
            await auditor.checkpoint()   // no timer or shutdown in a one-shot command: sign the entry now
            printLine(verb == "pause" ? "automatic remediation paused: no command will be sent until `vigil remediation resume`"
                                      : "automatic remediation resumed")
            return 0
        default:
            throw UsageError("unknown remediation verb \(verb.debugDescription); use stats, commands, pause or resume")
        }
    }

    func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        guard text.count < width else { return String(text.prefix(width)) }
        let fill = String(repeating: " ", count: width - text.count)
        return right ? fill + text : text + fill
    }
}
