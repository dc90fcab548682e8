import Foundation
import ServiceLog

/// The wording of `vigil remediation commands` and `vigil remediation stats`, text and JSON,
/// kept here beside the records it reads so a test can hold it to what the records say. Text
/// is never cut: the stats table sizes its columns to their content (`TextTable`).
public enum CommandReport {
    /// One command: number, time, rule, action, target, how it ended, where verification
    /// stands (`CommandVerification`), and the detail recorded with its outcome.
    public static func line(_ command: CommandRow, now: String, steps: [CommandTrail.Step]? = nil) -> String {
        var parts = ["#\(command.id)", command.createdAt, command.rule, command.action + (command.argument.map { " " + $0 } ?? ""),
                     target(command), command.status.words, "verification: \(CommandVerification(command, now: now))"]
        if let detail = command.detail { parts.append("— " + detail) }
        var origin: [String] = []
        if let decision = command.decisionId { origin.append("decision #\(decision)") }
        if let hash = command.ruleHash { origin.append("rule version \(hash.prefix(12))") }
        if let steps {
            origin.append(steps.isEmpty ? "no audit entries" : "audit " + steps.map { "#\($0.entryId)" }.joined(separator: ","))
        }
        if !origin.isEmpty { parts.append("[" + origin.joined(separator: ", ") + "]") }
        return parts.map(\.escapingControls).joined(separator: "  ")
    }

    /// One command as a JSON object (for `JSONSerialization`): the record's fields, its status
    /// as stored, and the verification's state, wording and particulars.
    public static func object(_ command: CommandRow, now: String) -> [String: Any] {
        let verification = CommandVerification(command, now: now)
        var object: [String: Any] = ["id": command.id, "createdAt": command.createdAt, "rule": command.rule, "station": command.station,
                                     "action": command.action, "status": command.status.rawValue,
                                     "verification": verification.state, "verificationText": verification.description]
        object["decisionId"] = command.decisionId
        object["connector"] = command.connector
        object["site"] = command.site
        object["argument"] = command.argument
        object["detail"] = command.detail
        object["code"] = command.code
        object["verifyUntil"] = command.verifyUntil
        object["verifiedBy"] = command.verifiedBy
        object["ruleHash"] = command.ruleHash
        return object
    }

    /// The outcome columns the stats table always shows, even at zero, so a zero is seen to be
    /// one; the other statuses get a column when some remedy has them.
    public static let statsStatuses: [CommandStatus] = [.accepted, .rejected, .timedOut, .notConnected, .refused, .failed]

    /// `vigil remediation stats` as text: one row per remedy with every outcome counted,
    /// what verification said, and the success rate among the commands it judged.
    public static func statsTable(_ records: [RemedyRecord]) -> [String] {
        let present = Set(records.flatMap { $0.counts.keys })
        let statuses = statsStatuses + CommandStatus.allCases.filter { !statsStatuses.contains($0) && present.contains($0) }
        var table = TextTable([TextTable.Column("VENDOR"), TextTable.Column("MODEL"), TextTable.Column("FIRMWARE"),
                               TextTable.Column("CODE"), TextTable.Column("ACTION"), TextTable.Column("TOTAL", alignsRight: true)]
                              + statuses.map { TextTable.Column(header($0), alignsRight: true) }
                              + [TextTable.Column("VERIFIED", alignsRight: true), TextTable.Column("NOT VERIFIED", alignsRight: true),
                                 TextTable.Column("RATE", alignsRight: true)])
        for record in records {
            table.append([record.vendor, record.model, record.firmware, record.code, record.action, String(record.total)]
                         + statuses.map { String(record.count($0)) }
                         + [String(record.verified), String(record.notVerified), rate(record)])
        }
        return table.lines
    }

    /// One remedy as a JSON object: the grouping, `total`, `counts` by stored status (every
    /// status, zeros included), `verified`, `notVerified` and `successRate` (null when none judged).
    public static func statsObject(_ record: RemedyRecord) -> [String: Any] {
        var counts: [String: Int] = [:]
        for status in CommandStatus.allCases { counts[status.rawValue] = record.count(status) }
        var object: [String: Any] = ["action": record.action, "total": record.total, "counts": counts, "verified": record.verified,
                                     "notVerified": record.notVerified, "successRate": record.successRate.map { $0 as Any } ?? NSNull()]
        // What nobody knows (the table's "-") is left out of the JSON, as everywhere else.
        for (key, value) in [("vendor", record.vendor), ("model", record.model), ("firmware", record.firmware), ("code", record.code)]
            where value != "-" {
            object[key] = value
        }
        return object
    }

    static func header(_ status: CommandStatus) -> String {
        switch status {
        case .held: return "HELD"
        case .refused: return "REFUSED"
        default: return status.words.uppercased()
        }
    }

    static func rate(_ record: RemedyRecord) -> String {
        guard let rate = record.successRate else { return "-" }
        return "\(Int((rate * 100).rounded()))%"
    }

    static func target(_ command: CommandRow) -> String {
        command.connector.map { "\(command.station)/\($0)" } ?? command.station
    }
}
