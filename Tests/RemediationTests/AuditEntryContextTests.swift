import Audit
import DomainEvents
import Foundation
@testable import Remediation
import Testing

/// The evidence a decision entry carries is read back as events; an item that is not one is
/// counted, and the evidence then never counts as agreeing (fail closed).
@Suite struct AuditEntryContextTests {
    @Test func unreadableEvidenceIsCountedNotSkipped() {
        let event = DomainEvent(id: "e1", kind: .statusChanged, time: Date(timeIntervalSince1970: 1_700_000_000), station: "CP-1",
                                connector: 1, fields: ["to": .string("Faulted")])
        let details = #"{"decisionId":3,"kind":"act","evidence":["# + event.storageJSON + #",{"junk":1}]}"#
        let entry = AuditEntry(id: 9, at: "2026-12-05T08:00:00.000Z",
                               record: AuditRecord(kind: "decision", actor: "rules", details: details), previousHash: "", hash: "")
        let (events, unreadable) = AuditEntryContext.evidence(in: entry)
        #expect(events["e1"] == event && unreadable == 1)
        var context = AuditEntryContext(entry: entry, hashMatches: true, linkMatches: true)
        context.chainedEvidence = events
        #expect(context.evidenceAgrees)
        context.unreadableEvidence = unreadable
        #expect(!context.evidenceAgrees)
    }
}
