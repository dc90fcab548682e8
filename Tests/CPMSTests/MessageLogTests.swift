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

    /// The timeline's default frames: Vigil's calls, the answers to them, and the station's
    /// boots — not its other calls, nor Vigil's answers to them.
    @Test(arguments: TestEngine.all) func theTimelinesDefaultFramesAreVigilsCallsTheirAnswersAndBoots(engine: TestEngine) async throws {
        let (store, test) = try store(engine)
        defer { test.remove() }
        let log = MessageLog(store: store)
        let frames: [(Bool, String)] = [(true, #"[2,"1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]"#),
                                        (false, #"[3,"1",{"status":"Accepted"}]"#), (true, #"[2,"2","Heartbeat",{}]"#),
                                        (false, #"[2,"m","Reset",{"type":"Soft"}]"#), (true, #"[3,"m",{"status":"Accepted"}]"#),
                                        (true, #"[2,"3","DataTransfer",{"vendorId":"BootNotification"}]"#)]
        for (incoming, text) in frames { log.record(station: "CP-1", incoming: incoming, at: "2026-12-04T01:00:00.000Z", text: text) }
        try await log.flush()
        let read = try await store.frames(station: "CP-1", from: nil, to: nil, selection: .vigilsCalls, limit: 10).map(\.text)
        #expect(read == [frames[0].1, frames[3].1, frames[4].1])
    }

    /// Each change of a station's connection, in order, within the window.
    @Test(arguments: TestEngine.all) func aStationsConnectionsAndDisconnectionsAreRead(engine: TestEngine) async throws {
        let (store, test) = try store(engine)
        defer { test.remove() }
        try await store.recordStatus(id: "CP-1", StatusReport(evse: 1, connector: 1, status: .available), registrationForUnknown: "accepted",
                                     now: "2026-12-04T01:00:00.000Z")
        try await store.recordSeen(id: "CP-1", online: true, now: "2026-12-04T01:00:01.000Z")
        try await store.recordDisconnect(id: "CP-1", at: "2026-12-04T01:05:00.000Z")
        try await store.recordSeen(id: "CP-1", online: true, now: "2026-12-04T02:00:00.000Z")
        let all = try await store.connectivity(station: "CP-1", from: nil, to: nil, limit: 10)
        #expect(all.map(\.online).suffix(3) == [true, false, true])
        #expect(all.last?.at == "2026-12-04T02:00:00.000Z")
        let window = try await store.connectivity(station: "CP-1", from: "2026-12-04T01:04:00.000Z", to: "2026-12-04T01:59:00.000Z", limit: 10)
        #expect(window.map(\.online) == [false] && window.first?.at == "2026-12-04T01:05:00.000Z")
        #expect(try await store.connectivity(station: "CP-2", from: nil, to: nil, limit: 10).isEmpty)
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
        /// The table's station entries and its mark.
        func indexed(_ table: String) throws -> (entries: Int, mark: Int) {
            let reader = try test.connect(readOnly: true)
            let entries = try reader.rows("SELECT count(*) FROM \(table)_by_station").first?.first?.int ?? -1
            let mark = try reader.rows("SELECT indexed_through FROM row_index_marks WHERE name = ?", table).first?.first?.int ?? -1
            return (entries, mark)
        }
        // Three frames, then a commit that runs a pass (it indexes the frames written before
        // it); then none runs until the interval is shortened again. (The frames may reach the
        // store in one batch or several: no pass runs while they are written.)
        await store.setRowIndexingInterval(nanoseconds: .max)
        log.record(station: "CP-1", incoming: true, at: "2026-12-04T01:00:00.000Z", text: "a")
        log.record(station: "CP-2", incoming: true, at: "2026-12-04T01:00:00.000Z", text: "other")
        log.record(station: "CP-1", incoming: false, at: "2026-12-04T01:00:00.000Z", text: "b")
        try await log.flush()
        await store.setRowIndexingInterval(nanoseconds: 0)
        try await store.committed { _ in () }
        await store.setRowIndexingInterval(nanoseconds: .max)
        try await store.recordStatus(id: "CP-1", report(.available), registrationForUnknown: "accepted", now: "2026-12-04T01:00:01.000Z")
        log.record(station: "CP-1", incoming: true, at: "2026-12-04T01:00:02.000Z", text: "c")
        try await store.recordStatus(id: "CP-1", report(.charging), registrationForUnknown: "accepted", now: "2026-12-04T01:00:02.000Z")
        try await store.recordStatus(id: "CP-2", report(.faulted), registrationForUnknown: "accepted", now: "2026-12-04T01:00:02.000Z")
        #expect(try indexed("ocpp_messages") == (3, 3))
        #expect(try indexed("connector_status_history") == (0, 0))
        #expect(try await store.messages(station: "CP-1").map(\.text) == ["a", "b", "c"])
        #expect(try await store.messages(station: "CP-1", limit: 2).map(\.text) == ["b", "c"])
        #expect(try await store.history("CP-1").map(\.status) == [.available, .charging])   // oldest first
        #expect(try await store.statusReports(station: "CP-1", from: nil, to: nil, limit: 10).map(\.status) == ["Available", "Charging"])

        await store.setRowIndexingInterval(nanoseconds: 0)
        try await store.recordStatus(id: "CP-1", report(.available), registrationForUnknown: "accepted", now: "2026-12-04T01:00:03.000Z")
        // The pass runs before the batch's own writes: the newest report waits for the next one.
        #expect(try indexed("ocpp_messages") == (4, 4))
        #expect(try indexed("connector_status_history") == (3, 3))
        #expect(try await store.messages(station: "CP-1").map(\.text) == ["a", "b", "c"])
        #expect(try await store.messages(station: "CP-1", limit: 2).map(\.text) == ["b", "c"])
        #expect(try await store.history("CP-1").map(\.status) == [.available, .charging, .available])
        #expect(try await store.history("CP-1", limit: 1).map(\.status) == [.available])
        #expect(try await store.history("CP-2").map(\.status) == [.faulted])
        #expect(try await store.statusReports(station: "CP-1", from: nil, to: nil, limit: 2).map(\.status) == ["Charging", "Available"])
        #expect(try await store.frames(station: "CP-1", from: nil, to: nil, selection: .all, limit: 10).map(\.text) == ["a", "b", "c"])
        // A page taken across the index and the tail: each part stops at the limit, the page is
        // the newest (timeline) or the oldest (evidence) of the whole, in order.
        await store.setRowIndexingInterval(nanoseconds: .max)
        log.record(station: "CP-1", incoming: false, at: "2026-12-04T01:00:04.000Z", text: "d")
        log.record(station: "CP-2", incoming: false, at: "2026-12-04T01:00:04.000Z", text: "other d")
        try await log.flush()
        #expect(try await store.frames(station: "CP-1", from: nil, to: nil, selection: .all, limit: 2).map(\.text) == ["c", "d"])
        #expect(try await store.frames(station: "CP-1", from: "2026-12-04T01:00:01.000Z", to: nil, selection: .all, limit: 5).map(\.text) == ["c", "d"])
        #expect(try await store.frames(station: "CP-1", from: "2026-12-04T00:00:00.000Z", to: "2026-12-04T02:00:00.000Z", limit: 3).map(\.text)
                == ["a", "b", "c"])
        #expect(try await store.frames(station: "CP-1", from: "2026-12-04T01:00:02.000Z", to: "2026-12-04T02:00:00.000Z", limit: 3).map(\.text)
                == ["c", "d"])
        #expect(try await store.statusReports(station: "CP-1", from: "2026-12-04T01:00:02.000Z", to: nil, limit: 1).map(\.status) == ["Available"])
    }

    @Test(arguments: TestEngine.all) func aPassInSmallStepsIndexesEveryRowOnceAndMovesTheMarkLast(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "index-steps")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let log = MessageLog(store: store)
        await store.setRowIndexingInterval(nanoseconds: .max)
        let stations = (0..<7).map { "CP-\($0)" }
        for round in 0..<30 {
            for station in stations { log.record(station: station, incoming: round % 2 == 0, at: "2026-12-04T01:00:00.000Z", text: "\(station)/\(round)") }
        }
        try await log.flush()
        // Steps of 5 entries (20 rows read): 210 rows take 11 steps to read and 42 to insert,
        // one per batch (the pass also asks for batches of its own).
        await store.setRowIndexingInterval(nanoseconds: 0, chunk: 5)
        var steps = 0
        let reader = try test.connect(readOnly: true)
        func mark() throws -> Int { try reader.rows("SELECT indexed_through FROM row_index_marks WHERE name = 'ocpp_messages'").first?.first?.int ?? -1 }
        while try mark() < 210 {
            #expect(try mark() == 0)   // the mark moves only when every entry of the pass is in
            // Each batch of the store runs one step; an empty write makes a batch.
            try await store.committed { _ in () }
            steps += 1
            // Whatever the pass has done so far, every frame is found once, in order.
            #expect(try await store.messages(station: "CP-3", limit: 100).map(\.text) == (0..<30).map { "CP-3/\($0)" })
            if steps > 100 { break }
        }
        #expect(try reader.rows("SELECT count(*) FROM ocpp_messages_by_station").first?.first?.int == 210)
        let ordered = try reader.rows("SELECT id FROM ocpp_messages_by_station WHERE station = 'CP-3' ORDER BY id").map { $0[0].int ?? 0 }
        #expect(ordered == (0..<30).map { 4 + $0 * 7 })
    }

    /// The real upgrade to the side tables: a database at the schema before them (version 20's
    /// flag, rows indexed and not) keeps every frame and report findable, indexed by the
    /// migration, the marks at the newest rows and the flag gone.
    @Test(arguments: TestEngine.all) func aDatabaseFromBeforeTheSideTablesFindsEveryRowAfterTheUpgrade(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "index-upgrade")
        defer { test.remove() }
        let sideTables = try #require(CPMSSchema.migrations.migrations.first { $0.name.hasPrefix("station indexes of the raw log") })
        do {
            let database = try test.connect()
            try Migrator(CPMSSchema.migrations.migrations.filter { $0.version < sideTables.version }).migrate(database)
            for (number, station) in ["CP-1", "CP-2", "CP-1", "CP-1"].enumerated() {
                try database.run("INSERT INTO ocpp_messages (station, incoming, at, text, indexed) VALUES (?, 1, '2026-12-04T01:00:00.000Z', ?, ?)",
                                 station, "frame \(number)", number < 2 ? 1 : 0)
            }
            try database.run("INSERT INTO stations (id, registration) VALUES ('CP-1', 'accepted')")
            try database.run("""
                INSERT INTO connector_status_history (station, evse, connector, status, received_at, indexed)
                VALUES ('CP-1', 1, 1, 'Available', '2026-12-04T01:00:00.000Z', 1), ('CP-1', 1, 1, 'Charging', '2026-12-04T01:00:01.000Z', 0)
                """)
        }
        let store = try StationStore(location: test.location)
        await store.setRowIndexingInterval(nanoseconds: .max)
        #expect(try await store.messages(station: "CP-1").map(\.text) == ["frame 0", "frame 2", "frame 3"])
        #expect(try await store.history("CP-1").map(\.status) == [.available, .charging])
        let reader = try test.connect(readOnly: true)
        #expect(try reader.rows("SELECT name, indexed_through FROM row_index_marks ORDER BY name")
                == [[.text("connector_status_history"), .integer(2)], [.text("ocpp_messages"), .integer(4)]])
        #expect(try reader.rows("SELECT count(*) FROM ocpp_messages_by_station").first?.first == .integer(4))
        #expect(throws: (any Error).self) { try reader.rows("SELECT indexed FROM ocpp_messages") }
    }

    /// SQLite hands out max(id) + 1: when the newest rows are deleted, their ids come back. A
    /// log pruned empty (a fleet quiet past the retention) and a removed station whose reports
    /// were the newest must not leave new rows at or below the mark (never indexed, never read)
    /// nor old entries pointing at another station's reused row.
    @Test(arguments: TestEngine.all) func idsGivenOutAgainAfterTheNewestRowsWentAreStillFound(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "index-reuse")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        var retention = MessageLog.Retention()
        retention.maxAgeSeconds = 3_600
        let log = MessageLog(store: store, retention: retention)
        func report(_ status: ConnectorStatus) -> StatusReport { StatusReport(evse: 1, connector: 1, status: status) }
        await store.setRowIndexingInterval(nanoseconds: 0)
        for text in ["old 1", "old 2"] { log.record(station: "CP-A", incoming: true, at: "2026-12-04T01:00:00.000Z", text: text) }
        try await log.flush()
        try await store.recordStatus(id: "CP-A", report(.available), registrationForUnknown: "accepted", now: "2026-12-04T01:00:00.000Z")
        try await store.recordStatus(id: "CP-B", report(.faulted), registrationForUnknown: "accepted", now: "2026-12-04T01:00:01.000Z")
        try await store.committed { _ in () }   // a pass indexes everything so far
        // The whole log is past the retention; the station with the newest report is removed.
        try await log.prune(now: "2026-12-05T01:00:00.000Z")
        #expect(try await store.removeStation(id: "CP-B"))
        await store.setRowIndexingInterval(nanoseconds: .max)
        log.record(station: "CP-A", incoming: true, at: "2026-12-05T01:00:00.000Z", text: "new")
        try await log.flush()
        try await store.recordStatus(id: "CP-A", report(.charging), now: "2026-12-05T01:00:00.000Z")
        try await store.recordStatus(id: "CP-B", report(.available), registrationForUnknown: "accepted", now: "2026-12-05T01:00:01.000Z")
        #expect(try await store.messages(station: "CP-A").map(\.text) == ["new"])
        #expect(try await store.history("CP-A").map(\.status) == [.available, .charging])
        #expect(try await store.history("CP-B").map(\.status) == [.available])
        await store.setRowIndexingInterval(nanoseconds: 0)
        try await store.committed { _ in () }   // and after the next pass
        #expect(try await store.messages(station: "CP-A").map(\.text) == ["new"])
        #expect(try await store.history("CP-A").map(\.status) == [.available, .charging])
        #expect(try await store.history("CP-B").map(\.status) == [.available])
    }

    @Test(arguments: TestEngine.all) func pruningTheLogRemovesTheIndexEntriesOfPrunedFrames(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "index-prune")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        var retention = MessageLog.Retention()
        retention.maxFrames = 4
        let log = MessageLog(store: store, retention: retention)
        await store.setRowIndexingInterval(nanoseconds: 0)
        for number in 0..<10 { log.record(station: number % 2 == 0 ? "CP-A" : "CP-B", incoming: true, at: "2026-12-04T01:00:00.000Z", text: "\(number)") }
        try await log.flush()
        try await store.committed { _ in () }   // a pass indexes the ten
        try await log.prune(now: "2026-12-04T01:00:01.000Z")
        let reader = try test.connect(readOnly: true)
        #expect(try reader.rows("SELECT count(*) FROM ocpp_messages_by_station").first?.first?.int == 4)
        #expect(try await store.messages(station: "CP-A").map(\.text) == ["6", "8"])
        #expect(try await store.messages(station: "CP-B").map(\.text) == ["7", "9"])
    }
}
