import Foundation
import RuleEngine
import Testing

/// `count: { distinct: station }` counts different stations, not events: two stations with
/// several faulted connectors do not trip a "five stations of a site" rule, five stations do.
@Suite struct DistinctCountTests {
    static let yaml = """
        - id: site-fault-storm
          when:
            event: statusChanged
            where: { to: Faulted }
            count: { atLeast: 5, distinct: station, within: 10m, by: site }
          then:
            - alert: { route: oncall, title: "{{site}}: faults at many stations" }
        """

    @Test func manyConnectorsOfFewStationsDoNotTripIt() throws {
        var timeline = Timeline(try rules(Self.yaml))
        for (index, connector) in (1...6).enumerated() {
            timeline.send(faulted(at: index * 10, connector: connector, station: index % 2 == 0 ? "CP-1" : "CP-2"))
        }
        timeline.advance(toSecond: 600)
        #expect(timeline.lines.isEmpty)
    }

    @Test func fiveStationsWithinTheWindowDo() throws {
        var timeline = Timeline(try rules(Self.yaml))
        for index in 1...5 { timeline.send(faulted(at: index * 60, station: "CP-\(index)")) }
        #expect(timeline.lines == ["+300 site-fault-storm act alert oncall site:north"])
    }

    @Test func stationsOutsideTheWindowDoNotCount() throws {
        var timeline = Timeline(try rules(Self.yaml))
        for index in 1...5 { timeline.send(faulted(at: index * 180, station: "CP-\(index)")) }   // 12 minutes from first to last
        #expect(timeline.lines.isEmpty)
    }

    @Test func theExplanationSaysDistinct() throws {
        let rule = try #require(try rules(Self.yaml).rule("site-fault-storm"))
        #expect(rule.explanation.contains("from at least 5 different stations within 10 minutes"))
    }
}
