import Foundation
import RuleEngine
import Testing

/// Patterns that only count matching events (`count`, `each`) are left alone by events of the
/// same kind that do not match: the window keeps what it counted, neither reset nor dropped.
@Suite struct NonMatchingEventTests {
    static let yaml = """
        - id: repeated-faults
          when:
            event: statusChanged
            where: { to: Faulted }
            count: { atLeast: 3, within: 10m, by: station }
          then:
            - alert: { route: oncall, title: "{{station}} faults again and again" }
        - id: every-fault
          when: { event: statusChanged, where: { to: Faulted } }
          then:
            - alert: { route: oncall, title: "{{station}} faulted" }
        """

    @Test func recoveriesBetweenFaultsDoNotResetTheCount() throws {
        var timeline = Timeline(try rules(Self.yaml))
        for round in 0..<3 {
            timeline.send(faulted(at: round * 120))
            timeline.send(available(at: round * 120 + 30))
            timeline.send(available(at: round * 120 + 40, station: "CP-2"))
        }
        #expect(timeline.lines.filter { $0.contains("repeated-faults") } == ["+240 repeated-faults act alert oncall CP-1"])
        #expect(timeline.lines.filter { $0.contains("every-fault") }.count == 3)
    }

    @Test func aWindowOnlyNonMatchingEventsReachedIsNeverStarted() throws {
        var timeline = Timeline(try rules(Self.yaml))
        for second in stride(from: 0, to: 600, by: 20) { timeline.send(available(at: second)) }
        timeline.send(faulted(at: 600))
        timeline.send(faulted(at: 620))
        #expect(timeline.lines.filter { $0.contains("repeated-faults") }.isEmpty)
        #expect(timeline.lines.filter { $0.contains("every-fault") }.count == 2)
    }

    /// After a firing the count's window is empty: the next event of its kind, matching or not,
    /// starts a new one, so a station moved to another site is counted under its new site.
    @Test func anEmptiedWindowIsDroppedByTheNextEventEvenIfItDoesNotMatch() throws {
        var timeline = Timeline(try rules(Self.yaml))
        for second in [0, 60, 120] { timeline.send(faulted(at: second)) }
        let moved = event(.statusChanged, at: 180, connector: 1, site: "south", ["to": .string("Available")])
        timeline.send(moved)
        for second in [240, 300, 360] {
            timeline.send(event(.statusChanged, at: second, connector: 1, site: "south", ["to": .string("Faulted")]))
        }
        let firings = timeline.decisions.filter { $0.rule == "repeated-faults" }
        #expect(firings.map { Int($0.time.timeIntervalSince(t0)) } == [120, 360])
        #expect(firings.map(\.target.site) == ["north", "south"])
    }
}
