import Foundation

/// Local wall-clock time in one time zone, exact across daylight-saving changes, for placing
/// tariff bands. Pure: the zone is given, nothing reads the clock.
///
/// A band boundary is a local time on a local date. On a spring-forward day a boundary inside
/// the skipped hour (02:30 in Europe/Berlin on 2026-03-29) is the instant the clocks jump
/// (01:00Z, when 02:00 CET becomes 03:00 CEST); on a fall-back day a boundary inside the
/// repeated hour is its first occurrence. Everything else maps to the one instant it names.
public struct LocalTimeline: Sendable {
    public let timeZone: TimeZone

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    /// The zone's offset from UTC in seconds at `seconds` since the epoch.
    func offset(atSeconds seconds: Int) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds)))
    }

    /// The local day (days since 1970-01-01 on the local calendar) of an instant in milliseconds.
    func localDay(of milliseconds: Int) -> Int {
        let seconds = Int((Double(milliseconds) / 1_000).rounded(.down))
        let local = seconds + offset(atSeconds: seconds)
        return Int((Double(local) / 86_400).rounded(.down))
    }

    /// The instant (milliseconds) of local wall-clock time `minute` minutes after the start of
    /// local day `day` (`minute` may be 1440: the next day's midnight).
    func instant(day: Int, minute: Int) -> Int {
        let local = day * 86_400 + minute * 60
        let before = offset(atSeconds: local - 86_400), after = offset(atSeconds: local + 86_400)
        let candidates = Set([local - before, local - after]).sorted()
        if let first = candidates.first(where: { offset(atSeconds: $0) == local - $0 }) { return first * 1_000 }
        // In the gap the clocks skip: the transition instant, between the two readings.
        var low = local - max(before, after), high = local - min(before, after)
        let lowOffset = offset(atSeconds: low)
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if offset(atSeconds: middle) == lowOffset { low = middle } else { high = middle }
        }
        return high * 1_000
    }

    /// The stretches of `band` that overlap `[from, to)` (milliseconds), as UTC intervals.
    func windows(of band: TariffBand, from: Int, to: Int) -> [Range<Int>] {
        let days = band.days ?? Weekday.allCases
        var result: [Range<Int>] = []
        for day in (localDay(of: from) - 1)...(localDay(of: to) + 1) where days.contains(Weekday.of(dayNumber: day)) {
            let start = instant(day: day, minute: band.from.minutes)
            let end = band.from.minutes < band.to.minutes ? instant(day: day, minute: band.to.minutes)
                                                          : instant(day: day + 1, minute: band.to.minutes)
            let clipped = max(start, from)..<max(min(end, to), max(start, from))
            if !clipped.isEmpty { result.append(clipped) }
        }
        return result
    }
}
