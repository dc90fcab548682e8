import Foundation
import Testing
@testable import RuleEngine

@Suite struct SustainedPatternTests {
    let set: RuleSet

    init() throws {
        set = try rules("""
        - id: stuck
          when:
            event: statusChanged
            where: { to: Faulted }
            for: 5m
            keepFor: 1m
          then:
            - alert: { route: oncall }
        """)
    }

    @Test func firesWhenTheConditionStillHoldsAfterTheDuration() {
        var timeline = Timeline(set)
        timeline.send(faulted(at: 10))
        timeline.advance(toSecond: 3_600)
        #expect(timeline.lines == ["+310 stuck act alert oncall CP-1/1"])
    }

    @Test func clearingBeforeTheDurationCancelsIt() {
        var timeline = Timeline(set)
        timeline.send(faulted(at: 10), available(at: 100))
        timeline.advance(toSecond: 3_600)
        #expect(timeline.lines.isEmpty)
    }

    @Test func aStrayClearingShorterThanKeepForDoesNotRestartTheClock() {
        var timeline = Timeline(set)
        timeline.send(faulted(at: 10), available(at: 100), faulted(at: 130))
        timeline.advance(toSecond: 3_600)
        #expect(timeline.lines == ["+310 stuck act alert oncall CP-1/1"])
    }

    @Test func aClearingThatOutlastsKeepForRestartsTheClock() {
        var timeline = Timeline(set)
        timeline.send(faulted(at: 10), available(at: 100), faulted(at: 200))
        timeline.advance(toSecond: 3_600)
        #expect(timeline.lines == ["+500 stuck act alert oncall CP-1/1"])
    }

    @Test func firesOncePerEpisodeAndAgainAfterItClears() {
        var timeline = Timeline(set)
        timeline.send(faulted(at: 0), faulted(at: 400), faulted(at: 500), available(at: 600), faulted(at: 1_000))
        timeline.advance(toSecond: 3_600)
        #expect(timeline.lines == ["+300 stuck act alert oncall CP-1/1", "+660 stuck cleared CP-1/1", "+1300 stuck act alert oncall CP-1/1"])
    }

    @Test func connectorsAreIndependentGroups() {
        var timeline = Timeline(set)
        timeline.send(faulted(at: 0, connector: 1), faulted(at: 60, connector: 2), available(at: 120, connector: 1))
        timeline.advance(toSecond: 3_600)
        #expect(timeline.lines == ["+360 stuck act alert oncall CP-1/2"])
    }
}

@Suite struct CountPatternTests {
    let set: RuleSet

    init() throws {
        set = try rules("""
        - id: reboots
          when:
            event: booted
            count: { atLeast: 3, within: 1h, by: station }
          then:
            - alert: { route: oncall }
        """)
    }

    @Test func firesOnTheNthEventInsideTheWindow() {
        var timeline = Timeline(set)
        timeline.send(event(.booted, at: 0), event(.booted, at: 1_000), event(.booted, at: 3_599))
        #expect(timeline.lines == ["+3599 reboots act alert oncall CP-1"])
        #expect(timeline.decisions.first?.eventIds == ["booted@0", "booted@1000", "booted@3599"])
    }

    @Test func anEventExactlyOneWindowOldHasLeftTheWindow() {
        var timeline = Timeline(set)
        timeline.send(event(.booted, at: 0), event(.booted, at: 1_000), event(.booted, at: 3_600))
        #expect(timeline.lines.isEmpty)
        timeline.send(event(.booted, at: 3_700))
        #expect(timeline.lines == ["+3700 reboots act alert oncall CP-1"])
    }

    @Test func groupsBelowTheCountNeverFire() {
        var timeline = Timeline(set)
        timeline.send(event(.booted, at: 0, station: "A"), event(.booted, at: 10, station: "B"),
                      event(.booted, at: 20, station: "A"), event(.booted, at: 30, station: "C"))
        timeline.advance(toSecond: 86_400)
        #expect(timeline.lines.isEmpty)
    }

    @Test func theWindowStartsAfreshAfterFiring() {
        var timeline = Timeline(set)
        timeline.send((0..<6).map { event(.booted, at: $0 * 10) })
        #expect(timeline.lines == ["+20 reboots act alert oncall CP-1", "+50 reboots act alert oncall CP-1"])
    }
}

@Suite struct AbsentPatternTests {
    let set: RuleSet

    init() throws {
        set = try rules("""
        - id: silent
          when:
            event: heartbeat
            absent: { for: 10m, warmUp: 15m }
          then:
            - alert: { route: oncall }
        """)
    }

    @Test func firesWhenTheEventStopsComing() {
        var timeline = Timeline(set)
        timeline.send(event(.connected, at: 0), event(.heartbeat, at: 60), event(.heartbeat, at: 660), event(.heartbeat, at: 1_000), event(.heartbeat, at: 1_300))
        timeline.advance(toSecond: 10_000)
        #expect(timeline.lines == ["+1900 silent act alert oncall CP-1"])
    }

    @Test func aStationThatConnectsAndNeverSendsTheEventIsSilentAfterTheWarmUp() {
        var timeline = Timeline(set)
        timeline.send(event(.connected, at: 0))
        timeline.advance(toSecond: 10_000)
        #expect(timeline.lines == ["+900 silent act alert oncall CP-1"])
    }

