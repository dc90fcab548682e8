import DomainEvents
import Foundation
import Testing
@testable import CPMS

/// The session metrics calculator on hand-built sessions with known answers: success and its
/// failure reasons, durations, utilisation from availability, and peak hours across the two
/// Europe/Berlin DST changes of 2026.
@Suite struct SessionMetricsTests {
    typealias Session = SessionMetrics.Session

    /// 2026-12-01T00:00:00Z.
    static let midnight = Date(timeIntervalSince1970: 1_796_083_200)
    static func at(_ hours: Double) -> Date { midnight.addingTimeInterval(hours * 3_600) }
    static let day = DateInterval(start: at(0), end: at(24))
    static let berlin = TimeZone(identifier: "Europe/Berlin")!
    static func utc(_ text: String) -> Date { StoreTime.parse(text)! }

    static func session(_ start: Date, minutes: Double?, kWh: Double?, reason: String? = "EVDisconnected", fault: Bool = false) -> Session {
        Session(start: start, stop: minutes.map { start.addingTimeInterval($0 * 60) }, energyWh: kWh.map { $0 * 1_000 },
                stopReason: reason, hadFault: fault)
    }

    @Test func eachCompletedSessionIsJudgedOnceByTheFirstFailureThatHolds() {
        let sessions = [
            Self.session(Self.at(8), minutes: 60, kWh: 10),                                    // successful
            Self.session(Self.at(9), minutes: 10, kWh: 0.05, reason: "Local"),                 // noEnergy (< 0.1 kWh)
            Self.session(Self.at(10), minutes: 30, kWh: 5, reason: "PowerLoss"),               // stopReason:PowerLoss
            Self.session(Self.at(11), minutes: 120, kWh: 0, reason: "PowerLoss", fault: true), // fault first, though also PowerLoss and no energy
            Self.session(Self.at(23), minutes: nil, kWh: nil),                                 // still running: counted, not judged
            Self.session(Self.at(-1), minutes: 30, kWh: 3),                                    // started the day before: not counted
        ]
        let figures = SessionMetrics.compute(sessions: sessions, range: Self.day, minEnergyWh: 100, timeZone: Site.utc,
                                             availability: .init())
        #expect(figures.sessions == 5)
        #expect(figures.active == 1)
        #expect(figures.successful == 1)
        #expect(figures.successRate == 0.25)                       // 1 of 4 completed
        #expect(figures.failures == ["noEnergy": 1, "stopReason:PowerLoss": 1, "faultDuringSession": 1])
        #expect(abs(figures.energyWh - 15_050) < 1e-9)                           // 10 + 0.05 + 5 + 0 kWh
        #expect(figures.durations == [600, 1_800, 3_600, 7_200])
        #expect(figures.meanDurationSeconds == 3_300)               // 13 200 / 4
        #expect(figures.medianDurationSeconds == 2_700)             // (1 800 + 3 600) / 2
    }

    @Test func aStopBeforeItsStartHasNoDuration() {
        let sessions = [Self.session(Self.at(8), minutes: 10, kWh: 3), Self.session(Self.at(10), minutes: -60, kWh: 3)]
        let figures = SessionMetrics.compute(sessions: sessions, range: Self.day, minEnergyWh: 100, timeZone: Site.utc, availability: .init())
        #expect(figures.sessions == 2 && figures.durations == [600])   // not (0 + 600) / 2
        #expect(figures.meanDurationSeconds == 600)
    }

