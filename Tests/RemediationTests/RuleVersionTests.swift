import Foundation
@testable import Remediation
import RuleEngine
import Testing

/// The text kept for a rule version is checkable against its hash, and its readable YAML reads
/// back as the same rule (the same hash) — for every shipped rule.
@Suite struct RuleVersionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func everyShippedRulesTextReadsBackAsTheSameVersion() throws {
        let shipped = try RuleSet.load(directory: Self.root.appendingPathComponent("Rules").path)
        #expect(shipped.rules.count > 10)
        var file = ""
        for rule in shipped.rules {
            let version = try #require(RuleVersion(rule, at: "2026-12-05T08:00:00.000Z"))
            #expect(version.isIntact && version.hash == rule.hash && version.rule == rule.id)
            // The block YAML as one item of a rules file (all in one, so references resolve).
            let lines = version.yaml.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            file += lines.enumerated().map { ($0.offset == 0 ? "- " : "  ") + $0.element }.joined(separator: "\n") + "\n"
        }
        let reread = try RuleSet.load(files: [(file: "all.yaml", text: file)]).get()
        #expect(reread.rules.map(\.hash) == shipped.rules.map(\.hash), "\(file)")
    }

    @Test func anEditedTextNoLongerMatchesItsHash() throws {
        let set = try RuleSet.load(files: [(file: "r.yaml", text: """
            - id: r
              when: { event: statusChanged, where: { to: Faulted } }
              then:
                - reset: soft
            """)]).get()
        let rule = try #require(set.rules.first)
        var version = try #require(RuleVersion(rule, at: "2026-12-05T08:00:00.000Z"))
        #expect(version.isIntact && version.yaml.contains("- reset: soft"), "\(version.yaml)")
        version.canonical = version.canonical.replacingOccurrences(of: "soft", with: "hard")
        #expect(!version.isIntact)
    }
}
