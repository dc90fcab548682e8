import Foundation
import StoreTesting
import Testing
@testable import CPMS

/// Per-station budgets: messages and bytes per minute, per station, across reconnections.
@Suite struct MessageBudgetTests {
    @Test func aStationOverItsMessageBudgetIsToldWhy() {
        var limits = MessageBudget.Limits()
        limits.messagesPerMinute = 60
        let budget = MessageBudget(limits: limits)
        let start = ContinuousClock.now
        for _ in 1...60 { #expect(budget.admit(station: "CP-1", bytes: 10, at: start) == nil) }
        #expect(budget.admit(station: "CP-1", bytes: 10, at: start) == "message budget exceeded: more than 60 messages within a minute")
        #expect(budget.admit(station: "CP-2", bytes: 10, at: start) == nil)               // per station
        #expect(budget.admit(station: "CP-1", bytes: 10, at: start + .seconds(60)) == nil) // a new minute
    }

    @Test func aStationOverItsByteBudgetIsToldWhy() {
        var limits = MessageBudget.Limits()
        limits.bytesPerMinute = 1 << 20
        let budget = MessageBudget(limits: limits)
        let start = ContinuousClock.now
        #expect(budget.admit(station: "CP-1", bytes: 1 << 20, at: start) == nil)
        #expect(budget.admit(station: "CP-1", bytes: 1, at: start + .seconds(1)) == "byte budget exceeded: more than 1048576 bytes within a minute")
    }

    @Test func zeroTurnsALimitOff() {
        var limits = MessageBudget.Limits()
        limits.messagesPerMinute = 0
        limits.bytesPerMinute = 0
        let budget = MessageBudget(limits: limits)
        for _ in 1...10_000 { #expect(budget.admit(station: "CP-1", bytes: 1_000_000) == nil) }
    }

    @Test func theRawLogKeepsOnlyTheNewestBytes() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bytes-\(UUID().uuidString).sqlite").path
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        _ = try await store.declareStation(id: "CP-1")
        let now = "2026-12-03T10:00:00.000Z"
        let log = MessageLog(store: store)
        for index in 1...10 { log.record(station: "CP-1", incoming: true, at: now, text: String(repeating: "x", count: 100) + "\(index)") }
        try await log.flush()
        // 10 frames of 101-102 characters; keep 350 characters: the three newest (8, 9, 10: 101 + 101 + 102 = 304 ≤ 350 < 405).
        try await store.pruneMessages(olderThanSeconds: 3_600, now: now, keepAtMost: 1_000, keepBytes: 350)
        #expect(try await store.messages(station: "CP-1").map { String($0.text.dropFirst(100)) } == ["8", "9", "10"])
    }

    /// The age limit finds where old frames stop by point reads (ids have gaps after earlier
    /// prunes) and deletes below it; nothing to delete deletes nothing; every frame too old
    /// goes, on both engines.
    @Test(arguments: TestEngine.all) func theAgeLimitCutsAtTheFirstRecentFrame(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "age")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        _ = try await store.declareStation(id: "CP-1")
        let log = MessageLog(store: store)
        for minute in 0..<40 { log.record(station: "CP-1", incoming: true, at: String(format: "2026-12-03T10:%02d:00.000Z", minute), text: "m\(minute)") }
        try await log.flush()
        try await store.pruneMessages(olderThanSeconds: 3_600, now: "2026-12-03T10:39:00.000Z", keepAtMost: 1_000)   // nothing that old
        #expect(try await store.messages(station: "CP-1", limit: 100).count == 40)
        try await store.pruneMessages(olderThanSeconds: 3_600, now: "2026-12-03T11:13:30.000Z", keepAtMost: 35)      // 10:13:30 and the newest 35
        #expect(try await store.messages(station: "CP-1", limit: 100).map(\.text) == (14..<40).map { "m\($0)" })
        try await store.pruneMessages(olderThanSeconds: 3_600, now: "2026-12-03T11:20:00.000Z", keepAtMost: 1_000)   // a gap below, cut at 10:20
        #expect(try await store.messages(station: "CP-1", limit: 100).map(\.text) == (20..<40).map { "m\($0)" })
        try await store.pruneMessages(olderThanSeconds: 3_600, now: "2026-12-03T12:00:00.000Z", keepAtMost: 1_000)   // all too old
        #expect(try await store.messages(station: "CP-1", limit: 100).isEmpty)
    }
}
