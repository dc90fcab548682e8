import Foundation
import RuleEngine
import Testing

/// `when: { around: … }` compares a target with its surroundings: an idle connector fires only
/// while its site is busy; a fault fires a site rule only once a share of the site's connectors
/// is Faulted. A timed pattern whose surroundings do not hold looks again later.
@Suite struct SurroundingsTests {
    static let idleWhileBusy = """
        - id: idle-while-site-busy
          when:
            event: transactionStarted
            absent: { for: 3d, warmUp: 0s, by: connector }
            around:
              connector: { status: Available }
              site: { sessions: { within: 3d, gte: 3 } }
          then:
            - alert: { route: ops, title: "{{station}}/{{connector}} idle while {{site}} is busy" }
        """

    func session(at seconds: Int, station: String, connector: Int = 1, id: Int) -> DomainEvent {
        event(.transactionStarted, at: seconds, station: station, connector: connector, ["transactionId": .number(Double(id))])
    }

    func ended(at seconds: Int, station: String, connector: Int = 1, id: Int) -> DomainEvent {
        event(.transactionEnded, at: seconds, station: station, connector: connector, ["transactionId": .number(Double(id))])
    }

    @Test func anIdleConnectorFiresWhileItsSiteIsBusy() throws {
        var timeline = Timeline(try rules(Self.idleWhileBusy))
        timeline.send(session(at: 0, station: "CP-1", id: 1), ended(at: 600, station: "CP-1", id: 1), available(at: 601, station: "CP-1"))
        let day = 86_400
        for (index, time) in [day, 2 * day, 3 * day - 60].enumerated() {
            timeline.send(session(at: time, station: "CP-2", id: 10 + index), ended(at: time + 600, station: "CP-2", id: 10 + index))
        }
        timeline.advance(toSecond: 3 * day + 10)
        #expect(timeline.lines == ["+259200 idle-while-site-busy act alert ops CP-1/1"])
    }

    @Test func aQuietSiteIsNotABrokenConnectorButItIsLookedAtAgain() throws {
        var timeline = Timeline(try rules(Self.idleWhileBusy))
        timeline.send(session(at: 0, station: "CP-1", id: 1), ended(at: 600, station: "CP-1", id: 1), available(at: 601, station: "CP-1"))
        timeline.advance(toSecond: 4 * 86_400)
        #expect(timeline.lines.isEmpty)
        // The site gets busy on day 5: the connector, still idle, is reported within the hour.
        let day5 = 5 * 86_400
        for index in 0..<3 {
            let time = day5 + index * 600
            timeline.send(session(at: time, station: "CP-2", id: 10 + index), ended(at: time + 300, station: "CP-2", id: 10 + index))
        }
        timeline.advance(toSecond: day5 + 2 * 3_600)
        let fired = try #require(timeline.decisions.first)
        #expect(timeline.decisions.count == 1 && fired.target.key == "CP-1/1")
        #expect(fired.time.timeIntervalSince(t0) <= Double(day5 + 1_200 + 3_600))
    }

    @Test func aConnectorThatIsNotAvailableIsNotIdle() throws {
        var timeline = Timeline(try rules(Self.idleWhileBusy))
        timeline.send(session(at: 0, station: "CP-1", id: 1), ended(at: 600, station: "CP-1", id: 1), faulted(at: 601))
        for index in 0..<3 {
            let time = 86_400 + index * 600
            timeline.send(session(at: time, station: "CP-2", id: 10 + index), ended(at: time + 300, station: "CP-2", id: 10 + index))
        }
        timeline.advance(toSecond: 4 * 86_400)
        #expect(timeline.lines.isEmpty)
    }

    static let siteShare = """
        - id: site-share-faulted
          when:
            event: statusChanged
            where: { to: Faulted }
            by: site
            around:
              site: { faultedShare: { gt: 0.3 }, connectors: { gte: 4 } }
          then:
            - alert: { route: ops, title: "{{site}}: many connectors faulted" }
          limits: { cooldown: 1h }
        """

    @Test func aSiteTripsOnlyAboveTheShare() throws {
        var timeline = Timeline(try rules(Self.siteShare))
        for station in 1...5 { timeline.send(available(at: station, station: "CP-\(station)"), available(at: 10 + station, connector: 2, station: "CP-\(station)")) }
        timeline.send(faulted(at: 100, station: "CP-1"), faulted(at: 110, station: "CP-2"), faulted(at: 120, station: "CP-3"))
        #expect(timeline.lines.isEmpty)   // 3 of 10 connectors is 30%, not more
        timeline.send(faulted(at: 130, connector: 2, station: "CP-3"))
        #expect(timeline.lines == ["+130 site-share-faulted act alert ops site:north"])
    }

    @Test func otherSitesDoNotCount() throws {
        var timeline = Timeline(try rules(Self.siteShare))
        for station in 1...4 {
            timeline.send(event(.statusChanged, at: station, station: "S-\(station)", connector: 1, site: "south", ["to": .string("Faulted")]))
        }
        timeline.send(available(at: 10), available(at: 11, connector: 2), available(at: 12, connector: 3), faulted(at: 20, connector: 4))
        // South (4 of 4 Faulted) trips; north's one fault of 4 connectors does not, whatever south says.
        #expect(timeline.lines == ["+4 site-share-faulted act alert ops site:south"])
    }

    @Test func mistakesAreReportedWithTheirPlace() {
        let found = problems("""
            - id: r
              when:
                event: statusChanged
                by: station
                around:
                  connector: { status: Available }
                  site: { faultedShar: { gt: 0.3 }, sessions: { gte: 1 }, stations: { within: 1h, gt: 2 } }
                  fleet: { connectors: 1 }
              then:
                - alert: { route: ops }
            """)
        #expect(found.contains { $0.contains("bad.yaml:6:") && $0.contains("\"connector\" measures need a connector target") })
        #expect(found.contains { $0.contains("unknown measure \"faultedShar\" (did you mean \"faultedShare\"?)") })
        #expect(found.contains { $0.contains("sessions: say how far back to count") })
        #expect(found.contains { $0.contains("\"within\" only applies to sessions") })
        #expect(found.contains { $0.contains("unknown level \"fleet\"") })
    }

    @Test func theExplanationSaysWhatMustHoldAround() throws {
        let rule = try #require(try rules(Self.siteShare).rule("site-share-faulted"))
        #expect(rule.explanation.contains("and only while the site's faultedShare > 0.3 and the site's connectors ≥ 4"))
    }

    @Test func aStateSavedWithSurroundingsComesBack() throws {
        var timeline = Timeline(try rules(Self.idleWhileBusy))
        timeline.send(session(at: 0, station: "CP-1", id: 1), ended(at: 600, station: "CP-1", id: 1), available(at: 601, station: "CP-1"))
        let data = try JSONEncoder().encode(timeline.state)
        let decoded = try JSONDecoder().decode(RuleEngineState.self, from: data)
        #expect(decoded == timeline.state)
    }
}
