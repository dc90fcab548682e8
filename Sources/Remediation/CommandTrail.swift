import Audit
import CPMS
import Foundation

/// What the audit trail says about one command: each step of its life (`sending`, `queued`,
/// `dry-run`, `refused`, `held`, an answer such as `accepted` or `rejected`, `expired`,
/// `unknown`, and the verification's `verified` / `notVerified`) is an entry whose details are
/// a JSON object naming the command, the decision that made it and the hash of the rule
/// version behind that decision:
///
///     {"command":7,"decision":12,"note":"answered Accepted in 0.21 s","ruleHash":"9f2c…","status":"accepted"}
///
/// Views of the `remediation_commands` table are checked against these entries
/// (`CommandTrail.check`), so an edit of the table is reported instead of shown as truth.
public enum CommandTrail {
    /// One step as an entry carries it.
    public struct Step: Sendable, Equatable {
        public var entryId: Int
        public var command: Int
        public var decision: Int?
        public var ruleHash: String?
        /// The command's status after this step (`CommandStatus.rawValue`), or `verified` /
        /// `notVerified` for a verification.
        public var status: String
        public var note: String
        /// The entry's own fields: the station, the rule and the action label (`reset hard`,
        /// `disableConnector`, `triggerMessage Heartbeat` …).
        public var station: String? = nil
        public var rule: String? = nil
        public var action: String? = nil
        /// The connector the command was for, in entries written since the trail names it
        /// (nil: the station as a whole, or an older entry).
        public var connector: Int? = nil
        /// Whether the entry names the connector at all (older entries do not).
        public var namesConnector = false
        /// When the entry was written (the store's form).
        public var at: String = ""
    }

    /// How far a command record's creation may lie from its first entry's time: the entry is
    /// written right after the record, through the auditor's queue.
    static let creationSlackSeconds: TimeInterval = 300

    /// The details of a command's entry.
    /// `connector` is given in the entry that records the command first (0 or nil: the station),
    /// so an edit of the record's connector is caught.
    public static func details(command: Int, decision: Int?, ruleHash: String?, status: String, note: String,
                               connector: Int?? = .none) -> String {
        var object: [String: Any] = ["command": command, "status": status, "note": note]
        object["decision"] = decision
        if case .some(let connector) = connector { object["connector"] = connector ?? 0 }
        if let ruleHash, !ruleHash.isEmpty { object["ruleHash"] = ruleHash }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return "#\(command) \(status): \(note)"
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The step an entry records; nil for entries that are not about one command.
    public static func step(_ entry: AuditEntry) -> Step? {
        guard ["command", "outcome", "verification"].contains(entry.record.kind), entry.record.details.hasPrefix("{"),
              let object = try? JSONSerialization.jsonObject(with: Data(entry.record.details.utf8)) as? [String: Any],
              let command = object["command"] as? Int, let status = object["status"] as? String else { return nil }
        let connector = object["connector"] as? Int
        return Step(entryId: entry.id, command: command, decision: object["decision"] as? Int, ruleHash: object["ruleHash"] as? String,
                    status: status, note: object["note"] as? String ?? "", station: entry.record.station, rule: entry.record.rule,
                    action: entry.record.action, connector: connector == 0 ? nil : connector, namesConnector: connector != nil, at: entry.at)
    }

    /// Where a command record and its trail disagree.
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public var command: Int
        public var problem: String
        public var description: String { "command #\(command): \(problem)" }
    }

    /// Compares a command record with the steps the trail holds for it (oldest first): the
    /// record's status must be the last status step's, its verdict the last verification's,
    /// its decision, rule hash, action, station, rule and connector those the trail names, and
    /// its creation within minutes of the first entry. Records older than the trail's
    /// command entries (no step at all, written before entries named commands) are not judged.
    public static func check(_ row: CommandRow, steps: [Step]) -> [Finding] {
        guard !steps.isEmpty else { return [] }
        var findings: [Finding] = []
        let statusSteps = steps.filter { $0.status != "verified" && $0.status != "notVerified" }
        if let last = statusSteps.last {
            // "sending" is the write-ahead step: the record says pending until the answer is in.
            let expected = last.status == "sending" ? CommandStatus.pending.rawValue : last.status
            if row.status.rawValue != expected {
                findings.append(Finding(command: row.id, problem: "the record says \(row.status.rawValue); the audit trail says \(expected) (entry #\(last.entryId))"))
            }
        }
        let verdicts = steps.filter { $0.status == "verified" || $0.status == "notVerified" }
        switch (row.verified, verdicts.last) {
        case (nil, nil): break
        case (let verified?, nil):
            findings.append(Finding(command: row.id, problem: "the record says \(verified ? "verified" : "not verified"); the audit trail has no verification"))
        case (nil, let step?):
            findings.append(Finding(command: row.id, problem: "the record has no verdict; the audit trail says \(step.status) (entry #\(step.entryId))"))
        case (let verified?, let step?):
            if verified != (step.status == "verified") {
                findings.append(Finding(command: row.id, problem: "the record says \(verified ? "verified" : "not verified"); the audit trail says \(step.status) (entry #\(step.entryId))"))
            }
        }
        if let first = steps.first {
            if first.decision != row.decisionId {
                findings.append(Finding(command: row.id, problem: "the record names decision \(row.decisionId.map { "#\($0)" } ?? "none"); the audit trail names \(first.decision.map { "#\($0)" } ?? "none") (entry #\(first.entryId))"))
            }
            if let hash = first.ruleHash, let recorded = row.ruleHash, hash != recorded {
                findings.append(Finding(command: row.id, problem: "the record's rule hash \(recorded.prefix(12)) differs from the audit trail's \(hash.prefix(12)) (entry #\(first.entryId))"))
            }
            // What was commanded, where, by which rule: an edit of these ("reset hard" for a
            // ChangeAvailability Vigil sent for a ground fault) must not pass for the record.
            let label = row.argument.map { "\(row.action) \($0)" } ?? row.action
            if let action = first.action, action != label {
                findings.append(Finding(command: row.id, problem: "the record says \(label); the audit trail says \(action) (entry #\(first.entryId))"))
            }
            if let station = first.station, station != row.station {
                findings.append(Finding(command: row.id, problem: "the record names station \(row.station); the audit trail names \(station) (entry #\(first.entryId))"))
            }
            if let rule = first.rule, rule != row.rule {
                findings.append(Finding(command: row.id, problem: "the record names rule \(row.rule); the audit trail names \(rule) (entry #\(first.entryId))"))
            }
            let recordedConnector = row.connector == 0 ? nil : row.connector
            if first.namesConnector, first.connector != recordedConnector {
                findings.append(Finding(command: row.id, problem: "the record names \(recordedConnector.map { "connector \($0)" } ?? "the whole station"); the audit trail names \(first.connector.map { "connector \($0)" } ?? "the whole station") (entry #\(first.entryId))"))
            }
            if let created = StoreTime.parse(row.createdAt), let written = StoreTime.parse(first.at),
               abs(created.timeIntervalSince(written)) > creationSlackSeconds {
                findings.append(Finding(command: row.id, problem: "the record was created at \(row.createdAt); the audit trail recorded it at \(first.at) (entry #\(first.entryId))"))
            }
        }
        return findings
    }
}
