@testable import CPMS
import DomainEvents
import Foundation
@testable import Remediation
import StoreTesting
import Testing

/// The event log keeps what a restart from the rule engine's saved state would replay: the
/// state's position is an event-log cursor, so pruning never needs to read Remediation's tables.
@Suite struct SavedStateRetentionTests {
    @Test(arguments: TestEngine.all) func pruningKeepsTheEventsAfterTheSavedStatesPosition(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "saved-state")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let log = EventLog(store: store)
        try await log.register("rules")
        for index in 1...5 {
            try await log.append(DomainEvent(id: "e\(index)", kind: .heartbeat,
                                             time: DomainEvent.storagePrecision(Date(timeIntervalSince1970: 1_767_225_600 + Double(index))),
                                             station: "CP-1"))
        }
        // The runner has done everything, but its saved state was taken at event 2.
        try await store.saveEventCursor(consumer: "rules", .init(cursor: EventCursor(position: 5), tickedThrough: nil), now: "2026-12-03T00:00:00.000Z")
        try await DecisionStore(host: store).saveRuleState("{}", cursor: EventCursor(position: 2), engineTime: nil, now: "2026-12-03T00:00:00.000Z")
        try await store.pruneEvents(olderThanSeconds: 0, now: "2027-06-01T00:00:00.000Z")
        #expect(try await store.sequencedEvents(after: 0, limit: 10).map(\.sequence) == [3, 4, 5])
        #expect(try await DecisionStore(host: store).ruleState()?.cursor == EventCursor(position: 2))
    }
}
