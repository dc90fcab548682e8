import Foundation
import RuleEngine
import Testing

/// `by: [station, ocppErrorCode]`: one window per station and error code, the target key and
/// `{{group.NAME}}` showing each part — "the same error 3 times within a day, per charger and
/// code" without one generated rule per code.
@Suite struct CompositeGroupTests {
    static let yaml = """
        - id: same-error-again
          when:
            event: statusChanged
            where: { to: Faulted }
            count: { atLeast: 3, within: 1d, by: [station, ocppErrorCode] }
          then:
            - alert: { route: oncall, title: "{{group.station}}: {{group.ocppErrorCode}} three times" }
        """

    @Test func eachCombinationCountsOnItsOwn() throws {
        var timeline = Timeline(try rules(Self.yaml))
        timeline.send(faulted(at: 0, code: "InternalError"), faulted(at: 60, code: "GroundFailure"),
                      faulted(at: 120, code: "InternalError"), faulted(at: 180, code: "GroundFailure"),
                      faulted(at: 240, station: "CP-2", code: "InternalError"), faulted(at: 300, code: "InternalError"))
        #expect(timeline.lines == ["+300 same-error-again act alert oncall CP-1|ocppErrorCode:InternalError"])
        let decision = try #require(timeline.decisions.first)
        #expect(decision.action?.title == "CP-1: InternalError three times")
        #expect(decision.target.station == "CP-1" && decision.target.connector == nil)
    }

    @Test func aListNeedsTwoDistinctKnownNames() {
        #expect(problems("""
            - id: a
              when: { event: statusChanged, count: { atLeast: 2, within: 1h, by: [station] } }
              then: [ { alert: { route: oncall } } ]
            """).contains { $0.contains("at least two names") })
        #expect(problems("""
            - id: a
              when: { event: statusChanged, count: { atLeast: 2, within: 1h, by: [station, staton] } }
              then: [ { alert: { route: oncall } } ]
            """).contains { $0.contains(#"did you mean "station""#) })
        #expect(problems("""
            - id: a
              when: { event: statusChanged, count: { atLeast: 2, within: 1h, by: [station, station] } }
              then: [ { alert: { route: oncall } } ]
            """).contains { $0.contains("listed twice") })
    }

    @Test func commandsFollowTheFinestPlaceInTheList() {
        #expect(problems("""
            - id: a
              when: { event: statusChanged, where: { to: Faulted }, count: { atLeast: 2, within: 1h, by: [connector, ocppErrorCode] } }
              then: [ { disableConnector: true } ]
            """).isEmpty)
        #expect(problems("""
            - id: a
              when: { event: statusChanged, where: { to: Faulted }, count: { atLeast: 2, within: 1h, by: [site, ocppErrorCode] } }
              then: [ { reset: soft } ]
            """).contains { $0.contains("group by station or connector") })
    }
}

/// `{{group.NAME}}` must name a part of the rule's own grouping, or `rules check` says so.
@Suite struct GroupPlaceholderCheckTests {
    @Test func aPartTheRuleDoesNotGroupByIsAnError() {
        let found = problems("""
            - id: r
              when:
                event: statusChanged
                count: { atLeast: 3, within: 1d, by: [station, ocppErrorCode] }
              then:
                - alert: { route: oncall, title: "{{group.station}} {{group.vendorErrorCode}}" }
            """)
        #expect(found.count == 1)
        #expect(found.first?.contains("{{group.vendorErrorCode}} names no part of the rule's grouping; it groups by station, ocppErrorCode") == true)
    }

    @Test func aSingleKeyWorksAndAnotherNameIsAnError() {
        let found = problems("""
            - id: r
              when: { event: booted, count: { atLeast: 3, within: 1h, by: station } }
              then:
                - record: { title: "{{group.station}} loops at {{group.site}}" }
            """)
        #expect(found.count == 1)
        #expect(found.first?.contains("{{group.site}} names no part of the rule's grouping; it groups by station: use {{group.station}}") == true)
    }
}
