import CPMS
import DomainEvents
import Foundation
import StoreTesting
import Synchronization
import Testing
@testable import Fraud

/// The consumer against a real SQLite store: a signal lands in `fraud_signals` once and is
/// published once as a `fraudSuspected` event.
@Suite(.timeLimit(.minutes(1))) struct FraudServiceTests {
    /// What the service published.
    final class Published: Sendable {
        let events = Mutex<[DomainEvent]>([])
        func withLock<T>(_ body: ([DomainEvent]) -> T) -> T { events.withLock { body($0) } }
    }

    static func withStore(_ engine: TestEngine, _ body: (StationStore, FraudService, Published) async throws -> Void) async throws {
        let test = try TestDatabase(engine, name: "fraud")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        _ = try await store.declareStation(id: "CP-1", site: "north")
        _ = try await store.declareStation(id: "CP-2", site: "south")
        let published = Published()
        let service = FraudService(store: store, clock: { UTCTimestamp.parse("2026-12-05T12:00:00Z")! }) { event in published.events.withLock { $0.append(event) } }
        try await body(store, service, published)
    }

    static func started(_ station: String, session id: Int, at time: String) -> DomainEvent {
        DomainEvent(id: UUID().uuidString, kind: .transactionStarted, time: UTCTimestamp.parse(time)!, station: station, connector: 1,
                    evse: 1, site: station == "CP-1" ? "north" : "south",
                    fields: ["transactionId": .string(String(id)), "idTag": .string("TAG")])
    }

    @Test(arguments: TestEngine.all) func concurrentUseLandsInTheTableAndAsADomainEventOnce(engine: TestEngine) async throws {
        try await Self.withStore(engine) { store, service, published in
            let first = try await store.startSession(station: "CP-1", evse: 1, connector: 1, transactionRef: nil, idToken: "TAG",
                                                     authorization: "accepted", startTime: "2026-12-05T10:00:00Z", meterStartWh: 0,
                                                     now: "2026-12-05T10:00:00Z")
            let second = try await store.startSession(station: "CP-2", evse: 1, connector: 1, transactionRef: nil, idToken: "TAG",
                                                      authorization: "accepted", startTime: "2026-12-05T10:05:00Z", meterStartWh: 0,
                                                      now: "2026-12-05T10:05:00Z")
            let events = [Self.started("CP-1", session: first, at: "2026-12-05T10:00:00Z"),
                          Self.started("CP-2", session: second, at: "2026-12-05T10:05:00Z")]
            let found = await service.observe(events) { station, error in Issue.record("\(station): \(error)") }
            #expect(found.map(\.kind) == [.concurrentUse])
            // The same events again (a consumer replaying after a crash) store and publish nothing new.
            #expect(await service.observe(events) { _, error in Issue.record("\(error)") }.isEmpty)

            let stored = try await service.fraud.signals(FraudStore.Query(kind: .concurrentUse))
            #expect(stored.count == 1)
            #expect(stored.first?.station == "CP-2")
            #expect(stored.first?.session == second)
            #expect(stored.first?.detail["otherStation"] == .string("CP-1"))
            #expect(try await service.fraud.signals(FraudStore.Query(station: "CP-1")).isEmpty)
            #expect(try await service.fraud.signals(FraudStore.Query(from: UTCTimestamp.parse("2026-12-05T10:06:00Z"))).isEmpty)

            let sent = published.withLock { $0 }
            #expect(sent.count == 1)
            #expect(sent.first?.kind == .fraudSuspected)
            #expect(sent.first?.station == "CP-2")
            #expect(sent.first?.site == "south")
            #expect(sent.first?.time == UTCTimestamp.parse("2026-12-05T12:00:00Z"))
            #expect(stored.first?.time == UTCTimestamp.parse("2026-12-05T10:05:00Z"))
            #expect(sent.first?.value(of: "signal") == .string("concurrentUse"))
            #expect(sent.first?.value(of: "idTag") == .string("TAG"))
            #expect(sent.first?.value(of: "otherStation") == .string("CP-1"))
        }
    }

    /// A 2.0.1 Started sent with `offline: true` is noted "started reported … (queued while
    /// offline)": the facts read it as a start reported late, as the 1.6 "start reported" note.
    @Test func aStartedQueuedOfflineIsReadAsAStartReportedLate() async throws {
        try await Self.withStore(.sqlite) { store, service, _ in
            let id = try await store.startSession(station: "CP-1", evse: 1, connector: 1, transactionRef: "tx", idToken: "TAG",
                                                  authorization: "unknown", startTime: "2026-12-05T10:00:00Z", meterStartWh: 0,
                                                  now: "2026-12-05T10:00:10Z")
            try await store.addAnomaly(session: id, "started reported (queued while offline)")
            #expect(try await service.facts(session: id)?.startReportedLate == true)
        }
    }

    @Test(arguments: TestEngine.all) func anEndedSessionWithoutMeterValuesIsFoundAtItsEnd(engine: TestEngine) async throws {
        try await Self.withStore(engine) { store, service, published in
            let id = try await store.startSession(station: "CP-1", evse: 1, connector: 1, transactionRef: nil, idToken: "TAG",
                                                  authorization: "accepted", startTime: "2026-12-05T10:00:00Z", meterStartWh: 0,
                                                  now: "2026-12-05T10:00:00Z")
            try await store.stopSession(id: id, stopTime: "2026-12-05T11:00:00Z", meterStopWh: 7_000, reason: "Local",
                                        now: "2026-12-05T11:00:00Z")
            var ended = Self.started("CP-1", session: id, at: "2026-12-05T11:00:00Z")
            ended.kind = .transactionEnded
            let found = await service.observe([ended]) { _, error in Issue.record("\(error)") }
            #expect(found.map(\.kind) == [.noMeterValues])
            #expect(published.withLock { $0.map { $0.value(of: "signal") } } == [.string("noMeterValues")])
        }
    }
}
