import Foundation
@testable import Remediation
import CPMS
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
        var shown = version
        version.canonical = version.canonical.replacingOccurrences(of: "soft", with: "hard")
        #expect(!version.isIntact)
        // The text people read is checked too: an edit of it alone is not passed off as checked.
        shown.yaml = shown.yaml.replacingOccurrences(of: "soft", with: "hard")
        #expect(!shown.isIntact)
        shown.yaml = "- id: r\n  when: [unterminated"
        #expect(!shown.isIntact)
    }
}

/// A decision row's rule-version column is checked like its other columns: it sends an auditor
/// to the text that decided (`rules show-version`), so an edit of it alone is a mismatch.
@Suite struct DecisionColumnsTests {
    @Test func theRuleVersionColumnMustSayWhatTheDecisionSays() throws {
        let decision = Decision(time: Date(timeIntervalSince1970: 1_795_000_000), rule: "r", ruleHash: "61de4bcc70ae", mode: .enforce, kind: .act,
                                target: RuleTarget(key: "CP-1/1", station: "CP-1", connector: 1, site: nil), rung: 0,
                                action: DecidedAction(type: .reset, resetType: "soft"), eventIds: [], reason: "x")
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let json = String(decoding: try encoder.encode(decision), as: UTF8.self)
        var row = DecisionRow(id: 1, at: StoreTime.format(decision.time), rule: "r", kind: "act", target: "CP-1/1", action: decision.action?.label,
                              reason: "x", mode: "enforce", json: json, ruleHash: "61de4bcc70ae")
        #expect(DecisionTrail.columnsAgree(row))
        row.ruleHash = "3abad90eb680"
        #expect(!DecisionTrail.columnsAgree(row))
    }
}