    @Test func staysQuietDuringTheWarmUpAfterAReconnect() {
        var timeline = Timeline(set)
        timeline.send(event(.connected, at: 0), event(.heartbeat, at: 60), event(.heartbeat, at: 600), event(.heartbeat, at: 1_000), event(.connected, at: 1_500))
        timeline.advance(toSecond: 10_000)
        // Silence since 1500 (reconnect); due at max(1500+10m, 1500+15m) = 2400.
        #expect(timeline.lines == ["+2400 silent act alert oncall CP-1"])
    }

    @Test func aRestartedEngineWithOldStateDoesNotFireBeforeItsWarmUp() throws {
        var timeline = Timeline(set)
        timeline.send(event(.connected, at: 0), event(.heartbeat, at: 60))
        let saved = try JSONEncoder().encode(timeline.state)
        // Vigil is down for two hours; the charger kept heartbeating to nobody.
        var restored = try JSONDecoder().decode(RuleEngineState.self, from: saved)
        let restart = t0.addingTimeInterval(7_260)
        timeline.engine.start(at: restart, state: &restored)
        timeline.state = restored
        timeline.decisions = []
        timeline.advance(toSecond: 7_260 + 899)
        #expect(timeline.lines.isEmpty)
        timeline.send(event(.heartbeat, at: 7_300))
        timeline.advance(toSecond: 20_000)
        // Silent since 7300 (due 7900), but the warm-up after the restart lasts until 8160.
        #expect(timeline.lines == ["+8160 silent act alert oncall CP-1"])
    }

    @Test func firesOncePerSilence() {
        var timeline = Timeline(set)
        timeline.send(event(.connected, at: 0), event(.heartbeat, at: 60), event(.heartbeat, at: 600), event(.heartbeat, at: 1_000))
        timeline.advance(toSecond: 5_000)
        timeline.send(event(.heartbeat, at: 5_000))
        timeline.advance(toSecond: 7_000)
        #expect(timeline.lines == ["+1600 silent act alert oncall CP-1", "+5000 silent cleared CP-1", "+5600 silent act alert oncall CP-1"])
    }
}

@Suite struct RecurringRatioSequenceTests {
    @Test func recurringNeedsDistinctDaysInsideTheSpan() throws {
        let set = try rules("""
        - id: same-error
          when:
            event: statusChanged
            where: { to: Faulted }
            recurring: { days: 3, within: 7d, by: connector }
          then:
            - alert: { route: oncall }
        """)
        var timeline = Timeline(set)
        let day = 86_400
        timeline.send(faulted(at: 100), faulted(at: 200), faulted(at: day + 100))
        #expect(timeline.lines.isEmpty)
        timeline.send(faulted(at: 9 * day))   // day 0 and 1 have left the 7-day span
        #expect(timeline.lines.isEmpty)
        timeline.send(faulted(at: 10 * day), faulted(at: 11 * day + 5))
        #expect(timeline.lines == ["+\(11 * day + 5) same-error act alert oncall CP-1/1"])
    }

    @Test func ratioWaitsForItsMinimumSampleAndRearmsAfterRecovery() throws {
        let set = try rules("""
        - id: site-success
          when:
            event: transactionEnded
            ratio: { success: { success: true }, below: 0.6, within: 24h, minSamples: 5, by: site }
          then:
            - alert: { route: oncall }
        """)
        var timeline = Timeline(set)
        let outcomes = [false, false, false, false, true, true, true, true, true, true, true, false, false, false, false, false, false, false]
        timeline.send(outcomes.enumerated().map { index, ok in
            event(.transactionEnded, at: index * 60, station: "CP-\(index % 3)", connector: 1, ["success": .bool(ok)])
        })
        // 5th sample: 1/5 = 20% → fires. Sample 11 (600 s): 7/11 ≥ 60% re-arms it; sample 12
        // (660 s): 7/12 < 60% trips it again. Nothing more while it stays tripped.
        #expect(timeline.lines == ["+240 site-success act alert oncall site:north", "+540 site-success cleared site:north",
                                   "+660 site-success act alert oncall site:north"])
    }

    @Test func sequenceFollowedByAndNotFollowedBy() throws {
        let set = try rules("""
        - id: reset-no-boot
          when:
            event: commandResult
            where: { action: Reset, status: Accepted }
            sequence: { notFollowedBy: { event: booted }, within: 10m }
          then:
            - alert: { route: oncall }
        - id: fault-after-boot
          when:
            event: booted
            sequence: { followedBy: { event: statusChanged, where: { to: Faulted } }, within: 2m }
          then:
            - alert: { route: oncall }
        """)
        var timeline = Timeline(set)
        let reset = event(.commandResult, at: 0, ["action": .string("Reset"), "status": .string("Accepted")])
        timeline.send(reset, event(.booted, at: 90), faulted(at: 150))
        let otherReset = event(.commandResult, at: 1_000, station: "CP-2", ["action": .string("Reset"), "status": .string("Accepted")])
        timeline.send(otherReset, event(.booted, at: 1_000 + 700, station: "CP-2"), faulted(at: 1_000 + 1_000, station: "CP-2"))
        timeline.advance(toSecond: 10_000)
        #expect(timeline.lines == [
            "+150 fault-after-boot act alert oncall CP-1",
            "+1600 reset-no-boot act alert oncall CP-2",
        ])
    }
}
