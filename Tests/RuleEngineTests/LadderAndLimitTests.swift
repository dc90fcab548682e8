import Foundation
import Testing
@testable import RuleEngine

@Suite struct LadderTests {
    let set: RuleSet

    init() throws {
        set = try rules("""
        - id: stuck
          when:
            event: statusChanged
            where: { to: Faulted }
          then:
            - reset: soft
              verify: { status: Available, within: 3m }
            - reset: hard
              verify: { event: booted, within: 5m }
            - disableConnector: true
              verify: { status: Unavailable, within: 1m }
        """)
    }

    @Test func aVerifiedRungEndsTheLadder() {
        var timeline = Timeline(set)
        timeline.send(faulted(at: 0), available(at: 100))
        timeline.advance(toSecond: 3_600)
        #expect(timeline.lines == ["+0 stuck act reset soft CP-1/1", "+100 stuck verified CP-1/1"])
    }

    @Test func verificationMustConcernTheSameConnector() {
        var timeline = Timeline(set)
        timeline.send(faulted(at: 0), available(at: 100, connector: 2), event(.booted, at: 400, station: "CP-9"))
        timeline.advance(toSecond: 3_600)
        #expect(timeline.lines == [
            "+0 stuck act reset soft CP-1/1", "+180 stuck verificationFailed CP-1/1", "+180 stuck act reset hard CP-1/1",
            "+480 stuck verificationFailed CP-1/1", "+480 stuck act disableConnector CP-1/1",
            "+540 stuck verificationFailed CP-1/1", "+540 stuck act alert oncall CP-1/1", "+540 stuck ladderExhausted CP-1/1",
        ])
    }

    @Test func aStationWideEventVerifiesAConnectorRung() {
        var timeline = Timeline(set)
        timeline.send(faulted(at: 0))
        timeline.advance(toSecond: 200)
        timeline.send(event(.booted, at: 300))
        #expect(timeline.lines.last == "+300 stuck verified CP-1/1")
    }

    @Test func theStationsOwnStatusDoesNotVerifyAConnector() {
        var timeline = Timeline(set)
        timeline.send(faulted(at: 0), available(at: 60, connector: 0))
        #expect(timeline.lines == ["+0 stuck act reset soft CP-1/1"])
    }

    @Test func aFiringWhileTheLadderRunsDoesNotStartASecondOne() {
        var timeline = Timeline(set)
        timeline.send(faulted(at: 0), faulted(at: 30), faulted(at: 60))
        #expect(timeline.lines == ["+0 stuck act reset soft CP-1/1"])
    }

    @Test func commandsThatDisturbALiveSessionAreNotSent() {
        var timeline = Timeline(set)
        timeline.send(event(.transactionStarted, at: 0, connector: 1, ["transactionId": .number(7)]), faulted(at: 10))
        // Each command is held back and reported; the ladder goes on (an alert rung would still run).
        #expect(timeline.lines == ["+10 stuck suppressed reset soft CP-1/1", "+10 stuck suppressed reset hard CP-1/1",
                                   "+10 stuck suppressed disableConnector CP-1/1", "+10 stuck ladderExhausted CP-1/1"])
        #expect(timeline.decisions.first?.reason.contains("a transaction is active") == true)
    }

    @Test func approvalsPauseTheLadder() throws {
        let set = try rules("""
        - id: hard-during-session
          when: { event: statusChanged, where: { to: Faulted } }
          then:
            - approve: { role: supervisor, timeout: 30m, onTimeout: skip }
            - reset: hard
              allowDuringSession: true
              verify: { event: booted, within: 5m }
            - alert: { route: oncall }
        """)
        func approval(at seconds: Int, approved: Bool) -> DomainEvent {
            event(.approval, at: seconds, ["rule": .string("hard-during-session"), "target": .string("CP-1/1"),
                                           "approved": .bool(approved), "by": .string("dana"), "role": .string("supervisor")])
        }
        var approved = Timeline(set)
        approved.send(faulted(at: 0), approval(at: 600, approved: true), event(.booted, at: 700))
        #expect(approved.lines == ["+0 hard-during-session act approve supervisor CP-1/1",
                                   "+0 hard-during-session awaitingApproval approve supervisor CP-1/1",
                                   "+600 hard-during-session approved CP-1/1", "+600 hard-during-session act reset hard CP-1/1",
                                   "+700 hard-during-session verified CP-1/1"])
        var rejected = Timeline(set)
        rejected.send(faulted(at: 0), approval(at: 60, approved: false))
        rejected.advance(toSecond: 7_200)
        #expect(rejected.lines.suffix(1) == ["+60 hard-during-session approvalRejected CP-1/1"])
        var unanswered = Timeline(set)
        unanswered.send(faulted(at: 0))
        unanswered.advance(toSecond: 7_200)
        #expect(unanswered.lines.suffix(2) == ["+1800 hard-during-session approvalTimedOut CP-1/1",
                                               "+1800 hard-during-session act alert oncall CP-1/1"])
    }
}

