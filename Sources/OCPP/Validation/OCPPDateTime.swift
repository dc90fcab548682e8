/// An instant from an OCPP `date-time` field: UTC seconds since 1970 plus nanoseconds, and
/// the text it was read from. Parsing is hand-written RFC 3339 (no `DateFormatter`), since
/// every meter value carries one.
///
/// Two values are equal when they denote the same instant, whatever their text:
/// `2024-05-01T14:00:00+02:00` equals `2024-05-01T12:00:00Z`.
public struct OCPPDateTime: Sendable, Hashable, CustomStringConvertible {
    /// Whole seconds since 1970-01-01T00:00:00Z; negative before it.
    public let secondsSinceEpoch: Int64
    /// The fraction of the second, 0 ..< 1_000_000_000.
    public let nanoseconds: Int32
    /// The text this value was parsed from, or its `rfc3339` form when built from an instant.
    public let text: String
    /// False when the text had no zone offset and was read as UTC under `.missingTimeZone`.
    let hasZone: Bool
    /// Whether `text` is this value's `rfc3339` form (built from an instant, not parsed).
    private let isCanonical: Bool

    /// The instant `secondsSinceEpoch` plus `nanoseconds` (which is wrapped into whole seconds
    /// when outside 0 ..< 1e9); its text is the `rfc3339` form.
    public init(secondsSinceEpoch: Int64, nanoseconds: Int32 = 0) {
        let carry = Int64(nanoseconds).quotientAndRemainder(dividingBy: 1_000_000_000)
        var seconds = secondsSinceEpoch &+ carry.quotient
        var nanos = carry.remainder
        if nanos < 0 { nanos += 1_000_000_000; seconds &-= 1 }
        self.secondsSinceEpoch = seconds
        self.nanoseconds = Int32(nanos)
        self.hasZone = true
        self.text = Self.format(seconds: seconds, nanoseconds: Int32(nanos))
        self.isCanonical = true
    }

    /// The instant `millisecondsSinceEpoch` after 1970, written with exactly three fraction
    /// digits (`12:00:00.000Z`): the fixed-width form the store uses too, so such times compare
    /// correctly as text. Vigil's own clock reads this way.
    public init(millisecondsSinceEpoch: Int64) {
        var (seconds, millis) = millisecondsSinceEpoch.quotientAndRemainder(dividingBy: 1_000)
        if millis < 0 { millis += 1_000; seconds -= 1 }
        self.secondsSinceEpoch = seconds
        self.nanoseconds = Int32(millis * 1_000_000)
        self.hasZone = true
        self.text = Self.formatMilliseconds(seconds: seconds, millis: millis)
        self.isCanonical = true
    }

    init(secondsSinceEpoch: Int64, nanoseconds: Int32, text: String, hasZone: Bool) {
        self.secondsSinceEpoch = secondsSinceEpoch
        self.nanoseconds = nanoseconds
        self.text = text
        self.hasZone = hasZone
        self.isCanonical = false
    }

    /// Parses a strict RFC 3339 date-time, e.g. `2024-05-01T12:00:00Z`, or nil.
    public init?(rfc3339 text: String) {
        guard case .success(let value) = Self.parse(text) else { return nil }
        self = value
    }

    /// The instant in UTC: `2024-05-01T12:00:00Z`, with milliseconds when the instant is not
    /// a whole second (`12:00:00.250Z`), and more digits only when needed to stay exact.
    public var rfc3339: String { isCanonical ? text : Self.format(seconds: secondsSinceEpoch, nanoseconds: nanoseconds) }

    /// What `json()` writes: the received text when it was valid RFC 3339, keeping the
    /// station's offset and precision; otherwise the `rfc3339` form.
    var jsonText: String { hasZone ? text : rfc3339 }

    public var description: String { text }

    public static func == (a: OCPPDateTime, b: OCPPDateTime) -> Bool {
        a.secondsSinceEpoch == b.secondsSinceEpoch && a.nanoseconds == b.nanoseconds
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(secondsSinceEpoch)
        hasher.combine(nanoseconds)
    }
}

/// Why a text is not an RFC 3339 date-time.
public enum OCPPDateTimeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not of the form `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)`.
    case malformed
    /// The form is right but a field is out of range, e.g. month 13 or February 30.
    case invalidField(String)
    /// Valid except that the zone offset is missing; carries the value read as UTC.
    case missingTimeZone(utc: OCPPDateTime)

    public var description: String {
        switch self {
        case .malformed: return "expected the form 2024-05-01T12:00:00Z or 2024-05-01T12:00:00.5+02:00"
        case .invalidField(let field): return "\(field) is out of range"
        case .missingTimeZone: return "the zone offset is missing; expected Z or ±hh:mm at the end"
        }
    }
}

