import DomainEvents
import Foundation
import Remediation
import RuleEngine
import Testing

/// What the event stream sends for a committed event and for a recorded decision.
@Suite struct LiveUpdateTests {
    @Test func anEventCarriesItsSequenceAndItsStoredForm() {
        let event = DomainEvent(id: "e-1", kind: .statusChanged, time: Date(timeIntervalSince1970: 1_795_000_000), station: "CP-1",
                                connector: 2, evse: 2, fields: ["to": .string("Faulted")])
        let update = LiveUpdate.event(SequencedEvent(sequence: 41, event: event))
        #expect(update.kind == "event" && update.id == "41")
        #expect(update.json == "{\"sequence\":41,\"event\":" + event.storageJSON + "}")
    }

    @Test func aDecisionCarriesItsIdFirstAsTheDecisionsRouteShowsIt() throws {
        let decision = Decision(time: Date(timeIntervalSince1970: 1_795_000_000), rule: "ask-before-reset", ruleHash: "h", mode: .enforce,
                                kind: .awaitingApproval, target: RuleTarget(key: "CP-1/1", station: "CP-1", connector: 1), eventIds: ["e-1"],
                                reason: "waiting")
        let update = try #require(LiveUpdate.decision(StoredDecision(id: 7, decision: decision)))
        #expect(update.kind == "decision" && update.id == "7" && update.json.hasPrefix("{\"id\":7,\"eventIds\""))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(update.json.utf8)) as? [String: Any])
        #expect(object["kind"] as? String == "awaitingApproval" && object["rule"] as? String == "ask-before-reset")
    }
}
