import Audit
@testable import CPMS
import Foundation
@testable import Remediation
import StoreTesting
import Testing

/// The auditor's side of the cadence and the anchor: checkpoints reach the anchor file once
/// each, in order, and one signed elsewhere (a CLI command) is copied at the next catch-up.
@Suite struct AuditorTests {
    let key = Array("k".utf8)

    func paths() -> (database: String, anchor: String) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-auditor-\(UUID().uuidString)").path
        return (base + ".sqlite", base + ".anchor.jsonl")
    }

    func anchored(_ path: String) throws -> [AuditCheckpoint] {
        try AuditAnchor.parse(String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self))
    }

    @Test func everyCheckpointIsAnchoredOnceInOrder() async throws {
        let (database, anchor) = paths()
        defer {
            removeSQLiteFiles(database)
            try? FileManager.default.removeItem(atPath: anchor)
        }
        let store = try StationStore(path: database)
        let auditor = Auditor(store: store, key: key, anchor: AuditAnchorWriter(path: anchor),
                              clock: { Date(timeIntervalSince1970: 1_800_000_000) }, log: { _, _, _ in })
        await auditor.record((1...150).map { AuditRecord(kind: "decision", actor: "rules", details: "entry \($0)") })
        #expect(try anchored(anchor).map(\.entryId) == [100])
        await auditor.checkpoint()
        await auditor.checkpoint()   // nothing new to sign
        #expect(try anchored(anchor).map(\.entryId) == [100, 150])
        #expect(try anchored(anchor) == (try await AuditStore(host: store).auditCheckpoints()).map { AuditCheckpoint(id: 0, sequence: $0.sequence, entryId: $0.entryId, hash: $0.hash, signature: $0.signature, at: $0.at, version: $0.version) })

        // A one-shot command signs without the anchor; the next serve's writer copies it.
        try await AuditStore(host: store).appendAudit([AuditRecord(kind: "operator", actor: "dana", details: "pause")], key: key, now: "2027-01-15T08:00:00.000Z")
        try await AuditStore(host: store).checkpointAudit(key: key, now: "2027-01-15T08:00:00.000Z")
        let writer = AuditAnchorWriter(path: anchor)   // named: see LoopbackCSMS on actor temporaries
        #expect(try await writer.catchUp(from: store) == 1)
        #expect(try anchored(anchor).map(\.sequence) == [1, 2, 3])
        let verdict = AuditChain.verify(entries: try await AuditStore(host: store).auditPage(afterId: 0, limit: 1_000), checkpoints: try await AuditStore(host: store).auditCheckpoints(),
                                        key: key, anchor: try anchored(anchor))
        #expect(verdict == .intact(entries: 151, checkpoints: 3))
    }

    @Test func aCorruptAnchorIsReportedNotOverwritten() async throws {
        let (database, anchor) = paths()
        defer {
            removeSQLiteFiles(database)
            try? FileManager.default.removeItem(atPath: anchor)
        }
        let store = try StationStore(path: database)
        #expect(FileManager.default.createFile(atPath: anchor, contents: Data("not json\n".utf8)))
        try await AuditStore(host: store).appendAudit([AuditRecord(kind: "system", actor: "system", details: "x")], key: key, now: "2027-01-15T08:00:00.000Z")
        try await AuditStore(host: store).checkpointAudit(key: key, now: "2027-01-15T08:00:00.000Z")
        let failing = AuditAnchorWriter(path: anchor)
        await #expect(throws: AuditAnchorWriter.WriteError.self) { try await failing.catchUp(from: store) }
        #expect(FileManager.default.contents(atPath: anchor) == Data("not json\n".utf8))
    }
}
