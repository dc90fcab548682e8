import Foundation
import ServiceLog

/// The timeline's text line and JSON object.
extension StationTimeline.Item {
    /// `TIME  SOURCE  what  [audit #N]`, then any disagreement with the trail; the source column
    /// is padded to the longest source's width, nothing is cut, control characters are escaped.
    public var line: String {
        let width = StationTimeline.Source.allCases.map(\.rawValue.count).max() ?? 0
        var line = "\(at)  \(source.rawValue.padding(toLength: width, withPad: " ", startingAt: 0))  \(text)"
        if let auditEntry { line += "  [audit #\(auditEntry)]" }
        for problem in problems { line += "  AUDIT MISMATCH: \(problem)" }
        return line.escapingControls
    }

    /// One JSON object (for `JSONSerialization`): `type` (the source), `at`, `text`,
    /// `auditEntry` (null when none), `auditFindings` when the trail disagrees, and the item's
    /// ids and particulars (`decisionId`, `commandId`, `frameId` …).
    public var object: [String: Any] {
        var object: [String: Any] = ["type": source.rawValue, "at": at, "text": text, "auditEntry": auditEntry.map { $0 as Any } ?? NSNull()]
        for (name, value) in fields {
            switch value {
            case .text(let text): object[name] = text
            case .number(let number): object[name] = number
            case .flag(let flag): object[name] = flag
            case .numbers(let numbers): object[name] = numbers
            }
        }
        if !problems.isEmpty { object["auditFindings"] = problems }
        return object
    }

    /// `object` as one line of JSON, keys sorted.
    public var jsonLine: String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
