import ServiceLog
import YAMLKit

/// `vigil help [COMMAND [VERB]]`, and `--help` / `-h` anywhere on a command line: answered
/// before anything else, so asking for help never opens a database, needs an option's value or
/// starts a server. An unknown command or verb is a usage error naming the closest one.
struct HelpCommand {
    var command: CommandHelp?
    var verb: VerbHelp?
    /// `vigil help --json`: the whole registry, for scripts and the interop tests.
    var isJSON = false

    /// The overview (no command), a command's help, or a verb's.
    init(command: CommandHelp? = nil, verb: VerbHelp? = nil) {
        self.command = command
        self.verb = verb
    }

    /// The help asked for, or nil when the line asks for none: `vigil`, `vigil help …`, or a
    /// line with `--help` or `-h` before any `--`.
    init?(arguments: [String]) throws(UsageError) {
        let asked = arguments.prefix { $0 != "--" }.contains { $0 == "--help" || $0 == "-h" }
        guard let first = arguments.first else {
            self.init()   // plain `vigil`: the overview
            return
        }
        if first == "help" {
            let words = Array(arguments.dropFirst())
            let named = words.filter { !["--json", "--help", "-h"].contains($0) }
            try self.init(naming: named.isEmpty && asked ? ["help"] : named, strict: true)   // `vigil help --help`: help's own
            isJSON = words.contains("--json")
        } else if asked {
            try self.init(naming: arguments.filter { $0 != "--help" && $0 != "-h" }, strict: false)
        } else {
            return nil
        }
    }

    /// `COMMAND [VERB]`. Strictly (`vigil help X Y`) an unknown verb is an error; after
    /// `--help` a second word that is no verb is an argument, and the command's help is shown.
    init(naming words: [String], strict: Bool) throws(UsageError) {
        guard let name = words.first else { return }   // `vigil help`, `vigil --help`: the overview
        guard let command = CommandHelp.named(name) else { throw UsageError.unknownCommand(name) }
        self.command = command
        guard words.count > 1 else { return }
        if let verb = command.verb(words[1]) {
            self.verb = verb
        } else if strict {
            guard let known = CommandName(rawValue: name) else { throw UsageError("no help for \(name) \(words[1])") }
            throw UsageError.unknownVerb(words[1], of: known)
        }
    }

    var text: String {
        guard let command else { return HelpText.overview() }
        guard let verb else { return HelpText.command(command) }
        return HelpText.verb(verb, of: command)
    }

    func run() -> Int32 {
        printLine(isJSON ? JSONOutput.text((command.map { [$0] } ?? CommandHelp.all).map(\.jsonObject)) : text)
        return 0
    }
}

extension CommandHelp {
    /// The entry as `vigil help --json` shows it.
    var jsonObject: [String: Any] {
        func describe(_ list: [OptionHelp]) -> [[String: Any]] {
            list.map { option in
                var object: [String: Any] = ["name": option.name, "summary": option.summary, "flag": option.isFlag, "choices": option.choices]
                object["value"] = option.value
                object["default"] = option.defaultValue
                object["environment"] = option.environment
                object["configKey"] = option.configKey
                return object
            }
        }
        return ["name": name, "summary": summary, "options": describe(options), "examples": examples,
                "environment": environment.map(\.name),
                "verbs": verbs.map { verb in
                    ["name": verb.name, "arguments": verb.arguments, "summary": verb.summary, "examples": verb.examples,
                     "options": describe(options(of: verb)), "environment": verb.environment.map(\.name)] as [String: Any]
                }]
    }
}

/// `vigil completion bash|zsh`: the script on standard output.
struct CompletionCommand {
    let shell: CompletionScript.Shell

    init(arguments: [String]) throws(UsageError) {
        shell = try parseVerb(arguments, of: .completion)
        guard arguments.count == 1 else { throw UsageError("completion takes one shell: bash or zsh") }
    }

    func run() -> Int32 {
        printText(CompletionScript.script(for: shell))
        return 0
    }
}

extension UsageError {
    /// "unknown command "staions"; did you mean "stations"?".
    static func unknownCommand(_ name: String) -> UsageError {
        let hint = YAMLFieldReader.closest(to: name, in: CommandName.allCases.map(\.rawValue)).map { "; did you mean \"\($0)\"?" } ?? ""
        return UsageError("unknown command \(name.debugDescription)\(hint)")
    }
}
