import Foundation

/// UTC timestamps as `2026-01-05T08:00:00Z`, computed arithmetically: decisions render
/// several per alert, and creating a date formatter for each costs more than the rest of the
/// evaluation.
enum RFC3339 {
    static func format(_ date: Date) -> String { UTCTimestamp.format(date, milliseconds: false) }
}
