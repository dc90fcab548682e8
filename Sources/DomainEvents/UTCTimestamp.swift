import Foundation

/// RFC 3339 timestamps in UTC (`2026-01-01T00:00:00Z`, or with milliseconds
/// `2026-01-01T00:00:00.000Z`), written and read arithmetically. Every stored event, decision
/// and command carries one, and building a Foundation date formatter per call cost more than
/// the rest of evaluating an event; this writer allocates only the result string.
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

    /// Reads `YYYY-MM-DDTHH:MM:SS[.fraction]Z` arithmetically; any other RFC 3339 form (an
    /// offset such as +02:00) through Foundation. Nil when it is not a timestamp.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        // The UTC form is read here and only here (Foundation would take 24:00:00 as the next day).
        if bytes.count >= 20, bytes.last == 90, bytes.count > 10, bytes[10] == 84 || bytes[10] == 116 { return parseUTC(bytes) }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    static func parseUTC(_ b: [UInt8]) -> Date? {
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                guard b[index] >= 48 && b[index] <= 57 else { return nil }
                value = value * 10 + Int64(b[index] - 48)
            }
            return value
        }
        guard b[4] == 45, b[7] == 45, b[10] == 84 || b[10] == 116, b[13] == 58, b[16] == 58,
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var fraction = 0.0
        let end = b.count - 1
        if end > 19 {
            guard b[19] == 46, end > 20 else { return nil }
            var scale = 0.1
            for index in 20..<end {
                guard b[index] >= 48 && b[index] <= 57 else { return nil }
                fraction += Double(b[index] - 48) * scale
                scale /= 10
            }
        }
        // Days from civil (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }
}
