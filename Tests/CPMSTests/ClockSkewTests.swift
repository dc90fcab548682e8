import DomainEvents
import Foundation
import StoreTesting
import Testing
import Transport
import VendorCatalog
@testable import CPMS
@testable import OCPP

/// A charger's clock is measured from its timestamps; reports it queued while offline are
/// recognised, flagged, kept out of the measurement, and put back in the charger's order.
@Suite(.timeLimit(.minutes(1))) struct ClockSkewTests {
    static let now = OCPPDateTime(secondsSinceEpoch: 1_795_000_000)
    static func at(_ seconds: Int64) -> OCPPDateTime { OCPPDateTime(secondsSinceEpoch: 1_795_000_000 + seconds) }

    /// Handlers on `store` at `now`, with a recorder of the events they emit.
    static func recording(_ store: StationStore) -> (StationHandlers, DomainEventTests.Recorder) {
        let recorder = DomainEventTests.Recorder()
        var stations = StationHandlers(store: store, policy: .accept, heartbeatInterval: 300, clock: { Self.now })
        stations.events = DomainEventFactory(directory: StationDirectory(store: store)) { recorder.record($0) }
        return (stations, recorder)
    }

    @Test(arguments: TestEngine.all) func skewIsMeasuredAndOfflineQueuedReportsAreFlaggedAndOrdered(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "skew")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let (stations, recorder) = Self.recording(store)
        try await withCSMS(stations) { port in
            let (charger, running) = try await connectCharger(port: port, id: "CP-SKEW", version: .v16)
            _ = try await charger.call(V16.BootNotificationRequest(chargePointVendor: "V", chargePointModel: "M"))
            // The charger's clock runs 30 s ahead.
            _ = try await charger.call(V16.StatusNotificationRequest(connectorId: 1, errorCode: .noError, status: .available, timestamp: Self.at(30)))
            _ = try await charger.call(V16.StatusNotificationRequest(connectorId: 1, errorCode: .noError, status: .preparing, timestamp: Self.at(32)))
            // Then it uploads what it queued during an outage an hour ago.
            _ = try await charger.call(V16.StatusNotificationRequest(connectorId: 1, errorCode: .internalError, status: .faulted,
                                                                     timestamp: Self.at(-3_600)))
            await charger.socket.close()
            await running.value
        }
        let skew = try #require(try await store.clockSkew(of: "CP-SKEW"))
        #expect(abs(skew - 32) < 0.01)   // 30, then 32 (a later live offset is taken at once); the queued report left out
        let history = try await store.history("CP-SKEW")
        #expect(history.map(\.status) == [.faulted, .available, .preparing])
        #expect(history.map(\.queuedOffline) == [true, false, false])
        let events = recorder.all.filter { $0.kind == .statusChanged }
        #expect(events.map { $0.fields["queuedOffline"] } == [nil, nil, .bool(true)])
        // Older than the Preparing already shown, but a fault, and without a catalogue every fault
        // counts as never reset: it is the connector's state all the same (fail closed).
        #expect(events.map(\.isSuperseded) == [false, false, false])
        #expect(try await store.lastReport(station: "CP-SKEW", evse: 1, connector: 1)?.status == .faulted)
    }

    /// The audit's case: a charger comes back, reports Available now, then replays its queue — a
    /// Finishing an hour old. The connector stays Available; a queued report newer than what the
    /// connector shows is its state. A queued safety fault (a ground fault) is never history: it
    /// is the connector's state and its fault opens, however late (fail closed).
    @Test(arguments: TestEngine.all) func aReplayedReportOlderThanTheConnectorsStateIsHistoryOnly(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "skew")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let (stations, recorder) = Self.recording(store)
        try await withCSMS(stations) { port in
            let (charger, running) = try await connectCharger(port: port, id: "CP-OLD", version: .v16)
            _ = try await charger.call(V16.BootNotificationRequest(chargePointVendor: "V", chargePointModel: "M"))
            _ = try await charger.call(V16.StatusNotificationRequest(connectorId: 1, errorCode: .noError, status: .available, timestamp: Self.at(-2)))
            _ = try await charger.call(V16.StatusNotificationRequest(connectorId: 1, errorCode: .noError, status: .finishing, timestamp: Self.at(-3_600)))
            #expect(try await store.lastReport(station: "CP-OLD", evse: 1, connector: 1)?.status == .available)
            // On another connector the queue holds a report newer than anything it showed: it is the state.
            _ = try await charger.call(V16.StatusNotificationRequest(connectorId: 2, errorCode: .noError, status: .available, timestamp: Self.at(-7_200)))
            _ = try await charger.call(V16.StatusNotificationRequest(connectorId: 2, errorCode: .noError, status: .charging, timestamp: Self.at(-3_000)))
            // A ground fault an hour old after a fresh Available: not history.
            _ = try await charger.call(V16.StatusNotificationRequest(connectorId: 3, errorCode: .noError, status: .available, timestamp: Self.at(-1)))
            _ = try await charger.call(V16.StatusNotificationRequest(connectorId: 3, errorCode: .groundFailure, status: .faulted, timestamp: Self.at(-3_600)))
            await charger.socket.close()
            await running.value
        }
        #expect(try await store.lastReport(station: "CP-OLD", evse: 2, connector: 1)?.status == .charging)
        #expect(try await store.lastReport(station: "CP-OLD", evse: 3, connector: 1)?.status == .faulted)
        #expect(try await store.openFaults(station: "CP-OLD").map(\.evse) == [3])
        let events = recorder.all.filter { $0.kind == .statusChanged }
        #expect(events.map(\.isSuperseded) == [false, true, false, false, false, false])
        #expect(events[1].fields["from"] == .string("Available"))
        #expect(try await store.history("CP-OLD").count == 6)
    }

    /// A report older than its connector's is superseded only while the station replays its
    /// backlog, in the first 10 minutes after it came online: later, a clock set back (an NTP
    /// correction, a DST step) is the likelier reason, and the report is the connector's state.
    @Test func onlyAReplayJustAfterReconnectingIsSuperseded() async throws {
        let test = try TestDatabase(.sqlite, name: "skew")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        func at(_ seconds: Double) -> String { StoreTime.format(Self.now.date.addingTimeInterval(seconds)) }
        _ = try await store.recordBoot(id: "CP-W", vendor: "V", model: "M", serial: nil, firmware: nil, ocppVersion: "ocpp1.6", reason: nil,
                                       registrationForUnknown: "accepted", now: at(0))
        func report(_ status: ConnectorStatus, charger: Double, at arrival: Double) async throws -> Bool {
            try await store.recordStatusReport(id: "CP-W", StatusReport(evse: 1, connector: 1, status: status, chargerTime: at(charger)),
                                               clockOffset: charger - arrival, now: at(arrival)).superseded
        }
        #expect(try await report(.available, charger: 5, at: 5) == false)
        #expect(try await report(.finishing, charger: -3_600, at: 10) == true)           // the replay
        #expect(try await store.lastReport(station: "CP-W", evse: 1, connector: 1)?.status == .available)
        #expect(try await report(.preparing, charger: 900 - 3_600, at: 900) == false)     // 15 minutes on: the clock moved
        #expect(try await store.lastReport(station: "CP-W", evse: 1, connector: 1)?.status == .preparing)
    }

    /// Which faults are never history, with the shipped catalogue: a ground fault is a safety
    /// fault (never reset), an InternalError is not; a status without a fault never is.
    @Test func theSafetyClassOfAReportComesFromTheCatalogue() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let catalog = try VendorCatalog.load(directory: root.appendingPathComponent("VendorCodes").path)
        let test = try TestDatabase(.sqlite, name: "skew")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let stations = StationHandlers(store: store, policy: .accept, heartbeatInterval: 300, catalog: catalog, clock: { Self.now })
        let record = StationRecord(id: "CP-1", vendor: "ABB", model: "Terra AC", registration: "accepted", isOnline: true, connectors: [])
        #expect(stations.safetyFault(of: StatusReport(evse: 1, connector: 1, status: .faulted, errorCode: "GroundFailure"))(record))
        #expect(!stations.safetyFault(of: StatusReport(evse: 1, connector: 1, status: .faulted, errorCode: "InternalError"))(record))
        #expect(!stations.safetyFault(of: StatusReport(evse: 1, connector: 1, status: .available, errorCode: .noError))(record))
        let bare = StationHandlers(store: store, policy: .accept, heartbeatInterval: 300, clock: { Self.now })
        #expect(bare.safetyFault(of: StatusReport(evse: 1, connector: 1, status: .faulted, errorCode: "InternalError"))(record))
    }

    /// A station first heard from while it replays a backlog: the queued reports cannot be told
    /// until live ones arrive, and from then the clock is measured right (it drifted to −2,769 s
    /// when every sample was averaged in).
    @Test func aBacklogOnFirstContactDoesNotSkewTheClock() async throws {
        let test = try TestDatabase(.sqlite, name: "skew")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        _ = try await store.declareStation(id: "CP-NEW")
        let now = Self.now.rfc3339
        for offset in stride(from: -3_600.0, through: -3_300, by: 60) {
            #expect(try await store.recordClockSample(id: "CP-NEW", offsetSeconds: offset, now: now) == false)
        }
        // A jump ahead is taken once a second sample confirms it (one timestamp from the future is a glitch).
        #expect(try await store.recordClockSample(id: "CP-NEW", offsetSeconds: 0.2, now: now) == false)
        #expect(abs(try #require(try await store.clockSkew(of: "CP-NEW")) + 3_300) < 0.001)
        #expect(try await store.recordClockSample(id: "CP-NEW", offsetSeconds: 0.3, now: now) == false)
        #expect(abs(try #require(try await store.clockSkew(of: "CP-NEW")) - 0.3) < 0.001)
        #expect(try await store.recordClockSample(id: "CP-NEW", offsetSeconds: -3_000, now: now) == true)
    }

    /// One timestamp from the future is a glitch: the clock is not moved, so the live reports
    /// after it are not taken for a queue.
    @Test func aSingleTimestampFromTheFutureDoesNotMoveTheClock() async throws {
        let test = try TestDatabase(.sqlite, name: "skew")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        _ = try await store.declareStation(id: "CP-GLITCH")
        let now = Self.now.rfc3339
        #expect(try await store.recordClockSample(id: "CP-GLITCH", offsetSeconds: 1, now: now) == false)
        #expect(try await store.recordClockSample(id: "CP-GLITCH", offsetSeconds: 5 * 365 * 86_400, now: now) == false)
        #expect(try await store.recordClockSample(id: "CP-GLITCH", offsetSeconds: 1.5, now: now) == false)
        #expect(abs(try #require(try await store.clockSkew(of: "CP-GLITCH")) - 1.5) < 0.001)
    }

    /// A charger whose clock is set back for good (an hour) is flagged queued for two minutes,
    /// then measured anew; a replayed queue, whose times race ahead, never is.
    @Test func aClockSetBackForGoodIsMeasuredAgainAfterTwoMinutes() async throws {
        let test = try TestDatabase(.sqlite, name: "skew")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        _ = try await store.declareStation(id: "CP-NTP")
        func at(_ seconds: Double) -> String { StoreTime.format(Self.now.date.addingTimeInterval(seconds)) }
        #expect(try await store.recordClockSample(id: "CP-NTP", offsetSeconds: 0, now: at(0)) == false)
        // A queue replayed in 20 s: an hour of reports, each a minute newer.
        for step in 0..<20 {
            #expect(try await store.recordClockSample(id: "CP-NTP", offsetSeconds: -3_600 + Double(step) * 59, now: at(Double(step))) == true)
        }
        // The clock set back an hour: steady offsets for two minutes are queued, then the clock.
        for second in stride(from: 30.0, through: 140, by: 10) {
            #expect(try await store.recordClockSample(id: "CP-NTP", offsetSeconds: -3_600, now: at(second)) == true)
        }
        #expect(try await store.recordClockSample(id: "CP-NTP", offsetSeconds: -3_601, now: at(151)) == false)
        #expect(abs(try #require(try await store.clockSkew(of: "CP-NTP")) + 3_601) < 0.001)
        #expect(try await store.recordClockSample(id: "CP-NTP", offsetSeconds: -3_600, now: at(160)) == false)
    }

    @Test(arguments: TestEngine.all) func sessionPartsQueuedWhileOfflineAreFlaggedOnTheSession(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "skew")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        try await store.saveToken(IdTokenRecord(token: "CARD-1", status: .accepted), now: Self.now.rfc3339)
        let stations = StationHandlers(store: store, policy: .accept, heartbeatInterval: 300, clock: { Self.now })
        try await withCSMS(stations) { port in
            let (charger, running) = try await connectCharger(port: port, id: "CP-LATE", version: .v16)
            _ = try await charger.call(V16.BootNotificationRequest(chargePointVendor: "V", chargePointModel: "M"))
            _ = try await charger.call(V16.StatusNotificationRequest(connectorId: 1, errorCode: .noError, status: .available, timestamp: Self.at(-5)))
            // A session that started and ended during an outage, uploaded now: the start 40 min ago, the stop 10 min ago.
            let start = try await charger.call(V16.StartTransactionRequest(connectorId: 1, idTag: "CARD-1", meterStart: 0, timestamp: Self.at(-2_400)))
            _ = try await charger.call(V16.MeterValuesRequest(connectorId: 1, transactionId: start.transactionId, meterValue: [
                V16.MeterValuesRequest.MeterValue(timestamp: Self.at(-1_200), sampledValue: [V16.MeterValuesRequest.MeterValue.SampledValue(value: "900")]),
            ]))
            _ = try await charger.call(V16.StopTransactionRequest(meterStop: 1_800, timestamp: Self.at(-600), transactionId: start.transactionId))
            // A session on time is not flagged.
            let onTime = try await charger.call(V16.StartTransactionRequest(connectorId: 1, idTag: "CARD-1", meterStart: 1_800, timestamp: Self.at(-3)))
            #expect(onTime.transactionId != start.transactionId)
            await charger.socket.close()
            await running.value
        }
        let sessions = try await store.sessions(station: "CP-LATE")
        let late = try #require(sessions.first { $0.stopTime != nil })
        #expect(late.anomalies == ["start reported 40 min after it happened (queued while offline)",
                                   "meter values reported 20 min after it happened (queued while offline)",
                                   "stop reported 10 min after it happened (queued while offline)"])
        #expect(late.energyWh == 1_800)
        #expect(sessions.first { $0.stopTime == nil }?.anomalies == [])
    }
}