@Suite struct LimitTests {
    @Test func cooldownGrowsWithBackoffAndMaxAttemptsStopsIt() throws {
        let set = try rules("""
        - id: flappy
          when: { event: statusChanged, where: { to: Faulted } }
          then:
            - alert: { route: oncall }
          limits:
            cooldown: 10m
            backoff: { factor: 2, max: 30m }
            maxAttempts: 4
            attemptsWindow: 1d
        """)
        var timeline = Timeline(set)
        timeline.send(stride(from: 0, to: 7_200, by: 60).map { faulted(at: $0) })
        let acts = timeline.lines.filter { $0.contains(" act ") }
        // cooldowns 10m, 20m, 30m (capped): fires at 0, 600, 1800, 3600, then maxAttempts.
        #expect(acts == ["+0 flappy act alert oncall CP-1/1", "+600 flappy act alert oncall CP-1/1",
                         "+1800 flappy act alert oncall CP-1/1", "+3600 flappy act alert oncall CP-1/1"])
        let suppressed = timeline.decisions.filter { $0.kind == .suppressed }.map(\.reason)
        #expect(suppressed.first?.hasPrefix("in cooldown until 2026-01-01T00:10:00Z") == true)
        #expect(suppressed.last == "reached maxAttempts (4 within 1d)")
    }

    @Test func aBudgetCountsCommandsPerStation() throws {
        let set = try rules("""
        - id: resetter
          when: { event: statusChanged, where: { to: Faulted } }
          then:
            - reset: soft
          limits:
            budgets:
              - { per: station, max: 2, within: 24h, action: reset }
        """)
        var timeline = Timeline(set)
        timeline.send(faulted(at: 0, connector: 1), faulted(at: 10, connector: 2), faulted(at: 20, connector: 3),
                      faulted(at: 30, connector: 1, station: "CP-2"))
        #expect(timeline.lines == ["+0 resetter act reset soft CP-1/1", "+10 resetter act reset soft CP-1/2",
                                   "+20 resetter suppressed reset soft CP-1/3", "+30 resetter act reset soft CP-2/1"])
    }

    @Test func theHaltBreakerStopsARuleForASiteWhereTooMuchTripsAtOnce() throws {
        let set = try rules("""
        - id: resetter
          when: { event: statusChanged, where: { to: Faulted } }
          then:
            - reset: soft
          limits:
            haltWhen: { siteShare: 0.3, within: 15m, minStations: 3 }
        """)
        var timeline = Timeline(set)
        timeline.send((1...10).map { event(.connected, at: 0, station: "S\($0)") })
        timeline.send(faulted(at: 60, station: "S1"), faulted(at: 120, station: "S2"), faulted(at: 180, station: "S3"),
                      faulted(at: 240, station: "S4"), faulted(at: 1_300, station: "S5"))
        #expect(timeline.lines == ["+60 resetter act reset soft S1/1", "+120 resetter act reset soft S2/1",
                                   "+180 resetter act reset soft S3/1", "+240 resetter halted site:north",
                                   "+1300 resetter act reset soft S5/1"])
    }
}

