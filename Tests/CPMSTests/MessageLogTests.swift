import Foundation
import Testing
@testable import CPMS

@Suite struct MessageLogTests {
    func store() throws -> (StationStore, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-log-\(UUID().uuidString).sqlite").path
        return (try StationStore(path: path), path)
    }

    @Test func framesAreWrittenInBatchesAndReadBackInOrder() async throws {
        let (store, path) = try store()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let log = MessageLog(store: store)
        log.record(station: "CP-1", incoming: true, at: "2026-11-26T01:00:00Z", text: #"[2,"1","Heartbeat",{}]"#)
        log.record(station: "CP-1", incoming: false, at: "2026-11-26T01:00:00Z", text: #"[3,"1",{}]"#)
        log.record(station: "CP-2", incoming: true, at: "2026-11-26T01:00:01Z", text: "garbage")
        #expect(try await store.messages(station: "CP-1").isEmpty)   // nothing before the flush
        #expect(try await log.flush() == 3)
        #expect(try await log.flush() == 0)
        let frames = try await store.messages(station: "CP-1")
        #expect(frames.map(\.text) == [#"[2,"1","Heartbeat",{}]"#, #"[3,"1",{}]"#])
        #expect(frames.map(\.incoming) == [true, false])
        #expect(try await store.messages(station: "CP-1", limit: 1).map(\.text) == [#"[3,"1",{}]"#])   // the latest, oldest first
    }

    @Test func aFullBufferDropsAndCountsInsteadOfGrowing() async throws {
        let (store, path) = try store()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let log = MessageLog(store: store, bufferLimit: 3)
        for index in 0..<5 { log.record(station: "CP", incoming: true, at: "2026-11-26T01:00:00Z", text: "\(index)") }
        #expect(log.dropped == 2)
        #expect(try await log.flush() == 3)
        #expect(try await store.messages(station: "CP").map(\.text) == ["0", "1", "2"])
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
