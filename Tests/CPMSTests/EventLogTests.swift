import DomainEvents
import Foundation
import StoreTesting
import Synchronization
import Testing
@testable import CPMS

/// The durable event log: appended in the group commit, consumed by cursor, resumed after a
/// restart without loss, with backpressure instead of drops.
@Suite(.timeLimit(.minutes(1))) struct EventLogTests {
    func path() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vigil-events-\(UUID().uuidString).sqlite").path
    }

    func event(_ index: Int, _ kind: EventKind = .heartbeat, station: String = "CP-1") -> DomainEvent {
        DomainEvent(id: "e\(index)", kind: kind, time: DomainEvent.storagePrecision(Date(timeIntervalSince1970: 1_767_225_600 + Double(index) / 1_000)),
                    station: station,
                    fields: kind == .statusChanged ? ["to": .string("Faulted")] : [:])
    }

    @Test(arguments: TestEngine.all) func appendedEventsAreDurableAndReachTheConsumerInOrder(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "events")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let log = EventLog(store: store)
        try await log.register("rules")
        var sequences: [Int] = []
        for index in 1...5 { sequences.append(try await log.append(event(index))) }
        #expect(sequences == [1, 2, 3, 4, 5])
        // Durable before append returned: the store has them, readable as the same events.
        #expect(try await store.sequencedEvents(after: 0, limit: 10).map(\.event) == (1...5).map { event($0) })
        let (batch, cursor) = await log.next("rules", limit: 3)
        #expect(batch.map(\.sequence) == [1, 2, 3])
        #expect(cursor == EventCursor(position: 3))
        #expect(log.statistics.consumers.first?.lag == 2)
    }

    /// A timestamped report's clock sample is taken in the status write itself, which decides
    /// there whether the report was queued while the station was offline.
    @Test(arguments: TestEngine.all) func aTimestampedStatusTakesItsClockSampleInTheSameCommit(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "clock")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let log = EventLog(store: store)
        try await log.register("rules")
        let report = StatusReport(evse: 1, connector: 1, status: .available)
        _ = try await store.recordStatusReport(id: "CP-1", report, registrationForUnknown: "accepted", clockOffset: 30, now: "2026-12-04T01:00:00.000Z")
        _ = try await store.recordStatusReport(id: "CP-1", report, clockOffset: 30, now: "2026-12-04T01:00:01.000Z")
        // A report an hour behind the station's clock was queued while it was offline: flagged
        // on the row and on the event, in the one commit that stores both.
        let commitsBefore = await store.groupCommitStatistics.batches
        let faulted = StatusReport(evse: 1, connector: 1, status: .faulted, errorCode: "GroundFailure")
        let appending = StationStore.StatusEvents(log: await log.inCommit(urgent: true)) { stored, _, queuedOffline, _ in
            stored ? [DomainEvent(id: "late", kind: .statusChanged, time: Date(timeIntervalSince1970: 0), station: "CP-1",
                                  fields: queuedOffline ? ["queuedOffline": .bool(true)] : [:])] : []
        }
        let result = try await store.recordStatusReport(id: "CP-1", faulted, clockOffset: -3_600, now: "2026-12-04T01:00:02.000Z", appending: appending)
        #expect(result.stored && result.queuedOffline)
        #expect(await store.groupCommitStatistics.batches == commitsBefore + 1, "the clock sample, the status and its event: one commit")
        let (batch, _) = await log.next("rules", limit: 10)
        #expect(batch.map { $0.event.fields["queuedOffline"] } == [.bool(true)])
        let history = try await store.history("CP-1")
        #expect(history.filter(\.queuedOffline).map(\.status) == [.faulted] && history.count == 3)
        #expect(abs(try #require(try await store.clockSkew(of: "CP-1")) - 30) < 0.001, "the queued report does not move the estimate")
    }

    /// A fault report's session error line and its catalogue gap go into the status write: the
    /// charger's answer, and a command a rule sends after it, wait for one commit, not three.
    @Test(arguments: TestEngine.all) func aFaultsSessionErrorAndCatalogGapAreInTheStatusCommit(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "fault-commit")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let report = StatusReport(evse: 1, connector: 1, status: .charging)
        _ = try await store.recordStatusReport(id: "CP-1", report, registrationForUnknown: "accepted", now: "2026-12-04T01:00:00.000Z")
        let session = try await store.startSession(station: "CP-1", evse: 1, connector: 1, transactionRef: "7", idToken: "A",
                                                   authorization: "accepted", startTime: "2026-12-04T01:00:00.000Z", meterStartWh: 0,
                                                   now: "2026-12-04T01:00:00.000Z")
        let commitsBefore = await store.groupCommitStatistics.batches
        let faulted = StatusReport(evse: 1, connector: 1, status: .faulted, errorCode: "GroundFailure", vendorErrorCode: "E99")
        let seen = Mutex<[String?]>([])
        let result = try await store.recordStatusReport(id: "CP-1", faulted, now: "2026-12-04T01:00:02.000Z",
                                                        sessionError: "2026-12-04T01:00:02.000Z GroundFailure E99") { record in
            seen.withLock { $0.append(record?.id) }
            return CatalogGapKey(vendor: "Acme", code: "E99", key: "e99")
        }
        #expect(result.stored)
        #expect(await store.groupCommitStatistics.batches == commitsBefore + 1, "status, session error and gap: one commit")
        #expect(seen.withLock { $0 } == ["CP-1"])
        #expect(try await store.gaps().map { "\($0.vendor) \($0.code) \($0.count)" } == ["Acme E99 1"])
        #expect(try await store.sessions(station: "CP-1").first { $0.id == session }?.errors == ["2026-12-04T01:00:02.000Z GroundFailure E99"])
    }

    /// A status report's events are appended in the status write's own transaction: one
    /// commit for both, the events in sequence with the others and handed to the consumers;
    /// a report that is not stored appends nothing.
    @Test(arguments: TestEngine.all) func aStatusWriteAppendsItsEventsInTheSameCommit(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "events")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let log = EventLog(store: store)
        try await log.register("rules")
        #expect(try await log.append(event(1)) == 1)
        let commitsBefore = await store.groupCommitStatistics.batches
        let report = StatusReport(evse: 1, connector: 1, status: .faulted, errorCode: "GroundFailure")
        let appending = StationStore.StatusEvents(log: await log.inCommit(urgent: true)) { stored, previous, _, _ in
            #expect(previous == nil)
            return stored ? [event(2, .statusChanged), event(3, .statusChanged)] : []
        }
        let (stored, _) = try await store.recordStatusChange(id: "CP-1", report, registrationForUnknown: "accepted",
                                                             now: "2026-12-04T01:00:00.000Z", appending: appending)
        #expect(stored)
        #expect(await store.groupCommitStatistics.batches == commitsBefore + 1)
        #expect(try await store.sequencedEvents(after: 0, limit: 10).map(\.sequence) == [1, 2, 3])
        let (batch, _) = await log.next("rules", limit: 10)
        #expect(batch.map(\.event.id) == ["e1", "e2", "e3"])
        #expect(log.statistics.head == 3)
        // An unknown station rejected by policy: nothing stored, nothing appended.
        let rejected = StationStore.StatusEvents(log: await log.inCommit(urgent: true)) { stored, _, _, _ in stored ? [event(4, .statusChanged)] : [] }
        let (storedUnknown, _) = try await store.recordStatusChange(id: "CP-UNKNOWN", report, now: "2026-12-04T01:00:01.000Z",
                                                                    appending: rejected)
        #expect(!storedUnknown)
        #expect(try await store.lastEventSequence() == 3)
    }

    /// A consumer stopped mid-stream (its process killed: only what it saved survives) resumes
    /// at its cursor: nothing it had not done is lost, nothing it had done comes again.
    @Test(arguments: TestEngine.all) func aRestartedConsumerResumesAtItsCursor(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "events")
        defer { test.remove() }
        do {
            let store = try StationStore(location: test.location)
            let log = EventLog(store: store)
            try await log.register("executor")
            for index in 1...10 {
                try await log.append(event(index, index == 8 ? .statusChanged : .heartbeat, station: index == 8 ? "CP-2" : "CP-1"))
            }
            // CP-2's fault (8) overtakes CP-1's heartbeats; then 1-4 are done and the cursor saved;
            // 5-6 are taken next, but the process dies before it saves again.
            #expect(await log.next("executor", limit: 1).events.map(\.sequence) == [8])
            let (done, cursor) = await log.next("executor", limit: 4)
            #expect(done.map(\.sequence) == [1, 2, 3, 4])
            #expect(cursor == EventCursor(position: 4, ahead: [8]))
            try await store.saveEventCursor(consumer: "executor", .init(cursor: cursor, tickedThrough: nil), now: "2026-12-03T00:00:00.000Z")
            #expect(await log.next("executor", limit: 2).events.map(\.sequence) == [5, 6])
        }
        let store = try StationStore(location: test.location)
        let log = EventLog(store: store)
        try await log.register("executor")
        try await log.append(event(11))
        var seen: [Int] = []
        while seen.count < 6 { seen += await log.next("executor").events.map(\.sequence) }
        #expect(seen == [5, 6, 7, 9, 10, 11])   // 8 is not taken again; nothing is missing
        #expect(log.cursor("executor") == EventCursor(position: 11))
    }

    @Test(arguments: TestEngine.all) func aFilteredConsumerTakesOnlyWhatItAcceptsAndItsCursorStillMoves(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "events")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let log = EventLog(store: store)
        try await log.register("faults", accepts: { $0.kind == .statusChanged })
        for index in 1...6 { try await log.append(event(index, index == 3 ? .statusChanged : .heartbeat)) }
        let (batch, cursor) = await log.next("faults")
        #expect(batch.map(\.sequence) == [3])
        #expect(cursor == EventCursor(position: 6))
    }

    /// Backpressure, not loss: beyond the limit an append waits until the consumer takes
    /// events, and then goes on; urgent events have more room than bulk ones.
    @Test(arguments: TestEngine.all) func backpressureEngagesAndReleases(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "events")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        var limits = EventLog.Limits()
        limits.bulk = 3
        limits.urgent = 5
        let log = EventLog(store: store, limits: limits)
        try await log.register("rules")
        for index in 1...3 { try await log.append(event(index)) }
        let appended = Mutex<[Int]>([])
        let bulk = Task {
            let sequence = try await log.append(event(4))
            appended.withLock { $0.append(sequence) }
        }
        // A fault still goes through while bulk traffic waits.
        let fault = try await log.append(event(5, .statusChanged, station: "CP-2"))
        try await Task.sleep(for: .milliseconds(200))
        #expect(appended.withLock { $0 }.isEmpty)
        #expect(log.statistics.waitingAppends == 1 && log.statistics.waits == 1)
        let (batch, _) = await log.next("rules", limit: 2)
        #expect(batch.map(\.sequence) == [fault])   // the fault first
        _ = await log.next("rules", limit: 1)
        try await bulk.value
        #expect(appended.withLock { $0 }.count == 1)
        #expect(log.statistics.waitingAppends == 0)
        var rest: [Int] = []
        while rest.count < 3 { rest += await log.next("rules").events.map(\.sequence) }
        #expect(rest.sorted() == [2, 3] + appended.withLock { $0 })
        #expect(try await store.lastEventSequence() == 5)   // nothing dropped
    }

    @Test(arguments: TestEngine.all) func pruningKeepsWhatAConsumerHasNotDoneAndTheNewestEvent(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "events")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let log = EventLog(store: store)
        try await log.register("rules")
        for index in 1...5 { try await log.append(event(index)) }
        try await store.saveEventCursor(consumer: "rules", .init(cursor: EventCursor(position: 2), tickedThrough: nil), now: "2026-12-03T00:00:00.000Z")
        try await store.pruneEvents(olderThanSeconds: 0, now: "2027-06-01T00:00:00.000Z")
        #expect(try await store.sequencedEvents(after: 0, limit: 10).map(\.sequence) == [3, 4, 5])
        try await store.saveEventCursor(consumer: "rules", .init(cursor: EventCursor(position: 5), tickedThrough: nil), now: "2026-12-03T00:00:00.000Z")
        try await store.pruneEvents(olderThanSeconds: 0, now: "2027-06-01T00:00:00.000Z")
        #expect(try await store.sequencedEvents(after: 0, limit: 10).map(\.sequence) == [5])
        #expect(try await log.append(event(6)) == 6)   // sequences never restart
    }
}
