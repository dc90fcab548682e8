import DomainEvents
import Foundation

/// Times in billing: milliseconds since 1970-01-01T00:00:00Z, read from and written as
/// RFC 3339. Integer milliseconds keep band splits and durations exact.
public enum Instant {
    /// Reads RFC 3339 with a zone (`Z` or an offset) and optional fraction; nil otherwise.
    public static func parse(_ text: String) -> Int? {
        if let date = UTCTimestamp.parse(text) { return milliseconds(date) }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return milliseconds(date) }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text).map(milliseconds)
    }

    /// `2026-03-29T01:00:00.000Z`.
    public static func format(_ milliseconds: Int) -> String {
        UTCTimestamp.format(Date(timeIntervalSince1970: Double(milliseconds) / 1_000), milliseconds: true)
    }

    static func milliseconds(_ date: Date) -> Int { Int((date.timeIntervalSince1970 * 1_000).rounded()) }
}
