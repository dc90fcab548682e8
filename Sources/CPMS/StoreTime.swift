import Foundation

/// How the store writes times: RFC 3339, UTC, with milliseconds (`2026-01-01T00:00:00.000Z`).
/// One fixed width and zone, so that comparing the text compares the times.
public enum StoreTime {
    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// Reads RFC 3339 with or without fractional seconds.
    public static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
