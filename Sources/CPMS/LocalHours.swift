import Foundation

/// The local hour (0–23) and weekday (Monday = 0 … Sunday = 6) of instants in a time zone, as
/// a wall clock there shows them — session metrics' peak hours. Arithmetic on the zone's
/// offset instead of a `Calendar` per instant: the offset is asked of the zone once and
/// reused until the zone's next daylight-saving transition, so a year of sessions in time
/// order costs a few lookups per DST change, not one calendar computation each. Feed it
/// instants in ascending order for that (any order is still correct, only slower).
struct LocalHours {
    let timeZone: TimeZone
    private var offset = 0
    private var validFrom = Date.distantFuture
    private var validUntil = Date.distantPast

    init(_ timeZone: TimeZone) { self.timeZone = timeZone }

    /// The hour and the Monday-first weekday of `instant` in the zone.
    mutating func hourAndWeekday(_ instant: Date) -> (hour: Int, weekday: Int) {
        if instant < validFrom || instant >= validUntil {
            offset = timeZone.secondsFromGMT(for: instant)
            validFrom = instant
            validUntil = timeZone.nextDaylightSavingTimeTransition(after: instant) ?? .distantFuture
        }
        let local = Int((instant.timeIntervalSince1970).rounded(.down)) + offset
        let (days, seconds) = Self.floorDivision(local, 86_400)
        // 1970-01-01 was a Thursday: index 3 when Monday is 0.
        return (seconds / 3_600, Self.floorDivision(days + 3, 7).remainder)
    }

    static func floorDivision(_ value: Int, _ divisor: Int) -> (quotient: Int, remainder: Int) {
        let remainder = ((value % divisor) + divisor) % divisor
        return ((value - remainder) / divisor, remainder)
    }
}
