import Testing
@testable import RuleEngine

/// `vigil rules check` on a corpus of broken rule files: each must fail with exactly these
/// messages, at these positions.
@Suite struct BrokenRuleTests {
    static let corpus: [(name: String, yaml: String, errors: [String])] = [
        ("unknown_key", """
        - id: a
          when: { event: booted }
          then: [{ alert: { route: oncall } }]
          cooldown: 5m
        """, [
            "bad.yaml:4:3: rule \"a\": unknown key \"cooldown\"",
        ]),
        ("bad_duration", """
        - id: a
          when: { event: statusChanged, for: 5 minutes }
          then: [{ alert: { route: oncall } }]
        """, [
            "bad.yaml:2:38: rule \"a\" when: \"for\" must be a duration such as 30s, 5m, 2h, 7d, got \"5 minutes\"",
        ]),
        ("duplicate_id", """
        - id: a
          when: { event: booted }
          then: [{ alert: { route: oncall } }]
        - id: a
          when: { event: heartbeat }
          then: [{ alert: { route: oncall } }]
        """, [
            "bad.yaml:4:3: duplicate rule id \"a\" (first defined at bad.yaml:1:3)",
        ]),
        ("duplicate_id_with_another_error", """
        - id: a
          when: { event: booted }
          then: [{ alert: { route: oncall } }]
        - id: a
          priority: -2000
          when: { event: heartbeat }
          then: [{ alert: { route: oncall } }]
        """, [
            "bad.yaml:4:3: duplicate rule id \"a\" (first defined at bad.yaml:1:3)",
            "bad.yaml:5:13: rule \"a\": \"priority\" must be a whole number of at least -1000, got \"-2000\"",
        ]),
        ("unknown_action", """
        - id: a
          when: { event: booted }
          then:
            - reboot: soft
        """, [
            "bad.yaml:4:7: rule \"a\" then[1]: unknown key \"reboot\"",
            "bad.yaml:4:7: rule \"a\" then[1]: each rung needs one action: reset, disableConnector, enableConnector, unlockConnector, triggerMessage, alert, remedy, approve, record, blockToken",
        ]),
        ("unreachable", """
        - id: a
          when: { event: statusChanged }
          then:
            - reset: soft
            - reset: hard
              verify: { status: Available, within: 5m }
        """, [
            "bad.yaml:5:7: rule \"a\" then[2]: unreachable: the reset before it has no \"verify\", so the ladder cannot tell whether it worked; add verify: { status: Available, within: 5m } to then[1]",
        ]),
        ("unknown_event", """
        - id: a
          when: { event: statusChange }
          then: [{ alert: { route: oncall } }]
        """, [
            "bad.yaml:2:18: rule \"a\" when: unknown event \"statusChange\" (did you mean \"statusChanged\"?)",
        ]),
        ("unknown_field", """
        - id: a
          when:
            event: statusChanged
            where: { errorCode: InternalError }
          then: [{ alert: { route: oncall } }]
        """, [
            "bad.yaml:4:14: rule \"a\" when: unknown field \"errorCode\" for this event; fields here are connector, evse, firmware, from, info, kind, model, ocppErrorCode, queuedOffline, site, station, superseded, to, vendor, vendorErrorCode, vendorId",
        ]),
        ("placeholder", """
        - id: a
          when: { event: statusChanged }
          then:
            - alert: { route: oncall, text: "{{staton}} is down" }
        """, [
            "bad.yaml:4:37: rule \"a\" then[1] alert: text: unknown placeholder {{staton}} (did you mean {{station}}?)",
        ]),
        ("two_patterns", """
        - id: a
          when:
            event: booted
            for: 5m
            count: { atLeast: 3, within: 1h }
          then: [{ alert: { route: oncall } }]
        """, [
            "bad.yaml:5:12: rule \"a\" when: only one pattern per rule; this one has for and count",
        ]),
        ("connector_by_site", """
        - id: a
          when:
            event: statusChanged
            count: { atLeast: 3, within: 1h, by: site }
          then:
            - disableConnector: true
        """, [
            "bad.yaml:6:7: rule \"a\" then[1]: disableConnector needs a connector, but the rule groups by site; group by connector",
        ]),
        ("unknown_reference", """
        - id: a
          when: { event: booted }
          unless: { ruleActive: [reboot-lop] }
          then: [{ alert: { route: oncall } }]
        - id: reboot-loop
          when: { event: booted }
          then: [{ alert: { route: oncall } }]
        """, [
            "bad.yaml:1:3: rule \"a\": refers to rule \"reboot-lop\", which no file defines (did you mean \"reboot-loop\"?)",
        ]),
        ("bad_regex", """
        - id: a
          when:
            event: statusChanged
            where: { info: { regex: "([a-z" } }
          then: [{ alert: { route: oncall } }]
        """, [
            "bad.yaml:4:29: rule \"a\" when: \"info.regex\" is not a valid regular expression: ([a-z",
        ]),
        ("wrong_type", """
        - id: a
          enabled: maybe
          when: { event: booted }
          then: { alert: { route: oncall } }
        """, [
            "bad.yaml:2:12: rule \"a\": \"enabled\" must be true or false, got \"maybe\"",
            "bad.yaml:4:9: rule \"a\": \"then\" must be a non-empty list of actions (rungs), tried in order",
        ]),
        ("not_a_list", """
        id: a
        when: { event: booted }
        """, [
            "bad.yaml:1:1: a rules file is a list of rules (each item starts with \"- id: …\"), got a mapping",
        ]),
        ("yaml_syntax", """
        - id: a
          when: { event: booted
          then: []
        """, [
            "bad.yaml:3:7: did not find expected ',' or '}' while parsing a flow mapping",
        ]),
        ("empty_then_and_missing_when", """
        - id: a
          then: []
        """, [
            "bad.yaml:1:3: rule \"a\": missing required key \"when\"",
            "bad.yaml:2:9: rule \"a\": \"then\" must be a non-empty list of actions (rungs), tried in order",
        ]),
        ("ratio_without_bound", """
        - id: a
          when:
            event: transactionEnded
            ratio: { success: { success: true }, within: 1d }
          then: [{ alert: { route: oncall } }]
        """, [
            "bad.yaml:4:12: rule \"a\" when ratio: give exactly one of \"below\" or \"above\"",
        ]),
        ("approve_last", """
        - id: a
          when: { event: statusChanged }
          then:
            - alert: { route: oncall }
            - approve: { role: supervisor, timeout: 10m }
        """, [
            "bad.yaml:5:7: rule \"a\" then[2]: an approval at the end of the ladder has nothing to approve; put the step it guards after it",
        ]),
        ("bad_trigger_message", """
        - id: a
          when: { event: heartbeat, absent: { for: 10m } }
          then:
            - triggerMessage: Heartbeet
        """, [
            "bad.yaml:4:23: rule \"a\" then[1]: unknown message \"Heartbeet\" to trigger (did you mean \"Heartbeat\"?)",
        ]),
    ]

