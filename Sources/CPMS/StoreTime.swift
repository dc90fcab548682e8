import DomainEvents
import Foundation
import OCPP

/// How the store writes times: RFC 3339, UTC, with milliseconds (`2026-01-01T00:00:00.000Z`).
/// One fixed width and zone, so that comparing the text compares the times.
public enum StoreTime {
    public static func format(_ date: Date) -> String { UTCTimestamp.format(date, milliseconds: true) }

    /// `time` moved by `seconds` (negative: earlier), in the store's form; `time` itself when
    /// it cannot be read.
    public static func shifted(_ time: String, by seconds: Double) -> String {
        guard let date = parse(time) else { return time }
        return format(date.addingTimeInterval(seconds))
    }

    /// SQL comparing two stored times to the second, whatever fraction each carries: the
    /// first 19 characters (`2026-01-01T00:00:00`) of UTC RFC 3339 text order as the times
    /// do. Portable (no engine date functions); `column` is a column or a `?`.
    public static func seconds(_ column: String) -> String { "substr(\(column), 1, 19)" }

    /// Reads RFC 3339 with or without fractional seconds. The store's own form (UTC, to the
    /// millisecond or the second) is read arithmetically first — the same instant the general
    /// reader gives, several times faster, which the metrics' year-long reads need.
    public static func parse(_ text: String) -> Date? { UTCTimestamp.parse(text) ?? OCPPDateTime(rfc3339: text)?.date }
}
