import Foundation
import Testing
import VendorCatalog
@testable import RuleEngine

/// What no rule can override in the engine: a careless reset rule never resets a station with
/// a never-reset fault open (1.6 and 2.0.1, with the shipped catalogue); a breaker hold pauses
/// ladders, which re-check their condition when it ends; a command that did not go through
/// ends its rung at once; Vigil's own footprint never clears a condition.
@Suite struct SafetyAndHoldTests {
    static let shipped: VendorCatalog? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try? VendorCatalog.load(directory: root.appendingPathComponent("VendorCodes").path)
    }()

    static let careless = """
    - id: careless
      when:
        event: statusChanged
        where: { to: Faulted }
        for: 1s
      then:
        - reset: hard
    """

    static let ladder = """
    - id: stuck
      when:
        event: statusChanged
        where: { to: Faulted, ocppErrorCode: InternalError }
        for: 1m
      then:
        - reset: soft
          verify: { status: Available, within: 3m }
        - disableConnector: true
        - alert: { route: oncall, severity: major, text: "Tried: {{attempts}}" }
    """

    func timeline(_ yaml: String) throws -> Timeline {
        var timeline = Timeline(try rules(yaml))
        let catalog: VendorCatalog = try #require(Self.shipped)
        timeline.engine = RuleEngine(ruleSet: timeline.engine.ruleSet, catalog: catalog)
        return timeline
    }

    func resets(_ timeline: Timeline) -> [Decision] {
        timeline.decisions.filter { $0.kind == .act && $0.action?.type == .reset }
    }

    @Test(arguments: [
        "GroundFailure",                       // 1.6
        "RCD/Tripped",                         // 2.0.1 NotifyEvent, as CPMS names it
        "GroundIsolationProtection/Active",
        "HighTemperature",                     // overtemperature
        "PowerSwitchFailure",                  // contactor that may be welded
        "PowerContactor/Tripped",
    ])
    func aCarelessResetRuleNeverResetsASafetyFault(code: String) throws {
        var timeline = try timeline(Self.careless)
        timeline.send(faulted(at: 0, code: code))
        timeline.advance(toSecond: 60)
        #expect(resets(timeline).isEmpty, "\(code) was reset: \(timeline.lines)")
        let act = try #require(timeline.decisions.first { $0.kind == .act })
        #expect(act.action?.type == .disableConnector)
        #expect(act.reason.contains("is never reset automatically: disabling the connector instead"))
    }

    /// The alert the engine sends instead of a reset says so — which reset, and which fault
    /// where — ahead of the rule's own text (which spoke of a reset tried, and of this
    /// connector's code, not the ground fault on the other one).
    @Test func theAlertSentInsteadOfAResetSaysWhy() throws {
        var timeline = try timeline(Self.careless)
        timeline.send(faulted(at: 0, connector: 2, code: "GroundFailure"), faulted(at: 10, connector: 1, code: "InternalError"))
        timeline.advance(toSecond: 60)
        #expect(resets(timeline).isEmpty)
        let alert = try #require(timeline.decisions.first { $0.action?.type == .alert && $0.target.key == "CP-1/1" }, "\(timeline.lines)")
        #expect(alert.action?.severity == "safety")
        #expect(alert.action?.title == "CP-1/1: reset hard not sent — CP-1 has Generic OCPP GroundFailure open on connector 2", "\(alert.action?.title ?? "")")
        #expect(alert.action?.text?.hasPrefix("Vigil did not send a reset hard: CP-1 has Generic OCPP GroundFailure open on connector 2") == true)
        // The InternalError's own guidance ("Try a soft reset first") is not pasted into a page
        // whose point is not to reset; nor is the note on the inferred reset remedy.
        let text = alert.action?.text ?? ""
        #expect(!text.contains("Try a soft reset"), "\(text)")
        #expect(!text.contains("remedy for Generic OCPP InternalError is Vigil's inference"), "\(text)")
        #expect(text.contains("Do not reset this station remotely while the fault named above is open"), "\(text)")
    }

    /// An alert sent instead of a reset is not verified: the next rung (the disable) follows at
    /// once instead of after the reset's 3-minute check.
    @Test func anAlertSentInsteadOfAResetDoesNotWaitOutTheResetsCheck() throws {
        var timeline = try timeline(Self.ladder)
        timeline.send(faulted(at: 0, connector: 2, code: "GroundFailure"), faulted(at: 10, connector: 1, code: "InternalError"))
        timeline.advance(toSecond: 600)
        let ladder = timeline.decisions.filter { $0.target.key == "CP-1/1" && $0.kind == .act }
        #expect(ladder.map { $0.action?.type } == [.alert, .disableConnector, .alert], "\(timeline.lines)")
        #expect(Set(ladder.map(\.time)).count == 1, "\(timeline.lines)")
        #expect(ladder.first?.reason.contains("an alert went instead of the command, and an alert is not verified") == true)
        #expect(!timeline.decisions.contains { $0.kind == .verificationFailed && $0.target.key == "CP-1/1" })
    }

    /// `remedy: catalogue` for a vendor code the catalogue does not know: only the generic
    /// OtherError entry answers ("none"), which is a gap, not the manufacturer's word — on-call
    /// hears through the fallback instead of nothing happening.
    @Test func anUnknownVendorCodeUnderRemedyCatalogueAlertsInsteadOfNothing() throws {
        var timeline = try timeline("""
            - id: by-the-book
              when: { event: statusChanged, where: { to: Faulted } }
              then:
                - remedy: catalogue
                  fallback: { route: oncall, severity: major }
            """)
        timeline.send(event(.statusChanged, at: 0, connector: 1, vendor: "ABB", model: "Terra AC",
                            ["to": .string("Faulted"), "ocppErrorCode": .string("OtherError"), "vendorErrorCode": .string("ZZZ-42")]))
        let act = try #require(timeline.decisions.first { $0.kind == .act })
        #expect(act.action?.type == .alert && act.action?.route == "oncall", "\(timeline.lines)")
        #expect(act.reason.contains("no catalogue entry for vendor code ZZZ-42 (the generic Generic OCPP OtherError entry says none)"), "\(act.reason)")
    }

    /// The boots a ladder's own resets cause are not a reboot loop (they once aborted the shipped
    /// stuck-connector ladder before its disable and paged "reboot loop"); a station that keeps
    /// booting after one reset is.
    @Test func bootsCausedByVigilsResetsAreNotAnUnplannedRebootLoop() throws {
        let loop = """
            - id: loop
              when: { event: booted, where: { byVigil: false }, count: { atLeast: 3, within: 1h, by: station } }
              then:
                - alert: { route: oncall }
            """
        func reset(at seconds: Int, _ kind: String) -> DomainEvent {
            event(.commandResult, at: seconds, connector: 1, ["action": .string("Reset"), "status": .string("Accepted"), "rule": .string("x"),
                                                              "detail": .string("reset \(kind)"), "target": .string("CP-1/1"), "rung": .number(0)])
        }
        var vigils = try timeline(loop)
        vigils.send(event(.booted, at: 0), reset(at: 300, "soft"), event(.booted, at: 330), reset(at: 600, "hard"), event(.booted, at: 640))
        vigils.advance(toSecond: 1_000)
        #expect(!vigils.lines.contains { $0.contains("loop act") }, "\(vigils.lines)")
        var stations = try timeline(loop)
        stations.send(reset(at: 0, "soft"), event(.booted, at: 30), event(.booted, at: 60), event(.booted, at: 90), event(.booted, at: 120))
        stations.advance(toSecond: 300)
        #expect(stations.lines.contains("+120 loop act alert oncall CP-1"), "\(stations.lines)")
    }

    /// Vendor codes arriving as OtherError: the vendor's own entry must class them.
    @Test(arguments: [
        ("Delta Electronics", "X", "EV0086", "Delta EV0086"),   // RCD self-test failed
        ("Compleo", "X", "G", "Compleo G"),                     // contactor fault, possibly welded
        ("Zaptec", "Zaptec Go", "4096", "Zaptec 4096"),         // RCD trip, Go family
    ])
    func aCarelessResetRuleNeverResetsAVendorSafetyCode(vendor: String, model: String, code: String, entry: String) throws {
        var timeline = try timeline(Self.careless)
        timeline.send(event(.statusChanged, at: 0, connector: 1, vendor: vendor, model: model,
                            ["to": .string("Faulted"), "ocppErrorCode": .string("OtherError"), "vendorErrorCode": .string(code)]))
        timeline.advance(toSecond: 60)
        #expect(resets(timeline).isEmpty, "\(vendor) \(code) was reset: \(timeline.lines)")
        let act = try #require(timeline.decisions.first { $0.kind == .act })
        #expect(act.action?.type == .disableConnector)
        #expect(act.reason.contains("the catalogue says \(entry) is never reset automatically"))
    }

    @Test func aFaultOnAnotherConnectorStopsTheStationsReset() throws {
        var timeline = try timeline(Self.careless)
        timeline.send(faulted(at: 0, connector: 2, code: "GroundFailure"), faulted(at: 5, connector: 1, code: "InternalError"))
        timeline.advance(toSecond: 60)
        #expect(resets(timeline).isEmpty, "\(timeline.lines)")
        let connector1 = try #require(timeline.decisions.first { $0.kind == .act && $0.target.connector == 1 })
        #expect(connector1.action?.type == .alert && connector1.action?.severity == "safety")
        #expect(connector1.reason.contains("CP-1 has Generic OCPP GroundFailure open on connector 2, never reset automatically"))
    }

    /// What serve emits after Vigil disables a ground-faulted connector: Unavailable, with a
    /// `faultCleared` to Unavailable. The fault is still open: another connector's fault gets
    /// the safety alert, not a reset.
    @Test func aFaultClearedToUnavailableKeepsTheNeverResetFaultOpen() throws {
        var timeline = try timeline(Self.careless)
        timeline.send(faulted(at: 0, connector: 2, code: "GroundFailure"))
        timeline.send(event(.statusChanged, at: 20, connector: 2, ["from": .string("Faulted"), "to": .string("Unavailable")]),
                      event(.faultCleared, at: 20, connector: 2, ["to": .string("Unavailable"), "ocppErrorCode": .string("GroundFailure")]))
        timeline.send(faulted(at: 40, connector: 1, code: "InternalError"))
        timeline.advance(toSecond: 120)
        #expect(resets(timeline).isEmpty, "\(timeline.lines)")
        let connector1 = try #require(timeline.decisions.first { $0.kind == .act && $0.target.connector == 1 })
        #expect(connector1.action?.type == .alert && connector1.action?.severity == "safety")
    }

    /// The station-offline shape: an outage that began with a reboot Vigil caused (a reset)
    /// still ends when the station connects again — its `connected` is not Vigil's footprint.
    @Test func anOfflineIncidentAfterAResetClearsWhenTheStationConnectsAgain() throws {
        var timeline = try timeline("""
        - id: offline
          when:
            event: disconnected
            by: station
            for: 5s
            keepFor: 5s
            clearedBy: { event: [connected, booted] }
          then:
            - alert: { route: oncall, severity: major }
        """)
        timeline.send(event(.commandResult, at: 0, connector: 1, ["action": .string("Reset"), "status": .string("Accepted"), "rule": .string("x"),
                                                                  "detail": .string("reset hard"), "target": .string("CP-1"), "rung": .number(0)]))
        timeline.send(event(.disconnected, at: 1))
        timeline.advance(toSecond: 6)
        timeline.send(event(.connected, at: 6), event(.booted, at: 6))
        timeline.advance(toSecond: 30)
        #expect(timeline.lines == ["+6 offline act alert oncall CP-1", "+11 offline cleared CP-1"], "\(timeline.lines)")
    }

    @Test func theStationIsResetAgainOnceTheFaultIsGone() throws {
        var timeline = try timeline(Self.careless)
        timeline.send(faulted(at: 0, connector: 2, code: "GroundFailure"), available(at: 30, connector: 2),
                      faulted(at: 40, connector: 1, code: "InternalError"))
        timeline.advance(toSecond: 60)
        #expect(resets(timeline).map(\.target.key) == ["CP-1/1"])
    }

    func hold(at seconds: Int, until: Int) -> DomainEvent {
        event(.hold, at: seconds, station: "", site: nil,
              ["scope": .string("fleet"), "active": .bool(true), "until": .string(RFC3339.format(t0.addingTimeInterval(TimeInterval(until)))),
               "reason": .string("6 of 10 stations faulted")])
    }

    @Test func aHoldPausesTheLadderWhichResumesIfTheFaultIsStillThere() throws {
        var timeline = try timeline(Self.ladder)
        timeline.send(hold(at: 0, until: 900), faulted(at: 10))
        timeline.advance(toSecond: 1_000)
        #expect(timeline.lines.prefix(3) == ["+70 stuck held reset soft CP-1/1", "+900 stuck resumed CP-1/1", "+900 stuck act reset soft CP-1/1"])
        #expect(timeline.decisions.first?.reason.hasPrefix("the fleet breaker holds every automatic command until 2026-01-01T00:15:00Z") == true)
    }

    @Test func aHeldLadderWhoseFaultClearedSendsNothing() throws {
        var timeline = try timeline(Self.ladder)
        timeline.send(hold(at: 0, until: 900), faulted(at: 10), available(at: 300))
        timeline.advance(toSecond: 2_000)
        #expect(timeline.decisions.filter { $0.kind == .act }.isEmpty, "\(timeline.lines)")
        #expect(timeline.lines.contains("+900 stuck suppressed CP-1/1"))
    }

    /// A rule with no pattern keeps its incident open for its `activeFor`, whatever the
    /// connector says: a storm's held disable must still not go to a port that has recovered.
    @Test func aHeldLadderOfARuleWithoutAPatternSendsNothingToAConnectorBackInService() throws {
        let careless = """
            - id: disable-every-fault
              when: { event: statusChanged, where: { to: Faulted } }
              then:
                - disableConnector: true
            """
        var recovered = try timeline(careless)
        recovered.send(hold(at: 0, until: 900), faulted(at: 10), available(at: 300))
        recovered.advance(toSecond: 2_000)
        #expect(recovered.decisions.filter { $0.kind == .act }.isEmpty, "\(recovered.lines)")
        let suppressed = try #require(recovered.decisions.first { $0.kind == .suppressed })
        #expect(suppressed.reason == "the hold ended and the condition no longer holds (the connector reported Available since): nothing sent")
        var stillFaulted = try timeline(careless)
        stillFaulted.send(hold(at: 0, until: 900), faulted(at: 10))
        stillFaulted.advance(toSecond: 2_000)
        #expect(stillFaulted.lines.contains("+900 disable-every-fault resumed CP-1/1"), "\(stillFaulted.lines)")
        #expect(stillFaulted.lines.contains("+900 disable-every-fault act disableConnector CP-1/1"))
    }

    @Test func aHoldReportedByTheExecutorPausesAWaitingRung() throws {
        var timeline = try timeline(Self.ladder)
        timeline.send(faulted(at: 0))
        timeline.send(event(.commandResult, at: 61, connector: 1, ["action": .string("Reset"), "status": .string("Held"), "rule": .string("stuck"),
                                                                   "detail": .string("reset soft"), "target": .string("CP-1/1"), "rung": .number(0),
                                                                   "until": .string(RFC3339.format(t0.addingTimeInterval(600)))]))
        timeline.advance(toSecond: 400)
        // No verification failure, no disable: the ladder waits for the hold's end.
        #expect(timeline.lines == ["+60 stuck act reset soft CP-1/1", "+61 stuck held reset soft CP-1/1"])
        timeline.advance(toSecond: 600)
        #expect(timeline.lines.suffix(2) == ["+600 stuck resumed CP-1/1", "+600 stuck act reset soft CP-1/1"])
    }

    @Test func aRejectedCommandEndsTheRungAtOnceAndSaysWhy() throws {
        var timeline = try timeline(Self.ladder)
        timeline.send(faulted(at: 0))
        timeline.send(event(.commandResult, at: 62, connector: 1, ["action": .string("Reset"), "status": .string("Rejected"), "rule": .string("stuck"),
                                                                   "detail": .string("reset soft"), "target": .string("CP-1/1"), "rung": .number(0),
                                                                   "reason": .string("the station is busy")]))
        #expect(timeline.lines == ["+60 stuck act reset soft CP-1/1", "+62 stuck commandFailed CP-1/1", "+62 stuck act disableConnector CP-1/1",
                                   "+62 stuck act alert oncall CP-1/1"])
        #expect(timeline.decisions[1].reason == "rung 1: reset soft answered Rejected: the station is busy; not waiting for verification")
        let text = try #require(timeline.decisions[3].action?.text)
        #expect(text.hasPrefix("Tried: reset soft (answered Rejected: the station is busy); disableConnector"))
        // The generic InternalError remedy (a soft reset) is Vigil's own inference: the page says so.
        #expect(text.hasSuffix("Note: the softReset remedy for Generic OCPP InternalError is Vigil's inference, not the manufacturer's guidance."))
    }

    @Test func vigilsOwnDisableDoesNotClearTheCondition() throws {
        var timeline = try timeline("""
        - id: faulted
          when: { event: statusChanged, where: { to: Faulted }, for: 1m }
          then:
            - disableConnector: true
        """)
        timeline.send(faulted(at: 0, code: "OtherError"))
        timeline.send(event(.commandResult, at: 61, connector: 1, ["action": .string("ChangeAvailability"), "status": .string("Accepted"),
                                                                   "rule": .string("faulted"), "detail": .string("disableConnector"),
                                                                   "target": .string("CP-1/1"), "rung": .number(0)]))
        timeline.send(event(.statusChanged, at: 62, connector: 1, ["to": .string("Unavailable"), "ocppErrorCode": .string("NoError")]))
        #expect(!timeline.decisions.contains { $0.kind == .cleared }, "\(timeline.lines)")
        // The ladder ended with the connector out of service and no alert rung: on-call is told.
        #expect(timeline.decisions.contains { $0.action?.type == .alert && $0.action?.title == "CP-1 connector 1 taken out of service by Vigil" })
        // A technician's repair (Available) does clear it.
        timeline.send(available(at: 900))
        #expect(timeline.decisions.last?.kind == .cleared)
    }
}

