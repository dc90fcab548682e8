import Audit
import CPMS
import Foundation
import Remediation
import ServiceLog
import StoreTesting
import Testing
@testable import vigil

/// serve signs at start what was left unsigned; when that is more than a run ever leaves (its
/// checkpoints deleted, say), it says so on the trail first, and `vigil audit verify` names it.
@Suite struct AuditLateSigningTests {
    static let key = Array("the-trail-key".utf8)

    func trail(unsignedAt time: String) async throws -> (StationStore, TestDatabase) {
        let test = try TestDatabase(.sqlite, name: "late")
        let store = try StationStore(location: test.location)
        try await AuditStore(host: store).appendAudit([AuditRecord(kind: "operator", actor: "dana", action: "kill switch on", details: "x"),
                                                       AuditRecord(kind: "operator", actor: "dana", action: "kill switch off", details: "y")],
                                                      key: nil, now: time)
        return (store, test)
    }

    @Test func anUnsignedTailOlderThanTheCadenceIsSignedWithANoteOnTheTrail() async throws {
        let (store, test) = try await trail(unsignedAt: "2026-01-01T00:00:00.000Z")
        defer { test.remove() }
        let auditor = Auditor(store: store, key: Self.key, log: { _, _, _ in })
        await ServeCommand.noteLateSigning(store: store, auditor: auditor, log: Log(minimum: .error),
                                           now: Date(timeIntervalSince1970: 1_767_229_200))   // 2026-01-01T01:00:00Z
        await auditor.checkpoint()
        let entries = try await AuditStore(host: store).auditEntries(AuditQuery())
        let note = try #require(entries.last)
        #expect(note.record.action == AuditChain.lateSigningAction && note.record.actor == "serve" && note.record.outcome == "signed late")
        #expect(note.record.details.hasPrefix("entries 1…2 (2, the oldest written 2026-01-01T00:00:00.000Z) had no checkpoint"), "\(note.record.details)")
        #expect(try await AuditStore(host: store).unsignedTail() == nil)
    }

    @Test func whatAKilledRunLeftMomentsAgoIsSignedWithoutANote() async throws {
        let (store, test) = try await trail(unsignedAt: "2026-01-01T00:00:00.000Z")
        defer { test.remove() }
        let auditor = Auditor(store: store, key: Self.key, log: { _, _, _ in })
        await ServeCommand.noteLateSigning(store: store, auditor: auditor, log: Log(minimum: .error),
                                           now: Date(timeIntervalSince1970: 1_767_225_630))   // 30 s later
        #expect(try await AuditStore(host: store).auditEntries(AuditQuery()).count == 2)
    }
}
