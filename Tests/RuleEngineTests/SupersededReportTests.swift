import Foundation
import Testing
@testable import RuleEngine

/// A status report the charger queued while offline and sent after a newer one (`superseded`)
/// is history: it reaches only rules that name `superseded`, never opens, clears or verifies a
/// condition otherwise, leaves the station's facts alone, and a command decided on it carries
/// the mark the executor refuses it by.
@Suite struct SupersededReportTests {
    static func stale(_ to: String, at seconds: Int, code: String = "GroundFailure") -> DomainEvent {
        event(.statusChanged, at: seconds, connector: 1, ["to": .string(to), "ocppErrorCode": .string(code), "from": .string("Available"),
                                                          "queuedOffline": .bool(true), "superseded": .bool(true)])
    }

    @Test func aCarelessRuleDoesNotActOnASupersededFault() throws {
        var timeline = Timeline(try rules("""
        - id: careless
          when:
            event: statusChanged
            where: { to: Faulted }
          then:
            - disableConnector: true
        - id: sustained
          when:
            event: statusChanged
            where: { to: Faulted }
            for: 1m
          then:
            - reset: hard
        """))
        timeline.send(Self.stale("Faulted", at: 10))
        timeline.advance(toSecond: 600)
        #expect(timeline.lines.isEmpty)
        #expect(timeline.state.stations["CP-1"]?.statuses[1] == nil)
        #expect(timeline.state.stations["CP-1"]?.neverResetFaults.isEmpty ?? true)
    }

    @Test func aSupersededAvailableNeitherClearsNorVerifies() throws {
        var timeline = Timeline(try rules("""
        - id: stuck
          when:
            event: statusChanged
            where: { to: Faulted, ocppErrorCode: InternalError }
            for: 1m
          then:
            - alert: { route: oncall, severity: major, text: "stuck" }
        """))
        timeline.send(faulted(at: 0))
        timeline.send(Self.stale("Available", at: 30, code: "NoError"))
        timeline.advance(toSecond: 61)
        #expect(timeline.lines == ["+60 stuck act alert oncall CP-1/1"])
    }

    @Test func aRuleThatNamesSupersededSeesItAndItsCommandIsMarked() throws {
        var timeline = Timeline(try rules("""
        - id: replayed-fault
          when:
            event: statusChanged
            where: { to: Faulted, superseded: true }
          then:
            - disableConnector: true
            - alert: { route: oncall, severity: major, text: "a fault while offline" }
        """))
        timeline.send(Self.stale("Faulted", at: 10))
        let act = try #require(timeline.decisions.first { $0.kind == .act })
        #expect(act.action?.type == .disableConnector)
        #expect(act.action?.onSupersededReport == true)
        let acts = timeline.decisions.filter { $0.kind == .act }.count
        timeline.send(faulted(at: 20, code: "GroundFailure"))
        timeline.advance(toSecond: 600)
        #expect(timeline.decisions.filter { $0.kind == .act }.count == acts)   // a live fault does not match `superseded: true`
    }
}
