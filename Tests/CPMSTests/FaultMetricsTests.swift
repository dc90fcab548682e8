import DomainEvents
import Foundation
import StoreTesting
import Testing
@testable import CPMS

/// Fault episodes from status reports, and recurring errors from episodes, on hand-built
/// histories with known answers; then both read back through the store.
@Suite struct FaultMetricsTests {
    typealias Report = FaultEpisodes.Report

    /// 2026-12-01T00:00:00Z.
    static let midnight = Date(timeIntervalSince1970: 1_796_083_200)
    static func at(_ hours: Double) -> Date { midnight.addingTimeInterval(hours * 3_600) }
    static let day = DateInterval(start: at(0), end: at(24))

    /// Charging 10:00; Faulted (GroundFailure, vendor E042) 10:30 and again 10:40 (the same
    /// fault); Unavailable 10:50 (proves nothing); Available 11:15: one episode of 45 min.
    /// Then Faulted E042 13:00, Available 13:10: 10 min. Faulted 20:00 with no recovery.
    static let reports: [Report] = [
        Report(at: at(10), status: .charging),
        Report(at: at(10.5), status: .faulted, errorCode: "GroundFailure", vendorErrorCode: "E042"),
        Report(at: at(10 + 40.0 / 60), status: .faulted, errorCode: "OtherError", vendorErrorCode: "E077"),
        Report(at: at(10 + 50.0 / 60), status: .unavailable),
        Report(at: at(11.25), status: .available),
        Report(at: at(13), status: .faulted, errorCode: "GroundFailure", vendorErrorCode: "E042"),
        Report(at: at(13 + 10.0 / 60), status: .available),
        Report(at: at(20), status: .faulted, errorCode: "PowerMeterFailure"),
    ]

    @Test func anEpisodeRunsFromTheFaultToTheFirstUsableStatus() {
        let episodes = FaultEpisodes.episodes(Self.reports, statusBefore: .available)
        #expect(episodes.count == 3)
        #expect(episodes[0].code == "E042" && episodes[0].ocppErrorCode == "GroundFailure")   // the first report's code
        #expect(episodes[0].secondsToRecovery == 2_700)
        #expect(episodes[1].secondsToRecovery == 600)
        #expect(episodes[2].code == "PowerMeterFailure" && episodes[2].recovered == nil)
    }

    @Test func aFaultOpenBeforeTheRangeIsNotANewOne() {
        // Faulted since 23:30 the day before (carried in), Available at 00:30: no episode.
        let episodes = FaultEpisodes.episodes([Report(at: Self.at(0.5), status: .available)], statusBefore: .faulted)
        #expect(episodes.isEmpty)
    }

