import Alerts
import Remediation
import RuleEngine
import VendorCatalog

/// Help for the remediation commands: rules, remediation, alerts.
extension OptionHelp {
    static func dir(_ summary: String = "the rules directory", default fallback: String = "Rules") -> OptionHelp {
        OptionHelp("dir", "DIR", summary, default: fallback)
    }
    static let vendorCodes = OptionHelp("vendor-codes", "DIR", "the vendor error-code catalogue", default: "VendorCodes",
                                        environment: "VIGIL_VENDOR_CODES")
}

extension CommandHelp {
    static let rules = CommandHelp(
        name: "rules", summary: "the remediation rules (Rules/); the language: docs/rules.md",
        verbs: [
            VerbHelp(name: "check", arguments: "[DIR]", summary: "validate every rule file: file:line:col: message, exit 1 on errors",
                     options: [.dir()], examples: ["vigil rules check Rules"]),
            VerbHelp(name: "test", arguments: "[DIR]", summary: "run the fixtures in DIR/tests (events in, expected decisions out); exit 1 if one fails",
                     options: [.dir(), .vendorCodes, OptionHelp("verbose", nil, "also every decision of each fixture, under its line")]),
            VerbHelp(name: "explain", arguments: "ID [DIR]", summary: "a rule in plain words", options: [.dir()],
                     examples: ["vigil rules explain stuck-internal-error"]),
            VerbHelp(name: "list", arguments: "[DIR]", summary: "the rules, one per line: id, mode, pattern, description", options: [.dir(), .json]),
            VerbHelp(name: "replay", summary: "what the rules would have decided over recorded history; nothing is sent",
                     options: [.dir(), OptionHelp("db", "PATH", "replay this database's event log", default: "./var/vigil.sqlite", environment: "VIGIL_DB"),
                               OptionHelp("events", "FILE.jsonl", "replay these events instead"), .from, .to, .vendorCodes, .json],
                     examples: ["vigil rules replay --from 2026-12-01T00:00:00Z --dir Rules.next"]),
            VerbHelp(name: "decisions", summary: "what the running rules decided, each checked against its audit entry (exit 1 on a mismatch)",
                     options: [OptionHelp("station", "ID", "only this station's"), OptionHelp("rule", "ID", "only this rule's"),
                               OptionHelp("kind", "K", "only this kind of decision", choices: Decision.Kind.allCases.map(\.rawValue)), .from, .to, .limit(50), .db, .json]),
            VerbHelp(name: "show-version", arguments: "HASH", summary: "the text of the rule version that decided, checked against its hash",
                     options: [.db, .json]),
            VerbHelp(name: "approve", arguments: "RULE TARGET", summary: "answer a ladder paused at an `approve` rung (through serve's API)",
                     options: [.by("who approves (required)"), OptionHelp("role", "ROLE", "the role approved as"),
                               OptionHelp("reject", nil, "refuse instead of approving"), .http],
                     environment: [.apiToken],
                     examples: ["vigil rules approve station-fault-hard-reset CP-17 --by alice --role supervisor"]),
        ],
        examples: ["vigil rules check && vigil rules test"])

    static let remediation = CommandHelp(
        name: "remediation", summary: "what the executor sent and how it ended, and the global kill switch",
        verbs: [
            VerbHelp(name: "stats", summary: "every outcome counted per vendor, model, firmware, code and action, with the verified rate",
                     options: [.json]),
            VerbHelp(name: "commands", summary: "each command, how it ended, where its verification stands (exit 1 on an audit mismatch)",
                     options: [OptionHelp("station", "ID", "only this station's"), OptionHelp("status", "S", "only commands that ended so", choices: CommandStatus.allCases.map(\.rawValue)),
                               .from, .to, .limit(50), .json]),
            VerbHelp(name: "pause", summary: "stop every automatic command (a running serve sees it at its next command)",
                     options: [OptionHelp("reason", "TEXT", "why (required; goes on the record)"), .by(default: "$USER"),
                               .auditKey],
                     examples: ["vigil remediation pause --reason \"firmware rollout\" --by alice"]),
            VerbHelp(name: "resume", summary: "let automatic commands go out again",
                     options: [OptionHelp("reason", "TEXT", "why"), .by(default: "$USER"),
                               .auditKey]),
        ],
        options: [.db],
        examples: ["vigil remediation stats", "vigil remediation commands --station CP-17 --json"])

    static let alerts = CommandHelp(
        name: "alerts", summary: "webhook alerts, their deliveries and silences (docs/alerts.md)",
        verbs: [
            VerbHelp(name: "list", summary: "alerts, one per rule and target, each checked against its audit entries",
                     options: [OptionHelp("status", "S", "only these", choices: AlertRow.statuses), .limit(50), .json]),
            VerbHelp(name: "deliveries", summary: "the webhook outbox",
                     options: [OptionHelp("status", "S", "only these", choices: OutboxRow.statuses), .limit(50), .json]),
            VerbHelp(name: "retry", arguments: "[ID]", summary: "put a dead delivery (or every one) back in the queue",
                     options: [OptionHelp("all-dead", nil, "every dead delivery"), .by(default: "$USER"), .auditKey]),
            VerbHelp(name: "silence", summary: "no alert for what matches, for a while (at least one matcher)",
                     options: [OptionHelp("rule", "R", "match this rule"), OptionHelp("station", "S", "match this station"),
                               OptionHelp("site", "S", "match this site"),
                               OptionHelp("severity", "V", "match this severity", choices: Severity.allCases.map(\.rawValue)),
                               OptionHelp("for", "D", "how long: 30m, 2h, 1d"), OptionHelp("until", "T", "or until this time"),
                               OptionHelp("reason", "TEXT", "why (required)"), .by(default: "$USER"), .auditKey],
                     examples: ["vigil alerts silence --site depot-north --for 2h --reason \"site visit\""]),
            VerbHelp(name: "silences", summary: "the silences in force", options: [OptionHelp("all", nil, "ended ones too"), .json]),
            VerbHelp(name: "unsilence", arguments: "ID", summary: "end a silence early", options: [.by(default: "$USER"), .auditKey]),
        ],
        options: [.db],
        examples: ["vigil alerts list --status open", "vigil alerts deliveries --status dead --json"])
}
