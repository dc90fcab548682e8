import Foundation

/// Entry times out of order, for `vigil audit verify` to note (not to fail: the hash chain, not
/// the clock, is the trail's order). Each entry's time is the writing node's clock when it was
/// appended, so a time well before an earlier entry's means a clock stepped back, nodes whose
/// clocks differ, or entries written with a made-up time; one well after the verification's
/// `now`, a clock running ahead. Pure: the caller passes `now`.
public enum AuditTimeOrder {
    /// A step back smaller than this is normal (nodes' clocks a little apart, NTP slewing).
    public static let tolerance: TimeInterval = 60

    /// One entry out of order: its id and time, and the newest time before it.
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public var id: Int
        public var at: String
        /// The latest time of the entries before it (nil: the entry is ahead of `now`).
        public var latestBefore: String?
        public var seconds: Int

        public var description: String {
            if let latestBefore {
                return "its time is \(seconds) s before an earlier entry's (\(latestBefore)): a clock stepped back, nodes' clocks differ, or the time was written by hand"
            }
            return "its time is \(seconds) s after the verification's time: a clock ran ahead"
        }
    }

    /// The entries (in id order) whose time is more than `tolerance` before the latest time of
    /// the entries before them, or more than `tolerance` after `now`; at most `limit`.
    public static func findings(_ entries: [AuditEntry], now: Date, limit: Int = 20) -> [Finding] {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let whole = ISO8601DateFormatter()
        whole.formatOptions = [.withInternetDateTime]
        var found: [Finding] = []
        var latest: (date: Date, text: String)?
        for entry in entries {
            guard found.count < limit else { break }
            guard let date = withFraction.date(from: entry.at) ?? whole.date(from: entry.at) else { continue }
            if let latest, latest.date.timeIntervalSince(date) > tolerance {
                found.append(Finding(id: entry.id, at: entry.at, latestBefore: latest.text, seconds: Int(latest.date.timeIntervalSince(date))))
            } else if date.timeIntervalSince(now) > tolerance {
                found.append(Finding(id: entry.id, at: entry.at, latestBefore: nil, seconds: Int(date.timeIntervalSince(now))))
            }
            if date > latest?.date ?? .distantPast { latest = (date, entry.at) }
        }
        return found
    }
}