    @Test func theMinimumEnergyIsAParameter() {
        let sessions = [Self.session(Self.at(8), minutes: 60, kWh: 0.3)]
        #expect(SessionMetrics.compute(sessions: sessions, range: Self.day, minEnergyWh: 100, timeZone: Site.utc, availability: .init()).successful == 1)
        #expect(SessionMetrics.compute(sessions: sessions, range: Self.day, minEnergyWh: 500, timeZone: Site.utc, availability: .init())
                    .failures == ["noEnergy": 1])
    }

    @Test func stopReasonsThatAreNotFailures() {
        for reason in ["EVDisconnected", "Local", "Remote", "DeAuthorized", "Other", "StoppedByEV", "SOCLimitReached", "Timeout"] {
            #expect(SessionOutcome.judge(energyWh: 1_000, stopReason: reason, hadFault: false, minEnergyWh: 100) == .successful, "\(reason)")
        }
        for reason in ["EmergencyStop", "PowerLoss", "Reboot", "HardReset", "SoftReset", "UnlockCommand", "ImmediateReset", "GroundFault"] {
            #expect(SessionOutcome.judge(energyWh: 1_000, stopReason: reason, hadFault: false, minEnergyWh: 100) == .stopReason(reason))
        }
        #expect(SessionOutcome.judge(energyWh: nil, stopReason: "Local", hadFault: false, minEnergyWh: 100) == .noEnergy)   // no reading
    }

    @Test func aStationThatNeverConnectedHasNoRateRatherThanZero() {
        let availability = ConnectorAvailability.compute(range: Self.day, connectivity: [], stateBefore: nil, statuses: [],
                                                         statusBefore: nil, maintenance: [])
        let figures = SessionMetrics.compute(sessions: [], range: Self.day, minEnergyWh: 100, timeZone: Site.utc, availability: availability)
        #expect(figures.sessions == 0)
        #expect(figures.successRate == nil)
        #expect(figures.meanDurationSeconds == nil && figures.medianDurationSeconds == nil)
        #expect(figures.chargingShare == nil && figures.occupiedShare == nil)   // nothing was available
        #expect(figures.availability.neverConnected)
    }

    /// Offline 22:00 the day before → 02:00; Preparing 08:00, Charging 08:15, SuspendedEV 10:15,
    /// Finishing 10:45, Available 11:00; maintenance 10:00–12:00.
    /// Available: 24 h − 2 h offline − 2 h maintenance = 72 000 s. Charging counts 08:15–10:00
    /// (6 300 s; the rest is in maintenance); occupied 08:00–10:00 (7 200 s).
    @Test func utilisationIsAShareOfTheAvailableTime() {
        let availability = ConnectorAvailability.compute(
            range: Self.day,
            connectivity: [.init(at: Self.at(-2), online: false), .init(at: Self.at(2), online: true)], stateBefore: true,
            statuses: [.init(at: Self.at(8), status: .preparing), .init(at: Self.at(8.25), status: .charging),
                       .init(at: Self.at(10.25), status: .suspendedEV), .init(at: Self.at(10.75), status: .finishing),
                       .init(at: Self.at(11), status: .available)],
            statusBefore: .available, maintenance: [DateInterval(start: Self.at(10), end: Self.at(12))])
        #expect(availability.availableSeconds == 72_000)
        #expect(availability.chargingSeconds == 6_300)
        #expect(availability.occupiedSeconds == 7_200)
        let figures = SessionMetrics.compute(sessions: [], range: Self.day, minEnergyWh: 100, timeZone: Site.utc, availability: availability)
        #expect(figures.chargingShare == 0.0875)
        #expect(figures.occupiedShare == 0.1)
    }

    /// Spring forward, Sunday 2026-03-29: at 01:00Z Berlin goes from 02:00 CET to 03:00 CEST,
    /// so local 02:xx does not exist. 00:30Z is 01:30 CET (hour 1); 01:30Z is 03:30 CEST (hour
    /// 3); 02:30Z is 04:30 (hour 4). Hour 2 stays empty; all three are on a Sunday (index 6).
    @Test func springForwardSkipsTheMissingHour() {
        let sessions = ["2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z", "2026-03-29T02:30:00Z"].map {
            Self.session(Self.utc($0), minutes: 30, kWh: 5)
        }
        let range = DateInterval(start: Self.utc("2026-03-28T00:00:00Z"), end: Self.utc("2026-03-30T00:00:00Z"))
        let figures = SessionMetrics.compute(sessions: sessions, range: range, minEnergyWh: 100, timeZone: Self.berlin, availability: .init())
        #expect(figures.byHour[1] == 1 && figures.byHour[2] == 0 && figures.byHour[3] == 1 && figures.byHour[4] == 1)
        #expect(figures.byWeekday == [0, 0, 0, 0, 0, 0, 3])
        // In UTC the same starts are hours 0, 1 and 2.
        let inUTC = SessionMetrics.compute(sessions: sessions, range: range, minEnergyWh: 100, timeZone: Site.utc, availability: .init())
        #expect(Array(inUTC.byHour[0...2]) == [1, 1, 1])
    }

    /// Fall back, Sunday 2026-10-25: the local day runs 2026-10-24T22:00Z → 2026-10-25T23:00Z,
    /// 25 hours, because 02:00–03:00 happens twice (00:00Z–01:00Z in CEST, 01:00Z–02:00Z in
    /// CET). One session at half past each of the 25 UTC hours: every local hour gets one,
    /// hour 2 gets two (02:30 CEST at 00:30Z and 02:30 CET at 01:30Z), all on Sunday.
    @Test func fallBackCountsTheRepeatedHourTwiceInATwentyFiveHourDay() {
        let first = Self.utc("2026-10-24T22:30:00Z")
        let sessions = (0..<25).map { Self.session(first.addingTimeInterval(Double($0) * 3_600), minutes: 20, kWh: 2) }
        let range = DateInterval(start: Self.utc("2026-10-24T22:00:00Z"), end: Self.utc("2026-10-25T23:00:00Z"))
        let figures = SessionMetrics.compute(sessions: sessions, range: range, minEnergyWh: 100, timeZone: Self.berlin, availability: .init())
        var expected = [Int](repeating: 1, count: 24)
        expected[2] = 2
        #expect(figures.byHour == expected)
        #expect(figures.byWeekday == [0, 0, 0, 0, 0, 0, 25])
        #expect(figures.sessions == 25)
    }

    /// The arithmetic local clock agrees with Foundation's calendar at every instant, 37
    /// minutes apart through 2026, in zones with whole-hour, half-hour and 45-minute offsets,
    /// a 30-minute DST shift (Lord Howe) and southern-hemisphere DST — in order and out of it.
    @Test(arguments: ["Europe/Berlin", "America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe", "America/Santiago", "UTC"])
    func localHoursAgreeWithTheCalendar(_ zone: String) throws {
        let timeZone = try #require(TimeZone(identifier: zone))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var clock = LocalHours(timeZone)
        let start = Self.utc("2026-01-01T00:00:00Z")
        let instants = (0..<(365 * 24 * 60 / 37)).map { start.addingTimeInterval(Double($0) * 37 * 60) }
        for instant in instants + instants.reversed().prefix(500) {
            let expected = calendar.dateComponents([.hour, .weekday], from: instant)
            let local = clock.hourAndWeekday(instant)
            guard local.hour == expected.hour, local.weekday == ((expected.weekday ?? 0) + 5) % 7 else {
                Issue.record("\(zone) at \(instant): \(local), calendar says hour \(expected.hour ?? -1), weekday \(expected.weekday ?? -1)")
                return
            }
        }
    }

    @Test func aggregatesAddCountsAndTakeTheMedianOfAllDurations() {
        let one = SessionMetrics.compute(sessions: [Self.session(Self.at(1), minutes: 10, kWh: 1)], range: Self.day, minEnergyWh: 100,
                                         timeZone: Site.utc, availability: .init(totalSeconds: 100, availableSeconds: 100))
        let other = SessionMetrics.compute(sessions: [Self.session(Self.at(2), minutes: 20, kWh: 1), Self.session(Self.at(3), minutes: 90, kWh: 0)],
                                           range: Self.day, minEnergyWh: 100, timeZone: Site.utc, availability: .init())
        let sum = SessionMetrics.Figures.sum([one, other])
        #expect(sum.sessions == 3 && sum.successful == 2)
        #expect(sum.durations == [600, 1_200, 5_400])
        #expect(sum.medianDurationSeconds == 1_200)
        #expect(sum.byHour[1] == 1 && sum.byHour[2] == 1 && sum.byHour[3] == 1)
        #expect(sum.availability.availableSeconds == 100)
    }
}