/// An inhibition that opens while a ladder runs stops it before its next command, unless the
/// inhibitor says `running: continue`.
@Suite struct RunningLadderInhibitionTests {
    static func set(running: String?) throws -> RuleSet {
        try rules("""
            - id: reset-stuck
              when: { event: statusChanged, where: { to: Faulted }, for: 1m }
              then:
                - reset: soft
                  verify: { event: statusChanged, where: { to: Available }, within: 2m }
                - reset: hard
                  verify: { event: statusChanged, where: { to: Available }, within: 2m }
            - id: looping
              when: { event: booted, count: { atLeast: 2, within: 1h, by: station } }
              inhibit: { rules: [reset-stuck]\(running.map { ", running: \($0)" } ?? "") }
              then:
                - alert: { route: oncall }
            """)
    }

    func run(_ set: RuleSet) -> [String] {
        var timeline = Timeline(set)
        timeline.send(faulted(at: 0), event(.booted, at: 90), event(.booted, at: 100))
        timeline.advance(toSecond: 600)
        return timeline.lines
    }

    @Test func pauseHoldsTheLadderUntilTheInhibitionEnds() throws {
        var timeline = Timeline(try Self.set(running: "pause"))
        timeline.send(faulted(at: 0), event(.booted, at: 90), event(.booted, at: 100))
        timeline.advance(toSecond: 4_000)
        // The loop's incident lasts its activeFor (1h from +100): the hard reset waits for it.
        #expect(timeline.lines.contains("+180 reset-stuck held reset hard CP-1/1"))
        #expect(timeline.lines.contains("+3700 reset-stuck resumed CP-1/1"))
        #expect(timeline.lines.contains("+3700 reset-stuck act reset hard CP-1/1"))
        #expect(!timeline.lines.contains { $0.contains("suppressed") })
        let held = try #require(timeline.decisions.first { $0.kind == .held })
        #expect(held.reason.contains("inhibited by rule looping") && held.reason.contains("pauses"))
    }

