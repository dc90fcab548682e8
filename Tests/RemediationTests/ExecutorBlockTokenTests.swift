import Audit
@testable import CPMS
import Foundation
@testable import Remediation
@testable import RuleEngine
import StoreTesting
import Testing

/// A rule's `blockToken`: the token is blocked in the registry with an audit entry; a dry-run
/// rule and the kill switch leave it alone, also on record.
@Suite struct ExecutorBlockTokenTests {
    let safety = ExecutorSafetyTests()

    func block(_ token: String?, mode: RuleMode = .enforce) -> StoredDecision {
        var action = DecidedAction(type: .blockToken)
        action.token = token
        var decision = safety.decision(action, station: "CP-1", connector: 1)
        decision.mode = mode
        return StoredDecision(id: 7, decision: decision)
    }

    func entries(_ store: StationStore) async throws -> [AuditRecord] {
        try await AuditStore(host: store).auditEntries(AuditQuery(kind: "token")).map(\.record)
    }

    @Test func aKnownTokenIsBlockedAndKeepsItsDetails() async throws {
        let f = try await safety.fixture()
        defer { removeSQLiteFiles(f.path) }
        try await f.store.saveToken(IdTokenRecord(token: "TAG", status: .accepted, parent: "fleet-a", note: "van 3", sites: ["north"]),
                                    now: "2026-12-05T10:00:00Z")
        await f.executor.handle([block("TAG")])
        let token = try #require(try await f.store.token("TAG"))
        #expect(token.status == .blocked)
        #expect((token.parent, token.sites) == ("fleet-a", ["north"]))
        #expect(token.note?.hasPrefix("van 3; blocked by rule careless at ") == true)
        let audit = try await entries(f.store)
        #expect(audit.map(\.outcome) == ["blocked"])
        #expect(audit.first?.action == "blockToken TAG")
        #expect(audit.first?.details.hasPrefix("decision 7: TAG blocked (was accepted)") == true)
        // Again: nothing changes, and the record says so.
        await f.executor.handle([block("TAG")])
        #expect(try await entries(f.store).compactMap(\.outcome).sorted() == ["blocked", "unchanged"])
    }

    @Test func anUnknownTokenIsAddedBlocked() async throws {
        let f = try await safety.fixture()
        defer { removeSQLiteFiles(f.path) }
        await f.executor.handle([block("NEW")])
        #expect(try await f.store.token("NEW")?.status == .blocked)
    }

    @Test func dryRunKillSwitchAndAMissingTokenBlockNothing() async throws {
        let f = try await safety.fixture()
        defer { removeSQLiteFiles(f.path) }
        try await f.store.saveToken(IdTokenRecord(token: "TAG", status: .accepted), now: "2026-12-05T10:00:00Z")
        await f.executor.handle([block("TAG", mode: .dryRun)])
        await f.executor.handle([block(nil)])
        let auditor = Auditor(store: f.store, key: nil) { _, _, _ in }
        try await RemediationExecutor.setKillSwitch(true, store: f.store, by: "dana", reason: "test", auditor: auditor)
        await f.executor.handle([block("TAG")])
        #expect(try await f.store.token("TAG")?.status == .accepted)
        #expect(try await entries(f.store).compactMap(\.outcome).sorted() == ["dry-run", "refused", "refused"])
    }
}
