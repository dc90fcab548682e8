@testable import CPMS
import DomainEvents
import Foundation
import StoreTesting
import Synchronization
import Testing

/// The logs' upkeep prunes the event log by its clock, keeping what a consumer has not done
/// and the newest event, and goes on after a failure.
@Suite(.timeLimit(.minutes(1))) struct LogUpkeepTests {
    @Test(arguments: TestEngine.all) func oldEventsArePrunedOnTheUpkeepsClock(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "upkeep")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let log = EventLog(store: store)
        try await log.register("rules")
        for index in 1...4 {
            try await log.append(DomainEvent(id: "e\(index)", kind: .heartbeat,
                                             time: DomainEvent.storagePrecision(Date(timeIntervalSince1970: 1_767_225_600 + Double(index))),
                                             station: "CP-1"))
        }
        try await store.saveEventCursor(consumer: "rules", .init(cursor: EventCursor(position: 3), tickedThrough: nil), now: "2026-12-03T00:00:00.000Z")
        let failures = FailureLog()
        var upkeep = LogUpkeep(messages: MessageLog(store: store), quirks: QuirkLog(store: store), store: store,
                               clock: { Date(timeIntervalSince1970: 1_767_225_600 + 30 * 86_400) }) { what, _ in failures.add(what) }
        upkeep.flushInterval = .milliseconds(5)
        upkeep.pruneInterval = 3_600   // hourly, as serve: the first prune still comes at the start (the clock stands still here)
        upkeep.firstPruneAfter = 0
        let running = Task { await upkeep.run() }
        var remaining: [Int] = []
        for _ in 0..<200 {
            try await Task.sleep(for: .milliseconds(10))
            remaining = try await store.sequencedEvents(after: 0, limit: 10).map(\.sequence)
            if remaining == [4] { break }
        }
        running.cancel()
        await running.value
        #expect(remaining == [4])   // 1–3 done by the consumer and 30 days old; 4 not done yet
        #expect(failures.entries.isEmpty)
    }
}

final class FailureLog: Sendable {
    private let list = Mutex<[String]>([])
    func add(_ entry: String) { list.withLock { $0.append(entry) } }
    var entries: [String] { list.withLock { $0 } }
}
