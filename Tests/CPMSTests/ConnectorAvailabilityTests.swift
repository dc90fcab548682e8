import DomainEvents
import Foundation
import StoreTesting
import Testing
@testable import CPMS

/// The availability calculator on hand-built histories with known answers, and the store's
/// connectivity history that feeds it.
@Suite struct ConnectorAvailabilityTests {
    typealias Link = ConnectorAvailability.ConnectivityChange
    typealias Report = ConnectorAvailability.StatusChange

    /// 2026-12-01T00:00:00Z.
    static let midnight = Date(timeIntervalSince1970: 1_796_083_200)
    static func at(_ hours: Double) -> Date { midnight.addingTimeInterval(hours * 3_600) }
    static let day = DateInterval(start: at(0), end: at(24))

    @Test func offlineAcrossMidnightCountsOnlyTheHoursInsideTheRange() {
        // Offline from 22:00 the day before until 02:00; the range is the one day.
        let figures = ConnectorAvailability.compute(range: Self.day, connectivity: [Link(at: Self.at(-2), online: false),
                                                                                   Link(at: Self.at(2), online: true)],
                                                    stateBefore: true, statuses: [], statusBefore: .available, maintenance: [])
        #expect(figures.totalSeconds == 86_400)
        #expect(figures.downtime[.offline, default: 0] == Double(7_200))
        #expect(figures.availableSeconds == 79_200)
        #expect(figures.availability == 79_200.0 / 86_400)
        #expect(!figures.neverConnected)
    }

    @Test func aFaultInsideAMaintenanceWindowCountsAsMaintenance() {
        // Faulted 10:00–14:00; maintenance 09:00–12:00: 3 h maintenance, then 2 h faulted.
        let figures = ConnectorAvailability.compute(range: Self.day, connectivity: [], stateBefore: true,
                                                    statuses: [Report(at: Self.at(10), status: .faulted),
                                                               Report(at: Self.at(14), status: .available)],
                                                    statusBefore: .available,
                                                    maintenance: [DateInterval(start: Self.at(9), end: Self.at(12))])
        #expect(figures.downtime[.maintenance, default: 0] == Double(3 * 3_600))
        #expect(figures.downtime[.faulted, default: 0] == Double(2 * 3_600))
        #expect(figures.availableSeconds == 19 * 3_600)
    }

    @Test func aStationThatNeverConnectedIsAllOffline() {
        let figures = ConnectorAvailability.compute(range: Self.day, connectivity: [], stateBefore: nil, statuses: [],
                                                    statusBefore: nil, maintenance: [])
        #expect(figures.downtime[.offline, default: 0] == Double(86_400))
        #expect(figures.availableSeconds == 0)
        #expect(figures.availability == 0)
        #expect(figures.neverConnected)
    }

    @Test func unavailableAndFaultedAreSeparateCausesAndOfflineOutranksBoth() {
        // 06–08 Unavailable, 08–09 Faulted, 08:30–09:30 offline (offline wins its half hour
        // inside the fault and its half hour after), then Available.
        let figures = ConnectorAvailability.compute(range: Self.day,
                                                    connectivity: [Link(at: Self.at(8.5), online: false), Link(at: Self.at(9.5), online: true)],
                                                    stateBefore: true,
                                                    statuses: [Report(at: Self.at(6), status: .unavailable), Report(at: Self.at(8), status: .faulted),
                                                               Report(at: Self.at(9), status: .available)],
                                                    statusBefore: .charging, maintenance: [])
        #expect(figures.downtime[.unavailable, default: 0] == Double(2 * 3_600))
        #expect(figures.downtime[.faulted, default: 0] == Double(1_800))
        #expect(figures.downtime[.offline, default: 0] == Double(3_600))
        #expect(figures.availableSeconds == 86_400 - 2 * 3_600 - 1_800 - 3_600)
    }

