import Foundation
import Testing
@testable import vigil

/// `--help` wins over everything else on the line; `help` is strict about what it names;
/// mistakes name the closest valid spelling.
@Suite struct HelpCommandTests {
    func asked(_ line: String) throws(UsageError) -> HelpCommand? {
        try HelpCommand(arguments: line.split(separator: " ").map(String.init))
    }

    @Test func helpIsRecognisedAnywhereBeforeDoubleDash() throws {
        #expect(try asked("stations list --help")?.verb?.name == "list")
        #expect(try asked("stations --help")?.command?.name == "stations")
        #expect(try asked("stations --help")?.verb == nil)
        #expect(try asked("codes lookup --help")?.verb?.name == "lookup")   // no value needed
        #expect(try asked("serve -h")?.command?.name == "serve")
        #expect(try asked("audit query --station --help")?.verb?.name == "query")
        #expect(try asked("stations show CP-1 --help")?.verb?.name == "show")
        #expect(try asked("stations CP-1 --help")?.verb == nil)              // not a verb: the command's help
        #expect(try asked("--help")?.command == nil)
        #expect(try asked("help")?.command == nil)
        #expect(try asked("stations list") == nil)
        #expect(try asked("stations command CP-1 reset --message -- --help") == nil)
        #expect(try HelpCommand(arguments: []) != nil)
    }

    @Test func helpNamesACommandAndVerb() throws {
        #expect(try asked("help rules replay")?.verb?.name == "replay")
        #expect(try asked("help bench cpms")?.verb?.name == "cpms")
        #expect(try asked("help rules show-version")?.text.contains("--json") == true)
    }

    @Test func unknownNamesSuggestTheClosest() {
        #expect(throws: UsageError.self) { try asked("help staions") }
        #expect(UsageError.unknownCommand("staions").description == "unknown command \"staions\"; did you mean \"stations\"?")
        #expect(UsageError.unknownVerb("lsit", of: .rules).description.hasPrefix("unknown rules verb \"lsit\"; did you mean \"list\"?"))
        #expect(UsageError.unknownCommand("frobnicate").description == "unknown command \"frobnicate\"")
        do { _ = try asked("help rules nope"); Issue.record("no error") } catch {
            #expect(error.description.hasPrefix("unknown rules verb \"nope\""))
        }
    }

    @Test func unknownOptionsSuggestTheClosest() {
        let allowed: Set<String> = ["station", "db", "json", "limit"]
        #expect(UsageError.unknownOption("statoin", allowed: allowed).description == "unknown option --statoin; did you mean --station?")
        #expect(UsageError.unknownOption("colour", allowed: allowed).description == "unknown option --colour")
        let typo = Arguments(["--statoin", "CP-1"])
        #expect(throws: UsageError.self) { try typo.rejectUnknown(allowed: allowed) }
        do { try typo.rejectUnknown(allowed: allowed) } catch { #expect(error.description.hasSuffix("did you mean --station?")) }
        // An unknown option last, with no value: still the suggestion, not "needs a value".
        do { try Arguments(["--jsn"], flagNames: ["json"]).rejectUnknown(allowed: allowed); Issue.record("accepted") } catch {
            #expect(error.description == "unknown option --jsn; did you mean --json?")
        }
        do { try Arguments(["--limit"]).rejectUnknown(allowed: allowed); Issue.record("accepted") } catch {
            #expect(error.description == "option --limit needs a value")
        }
    }
}