    /// E042 at site A: on CP-1 connector 1 (10:30, 45 min; 13:00, 10 min; up 11:15 → 13:00 =
    /// 6 300 s between them) and on CP-2 (15:00 → 15:05, 5 min): 3 episodes, 2 stations,
    /// MTTR (2 700 + 600 + 300) / 3 = 1 200 s, MTBF 6 300 s (only CP-1 had it twice).
    @Test func recurringErrorsGroupBySiteVendorAndCode() {
        let one = RecurringErrors.Input(station: "CP-1", site: "A", vendor: "ABB", evse: 1, connector: 1,
                                        episodes: FaultEpisodes.episodes(Self.reports, statusBefore: .available))
        let two = RecurringErrors.Input(station: "CP-2", site: "A", vendor: "ABB", evse: 1, connector: 1,
                                        episodes: FaultEpisodes.episodes([Report(at: Self.at(15), status: .faulted, vendorErrorCode: "E042"),
                                                                          Report(at: Self.at(15 + 5.0 / 60), status: .available)],
                                                                         statusBefore: nil))
        let groups = RecurringErrors.groups([one, two], range: Self.day) { _, episode in episode.code == "E042" ? "Ground fault" : nil }
        #expect(groups.count == 2)
        let top = groups[0]
        #expect(top.code == "E042" && top.site == "A" && top.vendor == "ABB" && top.title == "Ground fault")
        #expect(top.count == 3 && top.stations == ["CP-1", "CP-2"])
        #expect(top.firstSeen == Self.at(10.5) && top.lastSeen == Self.at(15))
        #expect(top.meanTimeToRecoverySeconds == 1_200)
        #expect(top.meanTimeBetweenFaultsSeconds == 6_300)
        #expect(groups[1].code == "PowerMeterFailure" && groups[1].meanTimeToRecoverySeconds == nil
                && groups[1].meanTimeBetweenFaultsSeconds == nil)
    }

    /// The store: a session that spans a fault fails as faultDuringSession, and the fault's
    /// recovery is measured from the status history.
    @Test(arguments: TestEngine.all) func aSessionSpanningAFaultFailsAndItsRecoveryIsMeasured(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "faults")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        _ = try await store.recordBoot(id: "CP-1", vendor: "ABB", model: "X", serial: nil, firmware: nil, ocppVersion: "ocpp1.6",
                                       reason: nil, registrationForUnknown: "accepted", now: "2026-12-01T09:00:00.000Z")
        func status(_ status: ConnectorStatus, _ code: String?, _ vendor: String?, _ now: String) async throws {
            try await store.recordStatus(id: "CP-1", StatusReport(evse: 1, connector: 1, status: status, errorCode: code.map { OCPPErrorCode($0) },
                                                                  vendorId: nil, vendorErrorCode: vendor, info: nil, chargerTime: nil), now: now)
        }
        try await status(.charging, nil, nil, "2026-12-01T10:00:00.000Z")
        let session = try await store.startSession(station: "CP-1", evse: 1, connector: 1, transactionRef: nil, idToken: "T", authorization: "Accepted",
                                                   startTime: "2026-12-01T10:00:00.000Z", meterStartWh: 0, now: "2026-12-01T10:00:00.000Z")
        try await status(.faulted, "GroundFailure", "E042", "2026-12-01T10:30:00.000Z")
        try await store.recordSessionError(station: "CP-1", evse: 1, "2026-12-01T10:30:00Z GroundFailure E042")
        _ = try await store.stopSession(id: session, stopTime: "2026-12-01T10:31:00.000Z", meterStopWh: 4_000, reason: "EVDisconnected",
                                        now: "2026-12-01T10:31:00.000Z")
        try await status(.available, "NoError", nil, "2026-12-01T11:15:00.000Z")

        let metrics = try await store.sessionMetrics(station: "CP-1", from: Self.at(0), to: Self.at(24), minEnergyWh: 100,
                                                     sites: SiteDirectory()) { _, _ in [] }
        #expect(metrics.total.sessions == 1)
        #expect(metrics.total.failures == ["faultDuringSession": 1])
        #expect(metrics.total.successRate == 0)
        #expect(metrics.total.energyWh == 4_000)

        let errors = try await store.errorMetrics(station: "CP-1", from: Self.at(0), to: Self.at(24), limit: 10, catalog: nil)
        #expect(errors.errors.count == 1)
        #expect(errors.errors.first?.code == "E042" && errors.errors.first?.vendor == "ABB")
        #expect(errors.errors.first?.meanTimeToRecoverySeconds == 2_700)   // 10:30 → 11:15
    }
    /// 2.0.1 reports a fault's cause in NotifyEvent: a Faulted status report takes the code of
    /// the problem raised on its EVSE (here 30 s before it), and a problem without a Faulted
    /// report is an episode of its own, from its raise to its clear.
    @Test func theCauseOfA201FaultComesFromItsProblem() {
        var episodes = FaultEpisodes.episodes([Report(at: Self.at(10), status: .faulted), Report(at: Self.at(10.5), status: .available)],
                                              statusBefore: .available)
        #expect(episodes.first?.code == "Faulted")
        let problems = [FaultEpisodes.Problem(start: Self.at(10).addingTimeInterval(-30), cleared: Self.at(10.4), code: "ConnectorPlugRetentionLock/Problem",
                                              vendorErrorCode: "ZZ-1"),
                        FaultEpisodes.Problem(start: Self.at(12), cleared: Self.at(12.1), code: "RCD/Tripped", vendorErrorCode: nil),
                        FaultEpisodes.Problem(start: Self.at(9), cleared: nil, code: "Early/Problem", vendorErrorCode: nil)]
        let covered = FaultEpisodes.attach(problems, to: &episodes)
        // "Early/Problem", raised at 09:00 and never cleared, is not taken for this fault (a
        // problem never cleared counts only near or during it); RCD/Tripped came after it.
        #expect(episodes.map(\.code) == ["ZZ-1"] && episodes.first?.ocppErrorCode == "ConnectorPlugRetentionLock/Problem")
        #expect(covered == [0])
        // A problem raised two minutes before the Faulted report and cleared with it is its cause.
        var late = FaultEpisodes.episodes([Report(at: Self.at(14), status: .faulted), Report(at: Self.at(14.5), status: .available)],
                                          statusBefore: .available)
        let left = FaultEpisodes.attach([FaultEpisodes.Problem(start: Self.at(14).addingTimeInterval(-120), cleared: Self.at(14.4),
                                                               code: "PowerContactor/Problem", vendorErrorCode: "ZZ-7")], to: &late)
        #expect(late.map(\.code) == ["ZZ-7"] && left == [0])
    }

    /// The same through the store, from the status history and the event log of a 2.0.1 station.
    @Test func a201StationsRecurringErrorsNameTheCause() async throws {
        let test = try TestDatabase(.sqlite, name: "faults201")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        _ = try await store.recordBoot(id: "CS-1", vendor: "alpitronic", model: "HYC", serial: nil, firmware: nil, ocppVersion: "ocpp2.0.1",
                                       reason: nil, registrationForUnknown: "accepted", now: "2026-12-01T09:00:00.000Z")
        func status(_ status: ConnectorStatus, _ now: String) async throws {
            try await store.recordStatus(id: "CS-1", StatusReport(evse: 1, connector: 1, status: status, errorCode: nil, vendorId: nil,
                                                                  vendorErrorCode: nil, info: nil, chargerTime: nil), now: now)
        }
        func problem(_ kind: EventKind, evse: Int, code: String, techCode: String?, at hours: Double) async throws {
            var fields: [String: FieldValue] = ["to": .string(kind == .statusChanged ? "Faulted" : "Available"), "ocppErrorCode": .string(code)]
            if let techCode { fields["vendorErrorCode"] = .string(techCode) }
            _ = try await store.appendEvent(DomainEvent(id: UUID().uuidString, kind: kind, time: Self.at(hours), station: "CS-1", connector: evse,
                                                        evse: evse, fields: fields)) { _ in }
        }
        try await status(.available, "2026-12-01T09:30:00.000Z")
        try await problem(.statusChanged, evse: 1, code: "ConnectorPlugRetentionLock/Problem", techCode: "ZZ-1", at: 10 - 30.0 / 3_600)
        try await status(.faulted, "2026-12-01T10:00:00.000Z")
        try await problem(.faultCleared, evse: 1, code: "ConnectorPlugRetentionLock/Problem", techCode: nil, at: 10.1)
        try await status(.available, "2026-12-01T10:10:00.000Z")
        try await problem(.statusChanged, evse: 1, code: "RCD/Tripped", techCode: "ZZ-999", at: 11)
        try await problem(.faultCleared, evse: 1, code: "RCD/Tripped", techCode: nil, at: 11 + 5.0 / 60)
        // A station-level problem (no EVSE) names the Faulted report of EVSE 1 that follows it.
        try await problem(.statusChanged, evse: 0, code: "ChargingStation/Problem", techCode: "ZZ-0", at: 12 - 10.0 / 3_600)
        try await status(.faulted, "2026-12-01T12:00:00.000Z")
        try await problem(.faultCleared, evse: 0, code: "ChargingStation/Problem", techCode: nil, at: 12.2)
        try await status(.available, "2026-12-01T12:15:00.000Z")
        let errors = try await store.errorMetrics(station: "CS-1", from: Self.at(0), to: Self.at(24), limit: 10, catalog: nil)
        #expect(errors.errors.map(\.code).sorted() == ["ZZ-0", "ZZ-1", "ZZ-999"])
        #expect(errors.errors.allSatisfy { $0.count == 1 })   // each fault once: not also as its own problem
        #expect(errors.errors.first { $0.code == "ZZ-1" }?.meanTimeToRecoverySeconds == 600)
        #expect(errors.errors.first { $0.code == "ZZ-999" }?.meanTimeToRecoverySeconds == 300)
        #expect(errors.errors.first { $0.code == "ZZ-999" }?.ocppErrorCode == "RCD/Tripped")
    }
}
