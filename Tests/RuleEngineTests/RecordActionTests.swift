import Foundation
import RuleEngine
import Testing

/// `record` marks an incident for other rules without a command or an alert: its decision is an
/// `act` of type record with the rendered title, and `ruleActive` on it holds another rule back.
@Suite struct RecordActionTests {
    static let yaml = """
        - id: rebooting
          when: { event: booted, count: { atLeast: 2, within: 1h, by: station } }
          then:
            - record: { title: "{{station}} reboots by itself" }
        - id: reset-stuck
          when: { event: statusChanged, where: { to: Faulted }, for: 1m }
          unless: { ruleActive: [rebooting] }
          then:
            - reset: soft
        """

    @Test func aRecordMarksTheStationForOtherRules() throws {
        var timeline = Timeline(try rules(Self.yaml))
        timeline.send(event(.booted, at: 0), event(.booted, at: 10), faulted(at: 20))
        timeline.advance(toSecond: 300)
        let record = try #require(timeline.decisions.first { $0.rule == "rebooting" })
        #expect(record.kind == .act && record.action?.type == .record && !record.action!.type.isCommand)
        #expect(record.action?.title == "CP-1 reboots by itself")
        #expect(timeline.lines.contains("+80 reset-stuck suppressed CP-1/1"))
        #expect(!timeline.lines.contains { $0.contains("act reset soft") })
    }

    @Test func aRecordNeedsATitleAndIsNotVerified() {
        let found = problems("""
            - id: r
              when: { event: booted }
              then:
                - record: { title: "x" }
                  verify: { event: booted, within: 1m }
            """)
        #expect(found.contains { $0.contains("a record is not verified") })
    }
}
