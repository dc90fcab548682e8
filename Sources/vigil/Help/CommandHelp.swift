/// What `vigil help COMMAND [VERB]`, `--help` and the completion scripts say about one command:
/// its verbs, options, the environment variables and config keys that set them, and examples.
/// Data only; `HelpText` renders it and `CompletionScript` turns it into shell completion. Every
/// command `main.swift` dispatches (`CommandName`) has one, with every verb its own dispatch
/// accepts (`CommandName.verbs`); `HelpRegistryTests` holds the two lists together.
struct CommandHelp: Sendable {
    var name: String
    /// One line: what the command is for.
    var summary: String
    /// How it is called, without the leading `vigil NAME`; for a command with verbs, each
    /// verb's own `synopsis` is shown instead.
    var synopsis: String = ""
    /// Paragraphs after the summary (what it reads, what it leaves alone, exit statuses).
    var details: [String] = []
    var verbs: [VerbHelp] = []
    /// Options every verb takes (`--db`), or the options of a command without verbs.
    var options: [OptionHelp] = []
    /// Variables read besides the options' own (`VIGIL_API_TOKEN`).
    var environment: [EnvironmentHelp] = []
    var examples: [String] = []

    func verb(_ name: String) -> VerbHelp? { verbs.first { $0.name == name } }

    /// The options `VERB` takes: its own, then the command's shared ones.
    func options(of verb: VerbHelp?) -> [OptionHelp] {
        let own = verb?.options ?? []
        return own + options.filter { shared in !own.contains { $0.name == shared.name } }
    }
}

/// One verb of a command (`stations list`).
struct VerbHelp: Sendable {
    var name: String
    /// Its positional arguments, as usage shows them (`ID [DIR]`).
    var arguments: String = ""
    var summary: String
    var details: [String] = []
    var options: [OptionHelp] = []
    var environment: [EnvironmentHelp] = []
    var examples: [String] = []
}

/// One `--option`: its value (nil for a flag), what it does, its default, and where else it
/// can be set.
struct OptionHelp: Sendable {
    var name: String
    /// The value's placeholder (`PATH`, `HOST:PORT`); nil for a flag such as `--json`.
    var value: String?
    var summary: String
    var defaultValue: String?
    /// The environment variable read when the option is not given (`VIGIL_DB`).
    var environment: String?
    /// The `vigil serve --config` YAML key that sets it (`vendorCodes`).
    var configKey: String?
    /// The values it accepts, for a closed set (offered by completion).
    var choices: [String] = []

    init(_ name: String, _ value: String? = nil, _ summary: String, default defaultValue: String? = nil,
         environment: String? = nil, configKey: String? = nil, choices: [String] = []) {
        self.name = name
        self.value = value
        self.summary = summary
        self.defaultValue = defaultValue
        self.environment = environment
        self.configKey = configKey
        self.choices = choices
    }

    var isFlag: Bool { value == nil }
    /// `--db PATH`, `--json`.
    var spelling: String { value.map { "--\(name) \($0)" } ?? "--\(name)" }
}

/// An environment variable a command reads that no option stands for.
struct EnvironmentHelp: Sendable {
    var name: String
    var summary: String
}
