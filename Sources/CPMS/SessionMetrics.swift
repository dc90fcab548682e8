import Foundation

/// Session figures of a station, a site or the network over a range: how many sessions, how
/// many succeeded (`SessionOutcome`), energy, durations, utilisation and peak hours — a pure
/// calculation over sessions given to it (no I/O, no clock; the time zone is an input).
///
/// - A session belongs to the range when it **started** in it (`from ≤ start < to`, the
///   charger's start time): a session is counted once, in the range it began.
/// - A session still running is counted in `sessions` and `active` and not judged: the success
///   rate is successful ÷ completed, nil when none completed (no evidence is not 0 %).
/// - Energy is the completed sessions' delivered energy; durations are stop − start of the
///   completed ones (mean and median, nil without any); a stop before its start (the charger's
///   clock) has no duration and is left out of them.
/// - Utilisation comes from the availability calculator's figures for the same range:
///   charging share = charging seconds ÷ available seconds, occupied share likewise (nil when
///   nothing was available).
/// - Peak hours count session starts by local hour (0–23) and weekday (Monday first) in the
///   site's time zone, as a wall clock there showed them: on a spring-forward day the skipped
///   hour gets none, on a fall-back day the repeated hour gets both of its passes.
public enum SessionMetrics {
    /// One session as the calculator needs it.
    public struct Session: Sendable, Equatable {
        public var start: Date
        /// Nil while it runs.
        public var stop: Date?
        public var energyWh: Double?
        public var stopReason: String?
        /// An error code was recorded on the session while it ran (`SessionRecord.errors`).
        public var hadFault: Bool

        public init(start: Date, stop: Date?, energyWh: Double?, stopReason: String?, hadFault: Bool) {
            self.start = start
            self.stop = stop
            self.energyWh = energyWh
            self.stopReason = stopReason
            self.hadFault = hadFault
        }
    }

    /// The figures of one station, or a sum of them (`sum`: counts, seconds and durations add
    /// up; rates and medians are taken from the sums, never averaged).
    public struct Figures: Sendable, Equatable {
        public var sessions = 0
        public var active = 0
        public var successful = 0
        /// Failed sessions by `SessionOutcome.failureKey`.
        public var failures: [String: Int] = [:]
        public var energyWh: Double = 0
        /// Completed sessions' durations in seconds, ascending.
        public var durations: [Double] = []
        /// Session starts by local hour, 0–23.
        public var byHour = [Int](repeating: 0, count: 24)
        /// Session starts by local weekday, Monday first.
        public var byWeekday = [Int](repeating: 0, count: 7)
        /// The availability figures the shares are taken from.
        public var availability = ConnectorAvailability.Figures()

        public init() {}

        public var completed: Int { sessions - active }
        public var successRate: Double? { completed > 0 ? Double(successful) / Double(completed) : nil }
        public var meanDurationSeconds: Double? { durations.isEmpty ? nil : durations.reduce(0, +) / Double(durations.count) }
        public var medianDurationSeconds: Double? { SessionMetrics.median(durations) }
        public var chargingShare: Double? {
            availability.availableSeconds > 0 ? availability.chargingSeconds / availability.availableSeconds : nil
        }
        public var occupiedShare: Double? {
            availability.availableSeconds > 0 ? availability.occupiedSeconds / availability.availableSeconds : nil
        }

        public static func sum(_ parts: [Figures]) -> Figures {
            var total = Figures()
            for part in parts {
                total.sessions += part.sessions
                total.active += part.active
                total.successful += part.successful
                for (key, count) in part.failures { total.failures[key, default: 0] += count }
                total.energyWh += part.energyWh
                total.durations += part.durations
                for hour in 0..<24 { total.byHour[hour] += part.byHour[hour] }
                for day in 0..<7 { total.byWeekday[day] += part.byWeekday[day] }
            }
            total.durations.sort()
            total.availability = .sum(parts.map(\.availability))
            return total
        }
    }

    /// The figures of `sessions` (those outside `range` are ignored) with `availability` for
    /// the same range; `minEnergyWh` is the least energy a successful session delivers.
    public static func compute(sessions: [Session], range: DateInterval, minEnergyWh: Double, timeZone: TimeZone,
                               availability: ConnectorAvailability.Figures) -> Figures {
        var figures = Figures()
        figures.availability = availability
        var clock = LocalHours(timeZone)
        for session in sessions.sorted(by: { $0.start < $1.start }) where session.start >= range.start && session.start < range.end {
            figures.sessions += 1
            let local = clock.hourAndWeekday(session.start)
            figures.byHour[local.hour] += 1
            figures.byWeekday[local.weekday] += 1
            guard let stop = session.stop else {
                figures.active += 1
                continue
            }
            figures.energyWh += max(0, session.energyWh ?? 0)
            // A stop before the start is the charger's clock, not a session of no length: its
            // duration is unknown and left out of the mean and median (its record says so).
            if stop >= session.start { figures.durations.append(stop.timeIntervalSince(session.start)) }
            let outcome = SessionOutcome.judge(energyWh: session.energyWh, stopReason: session.stopReason, hadFault: session.hadFault,
                                               minEnergyWh: minEnergyWh)
            if let key = outcome.failureKey { figures.failures[key, default: 0] += 1 } else { figures.successful += 1 }
        }
        figures.durations.sort()
        return figures
    }

    /// The middle value (the mean of the two middle ones for an even count); nil for none.
    public static func median(_ sorted: [Double]) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
