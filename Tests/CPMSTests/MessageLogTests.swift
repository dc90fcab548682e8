import Foundation
import StoreTesting
import Testing
@testable import CPMS
import DomainEvents
import Store

@Suite struct MessageLogTests {
    func store(_ engine: TestEngine) throws -> (StationStore, TestDatabase) {
        let test = try TestDatabase(engine, name: "log")
        return (try StationStore(location: test.location), test)
    }

    @Test(arguments: TestEngine.all) func framesAreWrittenWithTheNextGroupCommitInOrder(engine: TestEngine) async throws {
        let (store, test) = try store(engine)
        defer { test.remove() }
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
    @Test(arguments: TestEngine.all) func aWriteCommitCarriesTheFramesQueuedBeforeIt(engine: TestEngine) async throws {
        let (store, test) = try store(engine)
        defer { test.remove() }
        let log = MessageLog(store: store)
        for index in 0..<5_000 { log.record(station: "CP", incoming: true, at: "2026-11-26T01:00:00Z", text: "\(index)") }
        _ = try await store.recordSeen(id: "CP", online: true, now: "2026-11-26T01:00:00Z")
        // Nothing dropped however many were queued, and all of them in that commit.
        let frames = try await store.messages(station: "CP", limit: 10_000)
        #expect(frames.count == 5_000)
        #expect(frames.first?.text == "0" && frames.last?.text == "4999")
    }

    @Test(arguments: TestEngine.all) func retentionByAgeAndCount(engine: TestEngine) async throws {
        let (store, test) = try store(engine)
        defer { test.remove() }
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

/// The raw log's and the status history's station indexes are filled in batches: what a
/// station sent is found the same whether its rows are indexed yet or not.
@Suite struct BatchedStationIndexTests {
    @Test(arguments: TestEngine.all) func aStationsFramesAndHistoryAreFoundBeforeAndAfterTheIndexPass(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "index")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let log = MessageLog(store: store)
        func report(_ status: ConnectorStatus) -> StatusReport { StatusReport(evse: 1, connector: 1, status: status) }
        func indexed(_ table: String) throws -> [Int: Int] {
            let reader = try test.connect(readOnly: true)
            let rows = try reader.rows("SELECT indexed, count(*) FROM \(table) GROUP BY indexed")
            return Dictionary(uniqueKeysWithValues: rows.map { ($0[0].int ?? -1, $0[1].int ?? 0) })
        }
        // The first commit runs a pass (it indexes the frames written before it); then none
        // runs until the interval is shortened again.
        log.record(station: "CP-1", incoming: true, at: "2026-12-04T01:00:00.000Z", text: "a")
        log.record(station: "CP-2", incoming: true, at: "2026-12-04T01:00:00.000Z", text: "other")
        log.record(station: "CP-1", incoming: false, at: "2026-12-04T01:00:00.000Z", text: "b")
        try await log.flush()
        await store.setRowIndexingInterval(nanoseconds: .max)
        try await store.recordStatus(id: "CP-1", report(.available), registrationForUnknown: "accepted", now: "2026-12-04T01:00:01.000Z")
        log.record(station: "CP-1", incoming: true, at: "2026-12-04T01:00:02.000Z", text: "c")
        try await store.recordStatus(id: "CP-1", report(.charging), registrationForUnknown: "accepted", now: "2026-12-04T01:00:02.000Z")
        try await store.recordStatus(id: "CP-2", report(.faulted), registrationForUnknown: "accepted", now: "2026-12-04T01:00:02.000Z")
        #expect(try indexed("ocpp_messages") == [1: 3, 0: 1])
        #expect(try indexed("connector_status_history") == [0: 3])
        #expect(try await store.messages(station: "CP-1").map(\.text) == ["a", "b", "c"])
        #expect(try await store.messages(station: "CP-1", limit: 2).map(\.text) == ["b", "c"])
        #expect(try await store.history("CP-1").map(\.status) == [.available, .charging])   // oldest first

        await store.setRowIndexingInterval(nanoseconds: 0)
        try await store.recordStatus(id: "CP-1", report(.available), registrationForUnknown: "accepted", now: "2026-12-04T01:00:03.000Z")
        // The pass runs before the batch's own writes: the newest report waits for the next one.
        #expect(try indexed("ocpp_messages") == [1: 4])
        #expect(try indexed("connector_status_history") == [1: 3, 0: 1])
        #expect(try await store.messages(station: "CP-1").map(\.text) == ["a", "b", "c"])
        #expect(try await store.history("CP-1").map(\.status) == [.available, .charging, .available])
        #expect(try await store.history("CP-2").map(\.status) == [.faulted])
    }
}