    @Test func aPausedLadderWhoseFaultClearsSendsNothing() throws {
        var timeline = Timeline(try Self.set(running: "pause"))
        timeline.send(faulted(at: 0), event(.booted, at: 90), event(.booted, at: 100), available(at: 300))
        timeline.advance(toSecond: 4_000)
        #expect(!timeline.lines.contains("+3700 reset-stuck act reset hard CP-1/1"))
        #expect(timeline.lines.contains("+3700 reset-stuck suppressed CP-1/1"))
    }

    @Test func ruleActiveByLabelAndConnectorCanPauseToo() throws {
        let set = try rules("""
            - id: cable-check
              labels: { kind: inspection }
              when: { event: statusChanged, where: { ocppErrorCode: ConnectorLockFailure } }
              then:
                - record: { title: "{{station}}/{{connector}} under inspection" }
              activeFor: 30m
            - id: reset-stuck
              when: { event: statusChanged, where: { to: Faulted }, for: 1m }
              unless:
                ruleActive: { labels: { kind: inspection }, equal: connector, running: pause }
              then:
                - reset: soft
                  verify: { event: statusChanged, where: { to: Available }, within: 2m }
                - reset: hard
            """)
        var timeline = Timeline(set)
        // Connector 2's inspection does not hold connector 1 back; connector 1's own does.
        timeline.send(faulted(at: 0), faulted(at: 10, connector: 2, code: "ConnectorLockFailure"))
        timeline.advance(toSecond: 100)
        #expect(timeline.lines.contains("+60 reset-stuck act reset soft CP-1/1"))
        timeline.send(faulted(at: 120, connector: 1, code: "ConnectorLockFailure"))
        timeline.advance(toSecond: 3_000)
        #expect(timeline.lines.contains("+180 reset-stuck held reset hard CP-1/1"))
        #expect(timeline.lines.contains("+1920 reset-stuck act reset hard CP-1/1"))
        let held = try #require(timeline.decisions.first { $0.kind == .held })
        #expect(held.reason.contains("rule cable-check has an open incident for CP-1/1 (at the same connector)"))
    }

    @Test func abortIsTheDefault() throws {
        let lines = run(try Self.set(running: nil))
        #expect(lines.contains("+60 reset-stuck act reset soft CP-1/1"))
        #expect(lines.contains("+180 reset-stuck suppressed reset hard CP-1/1"))
        #expect(!lines.contains("+180 reset-stuck act reset hard CP-1/1"))
    }

    @Test func continueLetsTheRunningLadderFinish() throws {
        let lines = run(try Self.set(running: "continue"))
        #expect(lines.contains("+180 reset-stuck act reset hard CP-1/1"))
    }

    @Test func anUnknownChoiceIsAnError() {
        #expect(problems("""
            - id: a
              when: { event: booted }
              inhibit: { rules: [b], running: wait }
              then: [ { alert: { route: oncall } } ]
            - id: b
              when: { event: booted }
              then: [ { alert: { route: oncall } } ]
            """).contains { $0.contains("running") })
    }
}
