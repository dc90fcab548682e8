import ServiceLog

/// Renders the help registry as the text `vigil help`, `vigil COMMAND --help` and
/// `vigil COMMAND VERB --help` print: plain text, no colour, columns sized to their content.
enum HelpText {
    /// `vigil help`: every command with its summary, and how to get more.
    static func overview(_ commands: [CommandHelp] = CommandHelp.all) -> String {
        var table = TextTable([TextTable.Column(""), TextTable.Column("")])
        for command in commands { table.append([command.name, command.summary]) }
        return (["usage: vigil COMMAND [VERB] [options]", "", "commands:"]
            + table.lines.dropFirst().map { "  " + $0 }
            + ["", "`vigil help COMMAND [VERB]` or `vigil COMMAND [VERB] --help` for the verbs, options, defaults,",
               "environment variables and examples. `vigil --version` prints this build's version and libraries.", ""]
            + conventions).joined(separator: "\n")
    }

    /// What every command shares: exit statuses, pipes, colour.
    static let conventions = [
        "exit status: 0 ok; 1 a failure or findings (a broken audit chain, a failed rule test, a record that",
        "disagrees with the audit trail); 2 a usage error (unknown command, verb or option, a bad value).",
        "Output is plain text without colour (NO_COLOR is honoured trivially); --json gives JSON on every listing.",
        "A reader that stops early (`vigil audit query | head -1`) ends vigil quietly with status 141, as for `ls`.",
    ]

    /// `vigil help COMMAND`: its synopsis per verb, the verbs, the shared options, examples.
    static func command(_ command: CommandHelp) -> String {
        var lines = ["vigil \(command.name) — \(command.summary)", "", "usage:"]
        if command.verbs.isEmpty {
            lines.append("  " + (["vigil", command.name, command.synopsis].filter { !$0.isEmpty }.joined(separator: " ")))
        } else {
            for verb in command.verbs { lines.append("  " + synopsis(command, verb)) }
        }
        lines += paragraphs(command.details)
        if !command.verbs.isEmpty {
            var table = TextTable([TextTable.Column(""), TextTable.Column("")])
            for verb in command.verbs { table.append([verb.name, verb.summary]) }
            lines += ["", "verbs:"] + table.lines.dropFirst().map { "  " + $0 }
        }
        if !command.options.isEmpty {
            lines += ["", command.verbs.isEmpty ? "options:" : "options (every verb):"] + optionLines(command.options)
        }
        lines += environmentLines(command.environment) + exampleLines(command.examples)
        if !command.verbs.isEmpty { lines += ["", "`vigil help \(command.name) VERB` for a verb's own options."] }
        return lines.joined(separator: "\n")
    }

    /// `vigil help COMMAND VERB`: its synopsis, every option it takes (its own and the
    /// command's shared ones), the environment it reads, examples.
    static func verb(_ verb: VerbHelp, of command: CommandHelp) -> String {
        var lines = ["usage: " + synopsis(command, verb), "", verb.summary]
        lines += paragraphs(verb.details)
        let options = command.options(of: verb)
        if !options.isEmpty { lines += ["", "options:"] + optionLines(options) }
        lines += environmentLines(verb.environment + command.environment)
        lines += exampleLines(verb.examples.isEmpty ? command.examples.filter { $0.contains(" \(verb.name)") } : verb.examples)
        return lines.joined(separator: "\n")
    }

    /// `vigil stations timeline ID [options]`.
    static func synopsis(_ command: CommandHelp, _ verb: VerbHelp) -> String {
        let hasOptions = !command.options(of: verb).isEmpty
        return ["vigil", command.name, verb.name, verb.arguments, hasOptions ? "[options]" : ""].filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// One line per option: its spelling, what it does, then its default, its variable, its
    /// config key and its values.
    static func optionLines(_ options: [OptionHelp]) -> [String] {
        var table = TextTable([TextTable.Column(""), TextTable.Column("")])
        for option in options {
            var notes: [String] = []
            if !option.choices.isEmpty { notes.append("one of " + option.choices.joined(separator: ", ")) }
            if let value = option.defaultValue { notes.append("default " + value) }
            if let variable = option.environment { notes.append("env " + variable) }
            if let key = option.configKey { notes.append("config " + key) }
            table.append([option.spelling, option.summary + (notes.isEmpty ? "" : " (" + notes.joined(separator: "; ") + ")")])
        }
        return table.lines.dropFirst().map { "  " + $0 }
    }

    static func environmentLines(_ variables: [EnvironmentHelp]) -> [String] {
        guard !variables.isEmpty else { return [] }
        var table = TextTable([TextTable.Column(""), TextTable.Column("")])
        for variable in variables { table.append([variable.name, variable.summary]) }
        return ["", "environment:"] + table.lines.dropFirst().map { "  " + $0 }
    }

    static func exampleLines(_ examples: [String]) -> [String] {
        examples.isEmpty ? [] : ["", "examples:"] + examples.map { "  " + $0 }
    }

    static func paragraphs(_ details: [String]) -> [String] {
        details.isEmpty ? [] : [""] + details
    }
}
