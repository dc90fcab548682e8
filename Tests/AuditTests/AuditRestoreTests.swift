@testable import Audit
import Foundation
import Store
import Testing
@testable import CPMS

/// A trail backed up while it grows, then restored: it verifies with the same key.
@Suite struct AuditRestoreTests {
    let key = Array("restore-key-0123456789".utf8)

    @Test func aRestoredTrailVerifiesWithTheKey() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-restore-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let live = directory.appendingPathComponent("vigil.sqlite").path
        let backup = directory.appendingPathComponent("backup.sqlite").path
        let restored = directory.appendingPathComponent("restored.sqlite").path
        let store = try StationStore(path: live)
        let audit = AuditStore(host: store)
        func append(_ index: Int) async throws {
            try await audit.appendAudit([AuditRecord(kind: "command", actor: "rules", station: "CP-1", rule: "stuck", action: "reset soft",
                                                     outcome: "accepted", details: "entry \(index)")],
                                        key: key, now: "2026-01-01T00:00:\(String(format: "%02d", index % 60)).000Z")
        }
        for index in 1...150 { try await append(index) }   // a checkpoint at 100, 50 unsigned after it
        _ = try SQLiteBackup.copy(from: live, to: backup)
        for index in 151...170 { try await append(index) }   // written after the copy: not in it
        _ = try SQLiteBackup.restore(from: backup, to: restored, supportedSchemaVersion: StationStore.latestSchemaVersion, replacing: false)
        let copy = try StationStore(readingFrom: restored)
        let entries = try await AuditStore(host: copy).auditPage(afterId: 0, limit: 10_000)
        #expect(entries.count == 150)
        let verdict = AuditChain.verify(entries: entries, checkpoints: try await AuditStore(host: copy).auditCheckpoints(), key: key,
                                        now: AuditChain.parseTime("2026-01-01T00:01:00.000Z"), anchor: nil)
        #expect(verdict == .intact(entries: 150, checkpoints: 1))
        let wrongKey = AuditChain.verify(entries: entries, checkpoints: try await AuditStore(host: copy).auditCheckpoints(),
                                         key: Array("another-key-0123456789".utf8), now: AuditChain.parseTime("2026-01-01T00:01:00.000Z"), anchor: nil)
        #expect(wrongKey != verdict)
    }
}
