import DomainEvents
import Foundation
import StoreTesting
import Synchronization
import Testing
@testable import CPMS

/// The event log several nodes share: a node that does not run the remediation hands nothing
/// to its consumers and applies the backpressure of the node that does (its published
/// backlog); the node that does reads every node's events from the store, in sequence order,
/// from each consumer's stored cursor.
@Suite(.timeLimit(.minutes(1))) struct SharedEventLogTests {
    func event(_ index: Int, station: String) -> DomainEvent {
        DomainEvent(id: "e\(index)", kind: index % 2 == 0 ? .heartbeat : .statusChanged,
                    time: DomainEvent.storagePrecision(Date(timeIntervalSince1970: 1_767_225_600 + Double(index) / 1_000)),
                    station: station, fields: index % 2 == 0 ? [:] : ["to": .string("Faulted")])
    }

    @Test(arguments: TestEngine.all) func theActiveNodeReadsEveryNodesEventsInOrder(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "sharedlog")
        defer { test.remove() }
        // Two nodes: two stores (connections) on one database, each with its log.
        let (storeA, storeB) = (try StationStore(location: test.location), try StationStore(location: test.location))
        var limits = EventLog.Limits()
        (limits.bulk, limits.urgent) = (2, 3)
        let (a, b) = (EventLog(store: storeA, limits: limits, source: .shared), EventLog(store: storeB, limits: limits, source: .shared))
        // The first node to register a consumer writes its first cursor (the log's head, 0 here);
        // the second finds it and writes nothing.
        try await a.register("rules")
        try await b.register("rules")
        #expect(try await storeA.eventCursor(consumer: "rules")?.cursor == EventCursor(position: 0))
        // Neither consumes yet: appends never wait, far past the limits.
        for index in 1...6 { _ = try await (index % 3 == 0 ? b : a).append(event(index, station: index % 3 == 0 ? "CP-B" : "CP-A")) }
        #expect(!a.isActive && !b.isActive)
        #expect(a.isCaughtUp("rules") && b.isCaughtUp("rules"))

        // a takes the remediation: from the stored cursor, every node's events, in sequence order.
        try await a.activate()
        let tail = Task { await a.tail(onError: { Issue.record("\($0)") }) }
        defer { tail.cancel() }
        var seen: [Int] = []
        while seen.count < 6 {
            let (batch, _) = await a.next("rules")
            seen += batch.map(\.sequence)
        }
        #expect(seen.sorted() == [1, 2, 3, 4, 5, 6])
        // b's later appends reach a's consumer too; each station's events in their order.
        _ = try await b.append(event(7, station: "CP-B"))
        _ = try await b.append(event(8, station: "CP-B"))
        var later: [SequencedEvent] = []
        while later.count < 2 { later += await a.next("rules").events }
        #expect(later.map(\.sequence) == [7, 8])
        #expect(later.map(\.event.station) == ["CP-B", "CP-B"])
        #expect(b.isCaughtUp("rules"))   // b still hands nothing to its own consumer
    }

    /// Backpressure across nodes: a node that does not consume makes its appends wait while the
    /// consuming node's published backlog is over the limits, and lets them go when it drops.
    @Test func appendsOnANodeThatDoesNotConsumeWaitOnTheSharedBacklog() async throws {
        let test = try TestDatabase(.sqlite, name: "sharedbacklog")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        var limits = EventLog.Limits()
        (limits.bulk, limits.urgent) = (2, 3)
        let log = EventLog(store: store, limits: limits, source: .shared)
        try await log.register("rules")
        log.setSharedBacklog(2)   // over the bulk limit, under the urgent one
        #expect(log.backlog == 2)
        _ = try await log.append(event(1, station: "CP-A"))   // a status change: urgent, goes on
        let appended = Mutex(false)
        let heartbeat = Task {
            _ = try await log.append(event(2, station: "CP-A"))
            appended.withLock { $0 = true }
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(!appended.withLock { $0 })
        #expect(log.statistics.waitingAppends == 1)
        log.setSharedBacklog(0)
        try await heartbeat.value
        #expect(appended.withLock { $0 })
        #expect(try await store.lastEventSequence() == 2)   // waited, nothing dropped
    }
}
