import DomainEvents
import Foundation
import Store
import StoreTesting
import Testing
@testable import CPMS

/// Statuses and error codes are typed past the edge; a status in the store that no OCPP
/// version defines (only an edit of the database makes one) is reported, never shown as some
/// other status, and the connector's next report replaces it.
@Suite struct StoredStatusTests {
    @Test(arguments: TestEngine.all) func anEditedStatusIsReportedAndTheNextReportReplacesIt(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "status")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let faulted = StatusReport(evse: 1, connector: 1, status: .faulted, errorCode: .groundFailure)
        try await store.recordStatus(id: "CP-1", faulted, registrationForUnknown: "accepted", now: "2026-12-05T08:00:00.000Z")
        let stored = try #require(try await store.station("CP-1")).connectors
        #expect(stored.map(\.status) == [.faulted] && stored.map(\.errorCode) == [.groundFailure])
        #expect(try await store.openFaults(station: "CP-1").map(\.code) == [.groundFailure])

        let editor = try test.connect()
        try editor.run("UPDATE connectors SET status = 'Broken' WHERE station = 'CP-1'")
        await #expect(throws: StationStore.UnreadableStatus.self) { _ = try await store.station("CP-1") }
        do {
            _ = try await store.station("CP-1")
        } catch {
            #expect("\(error)" == "connector status \"Broken\" in the store is not an OCPP status")
        }

        let available = StatusReport(evse: 1, connector: 1, status: .available, errorCode: .noError)
        let change = try await store.recordStatusChange(id: "CP-1", available, now: "2026-12-05T08:01:00.000Z")
        #expect(change.stored && change.previous == nil)
        #expect(try #require(try await store.station("CP-1")).connectors.map(\.status) == [.available])
        #expect(try await store.openFaults(station: "CP-1").isEmpty)
    }
}