    @Test(arguments: corpus.map(\.name))
    func reportsExactlyTheseErrors(name: String) throws {
        let entry = try #require(Self.corpus.first { $0.name == name })
        #expect(problems(entry.yaml) == entry.errors)
    }

    @Test func everyErrorOfEveryFileIsReportedInOneRun() {
        let files = Self.corpus.map { (file: "\($0.name).yaml", text: $0.yaml) }
        guard case .failure(let error) = RuleSet.load(files: files) else {
            Issue.record("the corpus loaded")
            return
        }
        // Every file's own errors are all there (plus "duplicate rule id", as every file uses id a).
        let reported = Set(error.errors.map(\.description))
        for entry in Self.corpus {
            for expected in entry.errors where !expected.contains("duplicate rule id") {
                let text = expected.replacingOccurrences(of: "bad.yaml", with: "\(entry.name).yaml")
                #expect(reported.contains(text), "missing: \(text)")
            }
        }
    }
}

/// A rule with another error still has its references checked in the same run.
@Suite struct ReferenceCheckTests {
    @Test func aBrokenRulesReferencesAreCheckedToo() {
        let found = problems("""
            - id: loud
              when: { event: statusChanged, where: { to: Faulted } }
              unless: { ruleActive: [reboot-lop] }
              then:
                - alert: { route: oncall, severity: huge }
            - id: reboot-loop
              when: { event: booted, count: { atLeast: 3, within: 1h } }
              then:
                - alert: { route: oncall }
            """)
        #expect(found.contains { $0.contains("\"severity\" must be one of") })
        #expect(found.contains { $0.contains("refers to rule \"reboot-lop\", which no file defines (did you mean \"reboot-loop\"?)") })
    }

    @Test func aRuleWithErrorsIsNotReportedAsMissing() {
        let found = problems("""
            - id: broken
              when: { event: statusChanged, where: { to: Faulted } }
              then:
                - alert: { route: oncall, severity: huge }
            - id: watcher
              when: { event: booted }
              unless: { ruleActive: [broken] }
              then:
                - alert: { route: oncall }
            """)
        #expect(!found.contains { $0.contains("refers to rule") })
        #expect(found.count == 1)
    }
}
