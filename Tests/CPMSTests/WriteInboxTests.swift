import DomainEvents
import Foundation
import StoreTesting
import Testing
@testable import CPMS

/// Writes queued off the store's thread (`WriteInbox`) and writes queued on it (`committed`)
/// share the group commit: every one is committed once, the event log's sequences follow the
/// order the writes ran in, and the consumers get them in that order.
@Suite(.timeLimit(.minutes(1))) struct WriteInboxTests {
    func event(_ index: Int, station: String) -> DomainEvent {
        DomainEvent(id: "e\(index)", kind: .heartbeat, time: Date(timeIntervalSince1970: 1_767_225_600), station: station)
    }

    @Test(arguments: TestEngine.all) func inboxAndStoreWritesInterleaveInOneOrder(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "inbox")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let log = EventLog(store: store)
        try await log.register("rules")
        for station in 0..<20 { _ = try await store.declareStation(id: "CP-\(station)") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<400 {
                group.addTask {
                    if index % 3 == 0 {
                        _ = try await log.append(event(index, station: "CP-\(index % 20)"))   // queued on the store
                    } else {
                        let appending = await log.inCommit(urgent: index % 7 == 0)             // through the inbox
                        try await store.recordSeen(id: "CP-\(index % 20)", online: true, now: "2026-12-05T10:00:00.000Z",
                                                   appending: [event(index, station: "CP-\(index % 20)")], to: appending)
                    }
                }
            }
            try await group.waitForAll()
        }
        let stored = try await store.sequencedEvents(after: 0, limit: 1_000)
        #expect(stored.map(\.sequence) == Array(1...400), "every write committed once, sequences without gaps")
        #expect(Set(stored.map(\.event.id)).count == 400)
        let (delivered, _) = await log.next("rules", limit: 1_000)
        #expect(delivered.map(\.sequence) == Array(1...400), "handed on in the order they were committed")
        #expect(await store.groupCommitStatistics.writes == 400)
    }

    @Test(arguments: TestEngine.all) func aFailingInboxWriteFailsAloneAndItsCallerGetsTheError(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "inbox-fail")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let log = EventLog(store: store)
        try await log.register("rules")
        _ = try await store.declareStation(id: "CP-1")
        // A failing write and good ones submitted together, so that they likely share a batch.
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<10 {
                group.addTask {
                    do {
                        if index == 5 {
                            _ = try await store.submitted { store in try store.database.run("INSERT INTO no_such_table VALUES (1)") }
                        } else {
                            let appending = await log.inCommit(urgent: false)
                            try await store.recordSeen(id: "CP-1", online: true, now: "2026-12-05T10:00:00.000Z",
                                                       appending: [event(index, station: "CP-1")], to: appending)
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { !$0 }.count == 1, "only the broken write fails")
        #expect(try await store.sequencedEvents(after: 0, limit: 20).count == 9)
    }
}
