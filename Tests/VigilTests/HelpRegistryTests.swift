import Foundation
import Testing
@testable import vigil

/// The help registry is the one description of the command line: it must name exactly the
/// commands `main.swift` dispatches (`CommandName`) and the verbs each command's own dispatch
/// accepts (`CommandName.verbs`, its `Verb` cases), and every entry must render.
@Suite struct HelpRegistryTests {
    @Test func everyDispatchedCommandHasHelpAndNothingElseDoes() {
        #expect(Set(CommandHelp.all.map(\.name)) == Set(CommandName.allCases.map(\.rawValue)))
        #expect(CommandHelp.all.count == CommandName.allCases.count, "a command listed twice")
    }

    @Test(arguments: CommandName.allCases)
    func everyVerbTheCommandAcceptsHasHelpAndNoOther(_ command: CommandName) throws {
        let help = try #require(CommandHelp.named(command.rawValue))
        #expect(help.verbs.map(\.name).sorted() == command.verbs.sorted(), "\(command.rawValue): help and dispatch disagree")
    }

    /// Serve's options are derived for help the way serve reads them (`VIGIL_…`, camelCase keys).
    @Test func serveHelpNamesEveryServeOptionWithItsVariableAndKey() throws {
        let options = CommandHelp.serve.options
        #expect(Set(options.map(\.name)) == ServeCommand.options)
        let tlsCert = try #require(options.first { $0.name == "tls-cert" })
        #expect(tlsCert.environment == "VIGIL_TLS_CERT")
        #expect(tlsCert.configKey == "tlsCert")
        let hosts = try #require(options.first { $0.name == "http-allowed-hosts" })
        #expect(hosts.configKey == "httpAllowedHosts")
        for option in options where option.name != "config" {
            #expect(option.configKey != nil, "--\(option.name) has no config key")
        }
    }

    @Test func optionsAreUniqueAndDescribed() {
        for command in CommandHelp.all {
            for verb in [nil] + command.verbs.map(Optional.some) {
                let options = command.options(of: verb)
                #expect(Set(options.map(\.name)).count == options.count, "\(command.name) \(verb?.name ?? ""): an option twice")
                for option in options {
                    #expect(!option.summary.isEmpty && !option.name.hasPrefix("-"), "\(command.name) --\(option.name)")
                }
            }
            #expect(!command.summary.isEmpty)
            #expect(!command.examples.isEmpty || !command.verbs.allSatisfy { $0.examples.isEmpty }, "\(command.name) has no example")
        }
    }

    /// Every command's and verb's help text names each option it takes, with the default and
    /// variable when there is one.
    @Test func everyHelpTextNamesItsOptions() {
        for command in CommandHelp.all {
            let text = HelpText.command(command)
            #expect(text.contains("vigil \(command.name)"))
            for verb in command.verbs { #expect(text.contains(verb.name)) }
            for verb in command.verbs {
                let verbText = HelpText.verb(verb, of: command)
                #expect(verbText.hasPrefix("usage: vigil \(command.name) \(verb.name)"))
                for option in command.options(of: verb) {
                    #expect(verbText.contains(option.spelling), "\(command.name) \(verb.name) help lacks \(option.spelling)")
                    if let variable = option.environment { #expect(verbText.contains(variable)) }
                    if let value = option.defaultValue { #expect(verbText.contains("default " + value)) }
                }
            }
        }
        #expect(HelpText.command(CommandHelp.serve).contains("--log-level LEVEL"))
        #expect(HelpText.command(CommandHelp.serve).contains("env VIGIL_LOG_LEVEL; config logLevel"))
    }

    @Test func theOverviewListsEveryCommandAndTheExitStatuses() {
        let text = HelpText.overview()
        for command in CommandHelp.all { #expect(text.contains("  \(command.name) ")) }
        #expect(text.contains("2 a usage error"))
    }
}
