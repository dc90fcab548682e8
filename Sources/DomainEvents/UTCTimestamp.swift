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
        let (seconds, millis) = milliseconds ? split(date) : (Int64(date.timeIntervalSince1970.rounded(.down)), 0)
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
        // Written straight into the string's storage: one allocation (a byte array, a box for a
        // nested writer capturing it and the string were three, on the store's thread, for
        // every event).
        return String(unsafeUninitializedCapacity: milliseconds ? 24 : 20) { buffer in
            put(year, 4, at: 0, in: buffer); buffer[4] = 45
            put(month, 2, at: 5, in: buffer); buffer[7] = 45
            put(day, 2, at: 8, in: buffer); buffer[10] = 84
            put(secondOfDay / 3_600, 2, at: 11, in: buffer); buffer[13] = 58
            put(secondOfDay / 60 % 60, 2, at: 14, in: buffer); buffer[16] = 58
            put(secondOfDay % 60, 2, at: 17, in: buffer)
            guard milliseconds else {
                buffer[19] = 90
                return 20
            }
            buffer[19] = 46
            put(millis, 3, at: 20, in: buffer); buffer[23] = 90
            return 24
        }
    }

    /// Writes the last `width` decimal digits of `value` (0 when negative) at `offset`.
    private static func put(_ value: Int64, _ width: Int, at offset: Int, in buffer: UnsafeMutableBufferPointer<UInt8>) {
        var rest = max(value, 0)
        for index in stride(from: offset + width - 1, through: offset, by: -1) {
            buffer[index] = UInt8(truncatingIfNeeded: 48 + rest % 10)
            rest /= 10
        }
    }

    /// Whole seconds since 1970 and the millisecond within, to the nearest millisecond.
    static func split(_ date: Date) -> (seconds: Int64, millis: Int64) {
        let interval = date.timeIntervalSince1970
        var seconds = Int64(interval.rounded(.down))
        var millis = Int64(((interval - Double(seconds)) * 1_000).rounded())
        if millis >= 1_000 { seconds += 1; millis -= 1_000 }
        return (seconds, millis)
    }

    static func date(seconds: Int64, millis: Int64) -> Date {
        Date(timeIntervalSince1970: Double(seconds) + Double(millis) / 1_000)
    }

    /// `date` to the nearest millisecond, computed the way `parse` computes a time it reads: a
    /// time written with milliseconds reads back equal to this.
    public static func millisecondPrecision(_ date: Date) -> Date {
        let (seconds, millis) = split(date)
        return Self.date(seconds: seconds, millis: millis)
    }

    /// Reads `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.mmmZ`, exactly the forms `format`
    /// writes; nil for anything else (callers fall back to a general RFC 3339 reader).
    public static func parse(_ text: String) -> Date? {
        var text = text
        // The string's own UTF-8 storage, not a copy: metrics read a year of times through here.
        return text.withUTF8 { parse(bytes: $0) }
    }

    private static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        guard bytes.count == 20 || bytes.count == 24, bytes[4] == 45, bytes[7] == 45, bytes[10] == 84, bytes[13] == 58,
              bytes[16] == 58, bytes[bytes.count - 1] == 90 else { return nil }
        func number(_ start: Int, _ count: Int) -> Int64? {
            var value: Int64 = 0
            for index in start..<(start + count) {
                let byte = bytes[index]
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
              let minute = number(14, 2), let second = number(17, 2), (1...12).contains(month), (1...31).contains(day),
              hour < 24, minute < 60, second < 60 else { return nil }
        var millis: Int64 = 0
        if bytes.count == 24 {
            guard bytes[19] == 46, let fraction = number(20, 3) else { return nil }
            millis = fraction
        }
        // Days since 1970-01-01 from the civil date (Howard Hinnant's algorithm).
        let y = year - (month <= 2 ? 1 : 0)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return date(seconds: days * 86_400 + hour * 3_600 + minute * 60 + second, millis: millis)
    }
}
