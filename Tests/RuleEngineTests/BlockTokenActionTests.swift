import Foundation
import RuleEngine
import Testing

/// `blockToken` names the triggering event's `idTag` in its decision (nothing is sent to the
/// station), says so when the event has none, and is neither verified nor turned off.
@Suite struct BlockTokenActionTests {
    static let yaml = """
        - id: block-on-concurrent-use
          when: { event: fraudSuspected, where: { signal: concurrentUse }, by: [station, idTag] }
          then:
            - blockToken: true
            - alert: { route: fraud, title: "{{idTag}} blocked" }
        - id: block-on-bursts
          when: { event: fraudSuspected, where: { signal: authorizationBurst } }
          then:
            - blockToken: true
        """

    @Test func theDecisionNamesTheEventsTokenAndTheAlertFollows() throws {
        var timeline = Timeline(try rules(Self.yaml))
        timeline.send(event(.fraudSuspected, at: 5, station: "CP-2", connector: 1,
                            ["signal": .string("concurrentUse"), "idTag": .string("04A1B2C3"), "otherStation": .string("CP-1")]),
                      event(.fraudSuspected, at: 6, station: "CP-2", ["signal": .string("noMeterValues"), "idTag": .string("X")]))
        #expect(timeline.lines == ["+5 block-on-concurrent-use act blockToken 04A1B2C3 CP-2|idTag:04A1B2C3",
                                   "+5 block-on-concurrent-use act alert fraud CP-2|idTag:04A1B2C3"])
        let block = try #require(timeline.decisions.first?.action)
        #expect(block.type == .blockToken && block.token == "04A1B2C3" && !block.type.isCommand)
    }

    /// The default alert text speaks of a fault's code and guidance; for a rule on another
    /// event it says what happened instead (it used to read "- code - (-): not in the vendor
    /// catalogue … What to do: No catalogue entry for this code").
    @Test func theDefaultAlertOfANonFaultRuleSaysWhatHappened() throws {
        var timeline = Timeline(try rules("""
            - id: probing
              description: Someone is trying card numbers
              when: { event: fraudSuspected, where: { signal: tokenProbing } }
              then:
                - alert: { route: fraud }
            """))
        timeline.send(event(.fraudSuspected, at: 5, station: "CP-2", ["signal": .string("tokenProbing"), "idTag": .string("0001")]))
        let alert = try #require(timeline.decisions.first?.action)
        #expect(alert.title == "probing: fraudSuspected at CP-2")
        #expect(alert.text == "Someone is trying card numbers\nfraudSuspected at CP-2: idTag=0001 signal=tokenProbing\nTried: nothing yet")
        #expect(alert.trigger == .fraudSuspected)
    }

    @Test func anEventWithoutATokenBlocksNothingAndSaysSo() throws {
        var timeline = Timeline(try rules(Self.yaml))
        timeline.send(event(.fraudSuspected, at: 5, station: "CP-3", ["signal": .string("authorizationBurst")]))
        let decision = try #require(timeline.decisions.first)
        #expect(decision.action?.type == .blockToken && decision.action?.token == nil)
        #expect(decision.reason.contains("names no idTag: nothing to block"))
    }

    @Test func aBlockIsNotVerifiedNorWrittenFalse() {
        let found = problems("""
            - id: b
              when: { event: fraudSuspected }
              then:
                - blockToken: false
                - blockToken: true
                  verify: { event: booted, within: 1m }
            """)
        #expect(found == [
            "bad.yaml:4:19: rule \"b\" then[1]: \"blockToken: false\" does nothing; remove the rung",
            "bad.yaml:6:15: rule \"b\" then[2]: a token block is not verified; put verify on a command rung",
        ])
    }
}