    @Test func theStateBeforeTheRangeIsCarriedIn() {
        // Faulted since yesterday and offline since yesterday, changes before the range given
        // in the lists as well as in the carried-in state: both agree.
        let faulted = ConnectorAvailability.compute(range: Self.day, connectivity: [], stateBefore: true, statuses: [],
                                                    statusBefore: .faulted, maintenance: [])
        #expect(faulted.downtime[.faulted, default: 0] == Double(86_400))
        let fromLists = ConnectorAvailability.compute(range: Self.day, connectivity: [Link(at: Self.at(-30), online: true)],
                                                      stateBefore: nil, statuses: [Report(at: Self.at(-5), status: .faulted),
                                                                                    Report(at: Self.at(12), status: .available)],
                                                      statusBefore: nil, maintenance: [])
        #expect(fromLists.downtime[.faulted, default: 0] == Double(12 * 3_600))
        #expect(fromLists.availableSeconds == 12 * 3_600)
    }

    @Test func aggregatesSumSecondsNotRatios() {
        let short = ConnectorAvailability.Figures(totalSeconds: 100, availableSeconds: 0, downtime: [.offline: 100], neverConnected: true)
        let long = ConnectorAvailability.Figures(totalSeconds: 900, availableSeconds: 900)
        let sum = ConnectorAvailability.Figures.sum([short, long])
        #expect(sum.availability == 0.9)   // a mean of ratios would say 0.5
        #expect(sum.downtime[.offline, default: 0] == Double(100))
        #expect(!sum.neverConnected)
        #expect(ConnectorAvailability.Figures.sum([]).availability == nil)
    }

