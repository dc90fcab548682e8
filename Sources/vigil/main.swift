import Foundation
import ServiceLog
import Glibc

/// Entry point: `--version`, help (`HelpCommand`: `vigil help`, `--help`, `-h`), then one subcommand.
/// Exit status: 0 ok, 1 a failure or findings, 2 a usage error; 141 when standard output's
/// reader went away (`StandardOutput`).
signal(SIGPIPE, SIG_IGN)
let arguments = Array(CommandLine.arguments.dropFirst())
/// The command a usage error's hint points to (`vigil help rules nope`: rules).
let commandName = (arguments.first == "help" ? arguments.dropFirst().first : arguments.first) ?? "help"
let status: Int32
do {
    if arguments.first == "--version" || arguments.first == "-V" {
        print(VigilVersion.text, terminator: "")
        status = 0
    } else if let help = try HelpCommand(arguments: arguments) {
        status = help.run()
    } else {
        guard let command = CommandName(rawValue: commandName) else { throw UsageError.unknownCommand(commandName) }
        let rest = Array(arguments.dropFirst())
        switch command {
        case .serve: status = try await ServeCommand(arguments: rest).run()
        case .echo: status = try await EchoCommand(arguments: rest).run()
        case .bench: status = try await BenchCommand(arguments: rest).run()
        case .ocppHarness: status = try await OCPPHarnessCommand(arguments: rest).run()
        case .codes: status = try await CodesCommand(arguments: rest).run()
        case .rules: status = try await RulesCommand(arguments: rest).run()
        case .audit: status = try await AuditCommand(arguments: rest).run()
        case .alerts: status = try await AlertsCommand(arguments: rest).run()
        case .simulate: status = try await SimulateCommand(arguments: rest).run()
        case .remediation: status = try await RemediationCommand(arguments: rest).run()
        case .stations: status = try await StationsCommand(arguments: rest).run()
        case .tokens: status = try await TokensCommand(arguments: rest).run()
        case .users: status = try await UsersCommand(arguments: rest).run()
        case .sessions: status = try await SessionsCommand(arguments: rest).run()
        case .metrics: status = try await MetricsCommand(arguments: rest).run()
        case .billing: status = try await BillingCommand(arguments: rest).run()
        case .fraud: status = try await FraudCommand(arguments: rest).run()
        case .completion: status = try CompletionCommand(arguments: rest).run()
        case .config: status = try await ConfigCommand(arguments: rest).run()
        case .backup: status = try await BackupCommand(arguments: rest).run()
        case .restore: status = try await RestoreCommand(arguments: rest).run()
        case .help: status = HelpCommand(command: nil, verb: nil).run()   // answered above
        }
    }
} catch let error as UsageError {
    let known = CommandName(rawValue: commandName) != nil && commandName != "help"
    printError("vigil: \(error.description)\n" + (known ? "run `vigil help \(commandName)` for its verbs and options\n"
                                                        : "run `vigil help` for the commands\n"))
    status = 2
} catch let error as APIClientRequest.Unreachable {
    // The CLI's API commands (stations command, stations configuration …) ask the running serve.
    let host = error.url.host ?? "?"
    let address = "\(host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host):\(error.url.port.map(String.init) ?? "80")"
    printError("vigil: cannot reach the running vigil serve at \(address) (\(error.reason)); is it running, and is --http "
               + "(or VIGIL_HTTP) its HTTP address?\n")
    status = 1
} catch {
    printError("vigil: \(error)\n")
    status = 1
}
exit(status)
