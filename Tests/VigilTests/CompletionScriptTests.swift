import Foundation
import Testing
@testable import vigil

/// The completion scripts come from the registry, offer every command, verb and option, and
/// are valid shell (checked with `bash -n` / `zsh -n` when the shell is installed).
@Suite struct CompletionScriptTests {
    @Test(arguments: CompletionScript.Shell.allCases)
    func offersEveryCommandVerbAndOption(_ shell: CompletionScript.Shell) {
        let script = CompletionScript.script(for: shell)
        for command in CommandHelp.all {
            #expect(script.contains(" \(command.name)"))
            for verb in command.verbs { #expect(script.contains("\(verb.name))"), "\(command.name) \(verb.name)") }
            for verb in command.verbs {
                for option in command.options(of: verb) { #expect(script.contains("--\(option.name)")) }
            }
        }
        #expect(script.contains("--log-level) ") && script.contains("debug info warning error"))
    }

    @Test(arguments: CompletionScript.Shell.allCases)
    func isValidShell(_ shell: CompletionScript.Shell) throws {
        let path = ["/bin/\(shell.rawValue)", "/usr/bin/\(shell.rawValue)"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path else { return }   // zsh is often not installed: nothing to check it with
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-completion-\(UUID()).\(shell.rawValue)")
        try CompletionScript.script(for: shell).write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-n", file.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