@Suite struct GuardAndInhibitTests {
    @Test func guardsHoldTheRuleBack() throws {
        let set = try rules("""
        - id: reset-it
          when: { event: statusChanged, where: { to: Faulted }, for: 1m }
          unless: { transactionActive: true, maintenance: true, silenced: true, stationOffline: true, where: { ocppErrorCode: NoError } }
          then:
            - alert: { route: oncall }
        """)
        let window = MaintenanceWindow(site: "north", from: t0.addingTimeInterval(1_000), to: t0.addingTimeInterval(2_000))
        let silence = Silence(rule: "reset-it", station: "CP-3", from: t0, to: t0.addingTimeInterval(10_000))
        var timeline = Timeline(set, environment: RuleEnvironment(maintenance: [window], silences: [silence]))
        timeline.send(event(.transactionStarted, at: 0, connector: 1, ["transactionId": .string("t1")]), faulted(at: 10),
                      faulted(at: 20, station: "CP-3"),
                      faulted(at: 40, station: "CP-4"), event(.disconnected, at: 45, station: "CP-4"),
                      faulted(at: 50, station: "CP-5", code: "NoError"), faulted(at: 60, station: "CP-6"), faulted(at: 1_500, station: "CP-2"))
        timeline.advance(toSecond: 3_600)
        let reasons = timeline.decisions.map { "\($0.target.key) \($0.kind.rawValue) \($0.reason)" }
        #expect(reasons == [
            "CP-1/1 suppressed unless transactionActive: a transaction is active",
            "CP-3/1 suppressed unless silenced: a silence covers it",
            "CP-4/1 suppressed unless stationOffline: the station is not connected",
            "CP-5/1 suppressed unless where: the event matches the exception",
            "CP-6/1 act rung 1 of 1 after statusChanged condition held for 1m",
            "CP-2/1 suppressed unless maintenance: inside a maintenance window",
        ])
    }

    @Test func anOfflineStationInhibitsItsConnectorAlertsUntilItReconnects() throws {
        let set = try rules("""
        - id: offline
          when:
            event: disconnected
            for: 2m
            clearedBy: { event: connected }
            by: station
          then:
            - alert: { route: oncall }
          inhibit: { rules: [connector-fault], equal: station }
        - id: connector-fault
          when: { event: statusChanged, where: { to: Faulted } }
          then:
            - alert: { route: oncall }
        """)
        var timeline = Timeline(set)
        timeline.send(event(.connected, at: 0), event(.disconnected, at: 10))
        timeline.advance(toSecond: 200)
        timeline.send(faulted(at: 300), faulted(at: 310, station: "CP-2"), event(.connected, at: 400), faulted(at: 500, connector: 2))
        #expect(timeline.lines == ["+130 offline act alert oncall CP-1", "+300 connector-fault suppressed CP-1/1",
                                   "+310 connector-fault act alert oncall CP-2/1", "+400 offline cleared CP-1",
                                   "+500 connector-fault act alert oncall CP-1/2"])
        #expect(timeline.decisions[1].reason == "inhibited by rule offline (open for CP-1)")
    }

    @Test func ruleActiveHoldsResetsDuringARebootLoop() throws {
        let set = try rules("""
        - id: reboot-loop
          when: { event: booted, count: { atLeast: 3, within: 1h, by: station } }
          then:
            - alert: { route: oncall }
          activeFor: 6h
        - id: reset-on-fault
          when: { event: statusChanged, where: { to: Faulted } }
          unless: { ruleActive: [reboot-loop] }
          then:
            - reset: soft
        """)
        var timeline = Timeline(set)
        timeline.send(event(.booted, at: 0), event(.booted, at: 60), event(.booted, at: 120), faulted(at: 200),
                      faulted(at: 200 + 6 * 3_600, connector: 2))
        #expect(timeline.lines == ["+120 reboot-loop act alert oncall CP-1", "+200 reset-on-fault suppressed CP-1/1",
                                   "+21800 reset-on-fault act reset soft CP-1/2"])
    }
}
