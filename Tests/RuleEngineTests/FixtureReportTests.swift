import Foundation
import RuleEngine
import Testing

/// A fixture whose expected text is not in the alert says so with the text that was rendered,
/// so the author sees what to expect instead of guessing.
@Suite struct FixtureReportTests {
    static let rule = """
        - id: tell-oncall
          when: { event: statusChanged, where: { to: Faulted } }
          then:
            - alert: { route: oncall, title: "{{station}} faulted", text: "Check {{station}} connector {{connector}}." }
        """

    func fixture(expecting text: String) throws -> RuleFixture {
        try RuleFixture.parse("""
            description: the alert's text
            events:
              - { at: 0s, event: statusChanged, connector: 1, to: Faulted }
            until: 1m
            expect:
              - { at: 0s, rule: tell-oncall, action: alert oncall, target: CP-1/1, textContains: ["\(text)"] }
            """, file: "t.yaml").get()
    }

    @Test func aMissingTextShowsWhatWasRendered() throws {
        let engine = RuleEngine(ruleSet: try rules(Self.rule))
        let outcome = try fixture(expecting: "Check the cable").run(engine)
        #expect(!outcome.passed)
        #expect(outcome.differences.contains { $0.contains(#"has no "Check the cable" in its text"#) })
        #expect(outcome.differences.contains("    | Check CP-1 connector 1."))
        #expect(try fixture(expecting: "Check CP-1 connector 1.").run(engine).passed)
    }
}
