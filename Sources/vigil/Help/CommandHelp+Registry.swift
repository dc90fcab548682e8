/// The help registry: one `CommandHelp` per command `main.swift` dispatches, in the order the
/// overview lists them. A command added to `CommandName` without an entry here fails
/// `HelpRegistryTests`; so does a verb its dispatch accepts that its entry lacks.
extension CommandHelp {
    static let all: [CommandHelp] = [
        serve, stations, sessions, metrics, billing, fraud, tokens, users, rules, remediation, alerts, audit, codes,
        config, backup, restore, simulate, echo, bench, ocppHarness, help, completion,
    ]

    static func named(_ name: String) -> CommandHelp? { all.first { $0.name == name } }

    static let help = CommandHelp(
        name: "help", summary: "this overview, or one command's or verb's help", synopsis: "[COMMAND [VERB]]",
        details: ["`vigil COMMAND --help` and `vigil COMMAND VERB --help` (or -h) say the same; nothing is opened or required."],
        examples: ["vigil help stations", "vigil help rules replay", "vigil audit query --help"])

    static let completion = CommandHelp(
        name: "completion", summary: "a shell completion script for vigil's commands, verbs and options",
        verbs: [VerbHelp(name: "bash", summary: "for bash: source it, or put it in /etc/bash_completion.d/vigil",
                         examples: ["source <(vigil completion bash)"]),
                VerbHelp(name: "zsh", summary: "for zsh: put it on $fpath as _vigil",
                         examples: ["vigil completion zsh > \"${fpath[1]}/_vigil\""])],
        examples: ["vigil completion bash > /etc/bash_completion.d/vigil"])
}
