import Foundation

/// RFC 3339 timestamps in UTC (`2026-01-01T00:00:00Z`, or with milliseconds
/// `2026-01-01T00:00:00.000Z`), written arithmetically. Every stored event, decision and
/// command carries one, and building a Foundation date formatter per call cost more than the
/// rest of evaluating an event; this writer allocates only the result string. (Reading is
/// `OCPPDateTime`'s strict parser, through `StoreTime.parse`.)
public enum UTCTimestamp {
    /// `date` as RFC 3339 UTC; with `milliseconds`, always three fraction digits (fixed width,
    /// so that comparing the text compares the times).
    public static func format(_ date: Date, milliseconds: Bool) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = Int64(interval.rounded(.down))
        var millis = Int64(((interval - Double(seconds)) * 1_000).rounded(.down))
        if millis >= 1_000 { seconds += 1; millis -= 1_000 }
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        func digits(_ value: Int64, _ width: Int) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = max(value, 0)
            while divisor > 0 {
                bytes.append(UInt8(truncatingIfNeeded: 48 + (rest / divisor) % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(year, 4); bytes.append(45); digits(month, 2); bytes.append(45); digits(day, 2)
        bytes.append(84)
        digits(secondOfDay / 3_600, 2); bytes.append(58); digits(secondOfDay / 60 % 60, 2); bytes.append(58); digits(secondOfDay % 60, 2)
        if milliseconds { bytes.append(46); digits(millis, 3) }
        bytes.append(90)
        return String(decoding: bytes, as: UTF8.self)
    }
}