    @Test(arguments: TestEngine.all) func theTriggerRecordsFlipsAndNotRepeatedHeartbeats(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "avail")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        _ = try await store.recordBoot(id: "CP-1", vendor: "ABB", model: "X", serial: nil, firmware: nil, ocppVersion: "ocpp1.6",
                                       reason: nil, registrationForUnknown: "accepted", now: "2026-12-01T00:00:00.000Z")
        for minute in 1...5 { try await store.recordSeen(id: "CP-1", online: true, now: "2026-12-01T00:0\(minute):00.000Z") }
        try await store.recordSeen(id: "CP-1", online: false, now: "2026-12-01T00:10:00.000Z")
        _ = try await store.markSilentStationsOffline(before: "2026-12-01T01:00:00.000Z", excluding: [])   // already offline
        try await store.recordStatus(id: "CP-1", StatusReport(evse: 1, connector: 1, status: .available, errorCode: nil, vendorId: nil,
                                                              vendorErrorCode: nil, info: nil, chargerTime: nil),
                                     now: "2026-12-01T00:20:00.000Z")
        try await store.markAllOffline()
        let history = try await store.connectivity(of: "CP-1")
        #expect(history.map(\.at) == ["2026-12-01T00:00:00.000Z", "2026-12-01T00:10:00.000Z", "2026-12-01T00:20:00.000Z",
                                      "2026-12-01T00:20:00.000Z"])
        #expect(history.map(\.online) == [true, false, true, false])

        // Read back through the report: online 00:00–00:10 and 00:20–00:20, so over the
        // first hour 10 minutes available (no status before 00:20 counts as available).
        let report = try await store.availability(station: "CP-1", from: Self.midnight, to: Self.at(1)) { _, _ in [] }
        #expect(report.connectors.count == 1)
        #expect(report.total.availableSeconds == 600)
        #expect(report.total.downtime[.offline, default: 0] == Double(3_000))
    }

    /// 2.0.1 connectors say only Occupied: their charging time is the transaction's charging
    /// state while Occupied (it was 0 for every 2.0.1 station).
    @Test func a201ConnectorChargesWhileItsTransactionSaysSo() {
        let figures = ConnectorAvailability.compute(
            range: DateInterval(start: Self.at(0), end: Self.at(4)), connectivity: [], stateBefore: true,
            statuses: [.init(at: Self.at(1), status: .occupied), .init(at: Self.at(3.5), status: .available)], statusBefore: .available,
            maintenance: [],
            charging: [.init(at: Self.at(1.5), charging: true), .init(at: Self.at(2.5), charging: false),
                       .init(at: Self.at(3.75), charging: true)])   // no longer Occupied: not charging
        #expect(figures.occupiedSeconds == 9_000)   // 01:00–03:30
        #expect(figures.chargingSeconds == 3_600)   // 01:30–02:30
    }

    @Test(arguments: TestEngine.all) func chargingStatesAreStoredAsChangesAndReadIntoTheFigures(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "charging")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        _ = try await store.recordBoot(id: "CS-2", vendor: "ABB", model: "X", serial: nil, firmware: nil, ocppVersion: "ocpp2.0.1",
                                       reason: nil, registrationForUnknown: "accepted", now: StoreTime.format(Self.at(0)))
        try await store.recordStatus(id: "CS-2", StatusReport(evse: 1, connector: 1, status: .occupied, errorCode: nil, vendorId: nil,
                                                              vendorErrorCode: nil, info: nil, chargerTime: nil), now: StoreTime.format(Self.at(1)))
        for (hour, state) in [(1.0, "EVConnected"), (1.25, "Charging"), (1.5, "Charging"), (2.0, "SuspendedEV"), (2.5, "Ended")] {
            try await store.recordChargingState(station: "CS-2", evse: 1, state: state, now: StoreTime.format(Self.at(hour)))
        }
        let report = try await store.availability(station: "CS-2", from: Self.at(0), to: Self.at(3), now: Self.at(3)) { _, _ in [] }
        #expect(report.total.chargingSeconds == 4_500)   // 01:15–02:30: Charging, then SuspendedEV
        #expect(report.total.occupiedSeconds == 7_200)
        // From inside the charging stretch, the state before the range is carried in.
        let later = try await store.availability(station: "CS-2", from: Self.at(1.75), to: Self.at(3), now: Self.at(3)) { _, _ in [] }
        #expect(later.total.chargingSeconds == 2_700)
        // A transaction whose end was lost: its "Charging" does not carry over an Available into
        // the next vehicle's Occupied spell, however the range starts.
        try await store.recordChargingState(station: "CS-2", evse: 1, state: "Charging", now: StoreTime.format(Self.at(4)))
        for (hour, status) in [(5.0, ConnectorStatus.available), (6.0, .occupied)] {
            try await store.recordStatus(id: "CS-2", StatusReport(evse: 1, connector: 1, status: status, errorCode: nil, vendorId: nil,
                                                                  vendorErrorCode: nil, info: nil, chargerTime: nil), now: StoreTime.format(Self.at(hour)))
        }
        let across = try await store.availability(station: "CS-2", from: Self.at(6.5), to: Self.at(7), now: Self.at(7)) { _, _ in [] }
        #expect(across.total.occupiedSeconds == 1_800 && across.total.chargingSeconds == 0)
        let inside = try await store.availability(station: "CS-2", from: Self.at(3.5), to: Self.at(7), now: Self.at(7)) { _, _ in [] }
        #expect(inside.total.chargingSeconds == 3_600)   // 04:00–05:00 only
        // Per connector: the EVSE's other connector going Unavailable does not end this one's charging.
        try await store.recordChargingState(station: "CS-2", evse: 1, state: "Charging", now: StoreTime.format(Self.at(8)), starting: true)
        try await store.recordStatus(id: "CS-2", StatusReport(evse: 1, connector: 2, status: .unavailable, errorCode: nil, vendorId: nil,
                                                              vendorErrorCode: nil, info: nil, chargerTime: nil), now: StoreTime.format(Self.at(8.5)))
        let carried = try await store.availability(station: "CS-2", from: Self.at(9), to: Self.at(10), now: Self.at(10)) { _, _ in [] }
        #expect(carried.total.chargingSeconds == 3_600)
    }

    /// After a crash (no disconnect recorded) the stations serve had connected were online until
    /// its last liveness record, not only until their last message; a later message wins.
    @Test(arguments: TestEngine.all) func aCrashEndsTheConnectionsAtTheNodesLastLivenessRecord(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "alive")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        for id in ["QUIET", "TALKER"] {
            _ = try await store.recordBoot(id: id, vendor: "ABB", model: "X", serial: nil, firmware: nil, ocppVersion: "ocpp1.6",
                                           reason: nil, registrationForUnknown: "accepted", now: "2026-12-01T00:00:00.000Z")
        }
        try await store.recordSeen(id: "TALKER", online: true, now: "2026-12-01T00:04:50.000Z")
        #expect(try await store.nodesAlive()["node-a"] == nil)
        try await store.recordNodeAlive("node-a", now: "2026-12-01T00:04:00.000Z")
        try await store.recordNodeAlive("node-a", now: "2026-12-01T00:04:30.000Z")
        #expect(try await store.nodesAlive()["node-a"] == "2026-12-01T00:04:30.000Z")
        try await store.markAllOffline(except: [], aliveUntil: try await store.nodesAlive()["node-a"])
        #expect(try await store.connectivity(of: "QUIET").map(\.at) == ["2026-12-01T00:00:00.000Z", "2026-12-01T00:04:30.000Z"])
        #expect(try await store.connectivity(of: "TALKER").map(\.at) == ["2026-12-01T00:00:00.000Z", "2026-12-01T00:04:50.000Z"])
        let report = try await store.availability(station: "QUIET", from: Self.midnight, to: Self.at(1)) { _, _ in [] }
        #expect(report.total.availableSeconds == 270)
    }

    /// Several nodes: a station another crashed node held ends at that node's record, one whose
    /// node left none at its last message — never at the starting node's.
    @Test func aStationOfAnotherNodeEndsAtThatNodesRecord() async throws {
        let test = try TestDatabase(.sqlite, name: "alive-nodes")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        for id in ["MINE", "THEIRS", "ORPHAN"] {
            _ = try await store.recordBoot(id: id, vendor: "ABB", model: "X", serial: nil, firmware: nil, ocppVersion: "ocpp1.6",
                                           reason: nil, registrationForUnknown: "accepted", now: "2026-12-01T00:00:00.000Z")
        }
        try await store.markAllOffline(except: [], aliveUntil: "2026-12-01T00:09:00.000Z",
                                       aliveUntilByStation: ["THEIRS": "2026-12-01T00:03:00.000Z", "ORPHAN": String?.none])
        #expect(try await store.connectivity(of: "MINE").last?.at == "2026-12-01T00:09:00.000Z")
        #expect(try await store.connectivity(of: "THEIRS").last?.at == "2026-12-01T00:03:00.000Z")
        #expect(try await store.connectivity(of: "ORPHAN").last?.at == "2026-12-01T00:00:00.000Z")
    }

    /// A broken connection ends when the charger was last heard, but never before its last
    /// message's record: an end sorted before the online record read as online all along.
    @Test(arguments: TestEngine.all) func aDisconnectNeverEndsBeforeTheLastMessage(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "disconnect")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        _ = try await store.recordBoot(id: "CP-1", vendor: "ABB", model: "X", serial: nil, firmware: nil, ocppVersion: "ocpp1.6",
                                       reason: nil, registrationForUnknown: "accepted", now: "2026-12-01T00:00:00.005Z")
        try await store.recordDisconnect(id: "CP-1", at: "2026-12-01T00:00:00.004Z")   // the frame arrived 1 ms before its handling
        let history = try await store.connectivity(of: "CP-1")
        #expect(history.map(\.at) == ["2026-12-01T00:00:00.005Z", "2026-12-01T00:00:00.005Z"] && history.map(\.online) == [true, false])
        try await store.recordSeen(id: "CP-1", online: true, now: "2026-12-01T00:01:00.000Z")
        try await store.recordDisconnect(id: "CP-1", at: "2026-12-01T00:01:30.000Z")   // heard since (a pong): ends then
        #expect(try await store.connectivity(of: "CP-1").last?.at == "2026-12-01T00:01:30.000Z")
    }

    /// `/metrics`' connector gauge counts connectors: a 1.6 report on connector 0 (the charge
    /// point as a whole) is not one.
    @Test func theConnectorCountLeavesConnectorZeroOut() async throws {
        let test = try TestDatabase(.sqlite, name: "counts")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        _ = try await store.recordBoot(id: "CP-1", vendor: "ABB", model: "X", serial: nil, firmware: nil, ocppVersion: "ocpp1.6",
                                       reason: nil, registrationForUnknown: "accepted", now: "2026-12-01T00:00:00.000Z")
        for (evse, connector) in [(0, 0), (1, 1), (2, 1)] {
            try await store.recordStatus(id: "CP-1", StatusReport(evse: evse, connector: connector, status: .available, errorCode: nil,
                                                                  vendorId: nil, vendorErrorCode: nil, info: nil, chargerTime: nil),
                                         now: "2026-12-01T00:01:00.000Z")
        }
        #expect(try await store.connectorCounts() == ["Available": 2])
        // Offline, its connectors count as Offline: their last report is not what a driver finds.
        try await store.recordSeen(id: "CP-1", online: false, now: "2026-12-01T00:02:00.000Z")
        #expect(try await store.connectorCounts() == ["Offline": 2])
    }

    /// A station first heard from at 06:00 is measured from then: over the day, 18 hours
    /// measured, 12 available (06:00–18:00 online), 6 offline (18:00–24:00). A declared station
    /// never heard from is the whole day offline and flagged.
    @Test(arguments: TestEngine.all) func aStationIsMeasuredFromItsFirstContact(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "avail")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        _ = try await store.declareStation(id: "CP-NEW")
        _ = try await store.declareStation(id: "CP-SILENT")
        _ = try await store.recordBoot(id: "CP-NEW", vendor: "ABB", model: "X", serial: nil, firmware: nil, ocppVersion: "ocpp1.6",
                                       reason: nil, registrationForUnknown: "accepted", now: "2026-12-01T06:00:00.000Z")
        try await store.recordSeen(id: "CP-NEW", online: false, now: "2026-12-01T18:00:00.000Z")
        let fresh = try await store.availability(station: "CP-NEW", from: Self.midnight, to: Self.at(24)) { _, _ in [] }
        #expect(fresh.total.totalSeconds == 18 * 3_600)
        #expect(fresh.total.availableSeconds == 12 * 3_600)
        #expect(fresh.total.downtime[.offline, default: 0] == 6 * 3_600)
        #expect(!fresh.total.neverConnected)
        // The next day has the connection carried in: measured whole.
        let nextDay = try await store.availability(station: "CP-NEW", from: Self.at(24), to: Self.at(48)) { _, _ in [] }
        #expect(nextDay.total.totalSeconds == 24 * 3_600 && nextDay.total.downtime[.offline, default: 0] == 24 * 3_600)
        let silent = try await store.availability(station: "CP-SILENT", from: Self.midnight, to: Self.at(24)) { _, _ in [] }
        #expect(silent.total.totalSeconds == 24 * 3_600 && silent.total.downtime[.offline, default: 0] == 24 * 3_600)
        #expect(silent.total.neverConnected)
        // A range that ends before the first contact measures nothing (it was not commissioned
        // yet), as its part of a wider range does: not an hour offline.
        let morning = try await store.availability(station: "CP-NEW", from: Self.midnight, to: Self.at(1)) { _, _ in [] }
        #expect(morning.total.totalSeconds == 0 && morning.total.downtime.values.reduce(0, +) == 0 && !morning.total.neverConnected)
        // Time that has not come yet is not measured: the range ends now (and says so).
        let ahead = try await store.availability(station: "CP-NEW", from: Self.at(24), to: Self.at(72), now: Self.at(30)) { _, _ in [] }
        #expect(ahead.total.totalSeconds == 6 * 3_600 && ahead.to == Self.at(30))
    }
}
