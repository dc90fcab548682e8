import Foundation
import Testing
@testable import CPMS

@Suite struct MessageLogTests {
    func store() throws -> (StationStore, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-log-\(UUID().uuidString).sqlite").path
        return (try StationStore(path: path), path)
    }

    @Test func framesAreWrittenWithTheNextGroupCommitInOrder() async throws {
        let (store, path) = try store()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let log = MessageLog(store: store)
        log.record(station: "CP-1", incoming: true, at: "2026-11-26T01:00:00Z", text: #"[2,"1","Heartbeat",{}]"#)
        log.record(station: "CP-1", incoming: false, at: "2026-11-26T01:00:00Z", text: #"[3,"1",{}]"#)
        log.record(station: "CP-2", incoming: true, at: "2026-11-26T01:00:01Z", text: "garbage")
        try await log.flush()
        #expect(try await log.flush() == 0)
        let frames = try await store.messages(station: "CP-1")
        #expect(frames.map(\.text) == [#"[2,"1","Heartbeat",{}]"#, #"[3,"1",{}]"#])
        #expect(frames.map(\.incoming) == [true, false])
        #expect(try await store.messages(station: "CP-1", limit: 1).map(\.text) == [#"[3,"1",{}]"#])   // the latest, oldest first
    }

    /// A frame is durable no later than what its message changed: any write's commit carries
    /// the frames queued before it, without waiting for a timer.
    @Test func aWriteCommitCarriesTheFramesQueuedBeforeIt() async throws {
        let (store, path) = try store()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let log = MessageLog(store: store)
        for index in 0..<5_000 { log.record(station: "CP", incoming: true, at: "2026-11-26T01:00:00Z", text: "\(index)") }
        _ = try await store.recordSeen(id: "CP", online: true, now: "2026-11-26T01:00:00Z")
        // Nothing dropped however many were queued, and all of them in that commit.
        let frames = try await store.messages(station: "CP", limit: 10_000)
        #expect(frames.count == 5_000)
        #expect(frames.first?.text == "0" && frames.last?.text == "4999")
    }

    @Test func retentionByAgeAndCount() async throws {
        let (store, path) = try store()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var retention = MessageLog.Retention()
        retention.maxAgeSeconds = 3600
        retention.maxFrames = 2
        let log = MessageLog(store: store, retention: retention)
        log.record(station: "CP", incoming: true, at: "2026-11-26T00:00:00Z", text: "old")
        for text in ["a", "b", "c"] { log.record(station: "CP", incoming: true, at: "2026-11-26T01:30:00Z", text: text) }
        try await log.flush()
        try await log.prune(now: "2026-11-26T02:00:00Z")
        #expect(try await store.messages(station: "CP").map(\.text) == ["b", "c"])
    }
}
