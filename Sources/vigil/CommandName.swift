import YAMLKit

/// The commands `main.swift` dispatches, spelled as typed. `verbs` is each command's own verb
/// list, the one its dispatch switches over, so `HelpRegistryTests` can hold the help registry
/// (`CommandHelp.all`) to exactly what the binary accepts.
enum CommandName: String, CaseIterable, Sendable {
    case serve, echo, bench, simulate, stations, sessions, tokens, users, rules, remediation, alerts, audit, codes, help, completion
    case metrics, billing, fraud
    case config, backup, restore
    case ocppHarness = "ocpp-harness"

    /// The verbs the command accepts; empty for a command that takes options only.
    var verbs: [String] {
        switch self {
        case .serve, .echo, .simulate, .ocppHarness, .help, .backup, .restore: []
        case .config: ConfigCommand.Verb.allCases.map(\.rawValue)
        case .bench: BenchCommand.suites
        case .stations: StationsCommand.Verb.allCases.map(\.rawValue)
        case .sessions: SessionsCommand.Verb.allCases.map(\.rawValue)
        case .metrics: MetricsCommand.Verb.allCases.map(\.rawValue)
        case .billing: BillingCommand.Verb.allCases.map(\.rawValue)
        case .fraud: FraudCommand.Verb.allCases.map(\.rawValue)
        case .tokens: TokensCommand.Verb.allCases.map(\.rawValue)
        case .users: UsersCommand.Verb.allCases.map(\.rawValue)
        case .rules: RulesCommand.Verb.allCases.map(\.rawValue)
        case .remediation: RemediationCommand.Verb.allCases.map(\.rawValue)
        case .alerts: AlertsCommand.Verb.allCases.map(\.rawValue)
        case .audit: AuditCommand.Verb.allCases.map(\.rawValue)
        case .codes: CodesCommand.Verb.allCases.map(\.rawValue)
        case .completion: CompletionScript.Shell.allCases.map(\.rawValue)
        }
    }
}

extension UsageError {
    /// "unknown stations verb "lsit"; did you mean "list"? (list, show, …)".
    static func unknownVerb(_ verb: String, of command: CommandName) -> UsageError {
        let verbs = command.verbs
        let hint = YAMLFieldReader.closest(to: verb, in: verbs).map { "; did you mean \"\($0)\"?" } ?? ""
        return UsageError("unknown \(command.rawValue) verb \(verb.debugDescription)\(hint) (\(verbs.joined(separator: ", ")))")
    }

    /// "stations needs a verb: list, show, …".
    static func missingVerb(of command: CommandName) -> UsageError {
        UsageError("\(command.rawValue) needs a verb: \(command.verbs.joined(separator: ", "))")
    }
}

/// Parses a command's verb from its first argument, or says what the verbs are.
func parseVerb<Verb: RawRepresentable<String>>(_ arguments: [String], of command: CommandName) throws(UsageError) -> Verb {
    guard let first = arguments.first else { throw UsageError.missingVerb(of: command) }
    guard let verb = Verb(rawValue: first) else { throw UsageError.unknownVerb(first, of: command) }
    return verb
}
