import Foundation
import YAMLKit

/// A length of time written the way operators write it: `90s`, `5m`, `1h30m`, `7d`, `2w`.
/// Stored in whole seconds so rule behaviour never depends on floating-point rounding.
public struct RuleDuration: Sendable, Equatable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var seconds: Int

    public init(seconds: Int) { self.seconds = seconds }

    public static func minutes(_ value: Int) -> RuleDuration { RuleDuration(seconds: value * 60) }
    public static func hours(_ value: Int) -> RuleDuration { RuleDuration(seconds: value * 3_600) }
    public static func days(_ value: Int) -> RuleDuration { RuleDuration(seconds: value * 86_400) }

    public var timeInterval: TimeInterval { TimeInterval(seconds) }

    /// Parses `<number><unit>` groups (units s, m, h, d, w), largest first (`DurationText`), in
    /// whole numbers as the rule language writes them (`1h30m`, not `1.5h`); nil otherwise.
    public init?(parsing text: String) {
        guard !text.contains("."), let value = DurationText.seconds(text) else { return nil }
        seconds = Int(value)
    }

    /// The shortest spelling: `1h30m`, `7d`, `0s`.
    public var description: String {
        guard seconds > 0 else { return "0s" }
        var rest = seconds, text = ""
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }

    /// Plain words for `rules explain`: "5 minutes", "1 hour 30 minutes".
    public var spoken: String {
        guard seconds > 0 else { return "no time" }
        var rest = seconds, parts: [String] = []
        for (unit, size) in [("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1)] where rest >= size {
            let count = rest / size
            parts.append("\(count) \(unit)\(count == 1 ? "" : "s")")
            rest %= size
        }
        return parts.joined(separator: " ")
    }

    public static func < (a: RuleDuration, b: RuleDuration) -> Bool { a.seconds < b.seconds }
}

extension Date {
    func adding(_ duration: RuleDuration) -> Date { addingTimeInterval(duration.timeInterval) }
}