extension OCPPDateTime {
    /// Parses RFC 3339 `date-time`: `YYYY-MM-DDThh:mm:ss`, an optional fraction of any length
    /// (digits past nanoseconds are truncated), then `Z` or `±hh:mm`. `T` and `Z` may be
    /// lowercase, as RFC 3339 allows. A leap second (`:60`) is accepted and lands on the next
    /// second. Without an offset the result is `.missingTimeZone`, carrying the UTC reading.
    public static func parse(_ text: String) -> Result<OCPPDateTime, OCPPDateTimeError> {
        if let result = text.utf8.withContiguousStorageIfAvailable({ parse($0, text: text) }) { return result }
        return Array(text.utf8).withUnsafeBufferPointer { parse($0, text: text) }
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, text: String) -> Result<OCPPDateTime, OCPPDateTimeError> {
        var index = 0
        func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for _ in 0..<count {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                index += 1
            }
            return value
        }
        func expect(_ character: UInt8, or alternative: UInt8? = nil) -> Bool {
            guard index < bytes.count, bytes[index] == character || bytes[index] == alternative else { return false }
            index += 1
            return true
        }

        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")),
              let day = digits(2), expect(UInt8(ascii: "T"), or: UInt8(ascii: "t")),
              let hour = digits(2), expect(UInt8(ascii: ":")), let minute = digits(2), expect(UInt8(ascii: ":")),
              let second = digits(2) else { return .failure(.malformed) }

        var nanoseconds = 0
        if expect(UInt8(ascii: ".")) {
            var count = 0
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                if count < 9 { nanoseconds = nanoseconds * 10 + Int(bytes[index] - UInt8(ascii: "0")) }
                count += 1
                index += 1
            }
            guard count > 0 else { return .failure(.malformed) }
            for _ in min(count, 9)..<9 { nanoseconds *= 10 }
        }

        var offsetSeconds = 0
        var hasZone = true
        if index == bytes.count {
            hasZone = false
        } else if expect(UInt8(ascii: "Z"), or: UInt8(ascii: "z")) {
            offsetSeconds = 0
        } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let offsetHours = digits(2), expect(UInt8(ascii: ":")), let offsetMinutes = digits(2) else {
                return .failure(.malformed)
            }
            guard offsetHours <= 23 else { return .failure(.invalidField("offset hour \(offsetHours)")) }
            guard offsetMinutes <= 59 else { return .failure(.invalidField("offset minute \(offsetMinutes)")) }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        } else {
            return .failure(.malformed)
        }
        guard index == bytes.count else { return .failure(.malformed) }

        guard (1...12).contains(month) else { return .failure(.invalidField("month \(month)")) }
        guard (1...daysIn(month: month, year: year)).contains(day) else { return .failure(.invalidField("day \(day)")) }
        guard hour <= 23 else { return .failure(.invalidField("hour \(hour)")) }
        guard minute <= 59 else { return .failure(.invalidField("minute \(minute)")) }
        guard second <= 60 else { return .failure(.invalidField("second \(second)")) }

        let days = Int64(daysSinceEpoch(year: year, month: month, day: day))
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second - offsetSeconds)
        let value = OCPPDateTime(secondsSinceEpoch: seconds, nanoseconds: Int32(nanoseconds), text: text, hasZone: hasZone)
        return hasZone ? .success(value) : .failure(.missingTimeZone(utc: value))
    }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date for a day count from 1970-01-01 (`civil_from_days`).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1)
        let month = Int(shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9)
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func format(seconds: Int64, nanoseconds: Int32) -> String {
        let (days, secondOfDay) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (dayCount, second) = secondOfDay < 0 ? (days - 1, secondOfDay + 86_400) : (days, secondOfDay)
        let date = civil(fromDays: dayCount)
        var text = date.year < 0 ? "-" + pad(-date.year, 4) : pad(date.year, 4)
        text += "-" + pad(Int64(date.month), 2) + "-" + pad(Int64(date.day), 2)
        text += "T" + pad(second / 3600, 2) + ":" + pad(second % 3600 / 60, 2) + ":" + pad(second % 60, 2)
        if nanoseconds != 0 {
            if nanoseconds % 1_000_000 == 0 {
                text += "." + pad(Int64(nanoseconds / 1_000_000), 3)
            } else if nanoseconds % 1_000 == 0 {
                text += "." + pad(Int64(nanoseconds / 1_000), 6)
            } else {
                text += "." + pad(Int64(nanoseconds), 9)
            }
        }
        return text + "Z"
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, written byte by byte (Vigil's clock is read several times
    /// per message).
    static func formatMilliseconds(seconds: Int64, millis: Int64) -> String {
        let (days, secondOfDay) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (dayCount, second) = secondOfDay < 0 ? (days - 1, secondOfDay + 86_400) : (days, secondOfDay)
        let date = civil(fromDays: dayCount)
        guard (0...9_999).contains(date.year) else {
            return String(format(seconds: seconds, nanoseconds: 0).dropLast()) + "." + pad(millis, 3) + "Z"
        }
        return String(unsafeUninitializedCapacity: 24) { buffer in
            func put(_ value: Int64, _ width: Int, at offset: Int) {
                var rest = value
                for index in stride(from: offset + width - 1, through: offset, by: -1) {
                    buffer[index] = UInt8(truncatingIfNeeded: 48 + rest % 10)
                    rest /= 10
                }
            }
            put(Int64(date.year), 4, at: 0); buffer[4] = 45
            put(Int64(date.month), 2, at: 5); buffer[7] = 45
            put(Int64(date.day), 2, at: 8); buffer[10] = 84
            put(second / 3_600, 2, at: 11); buffer[13] = 58
            put(second % 3_600 / 60, 2, at: 14); buffer[16] = 58
            put(second % 60, 2, at: 17); buffer[19] = 46
            put(millis, 3, at: 20); buffer[23] = 90
            return 24
        }
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
