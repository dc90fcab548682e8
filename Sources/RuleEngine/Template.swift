import Foundation
import YAMLKit

/// Alert text with `{{placeholder}}` slots filled from the event, the rule and the vendor
/// catalogue when a decision is made. Placeholders are checked when the rule loads, so a typo
/// is a `rules check` error rather than a blank in a page at 3 a.m.
public struct Template: Sendable, Equatable {
    public enum Part: Sendable, Equatable {
        case text(String)
        case placeholder(String)
    }

    public let source: String
    public let parts: [Part]

    /// Every name a template may use: the common and kind-specific event fields plus these.
    public static let extraPlaceholders = [
        "rule", "description", "target", "time", "eventKind", "count",
        "firstSeen", "lastSeen", "attempts",
        "guidance", "technicianGuidance", "title", "meaning", "severity", "remedy", "remedySource", "autoReset", "source", "vendorName",
    ]

    public static var knownPlaceholders: Set<String> {
        var names = Set(EventKind.commonFields + extraPlaceholders)
        for kind in EventKind.allCases { names.formUnion(kind.fields) }
        return names
    }

    public init(_ source: String) {
        self.source = source
        var parts: [Part] = [], rest = Substring(source)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            parts.append(.placeholder(rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.parts = parts
    }

    public var placeholders: [String] {
        parts.compactMap { if case .placeholder(let name) = $0 { return name } else { return nil } }
    }

    /// Problems for `rules check`: unknown names, `{{group.NAME}}` naming no part of the rule's
    /// grouping (`groups`), and unclosed `{{`.
    public func problems(groups: [String] = []) -> [String] {
        var problems: [String] = []
        let known = Self.knownPlaceholders
        for name in placeholders where name.hasPrefix("group.") {
            let part = String(name.dropFirst("group.".count))
            guard !groups.contains(part) else { continue }
            problems.append("{{\(name)}} names no part of the rule's grouping; it groups by \(groups.joined(separator: ", ")): use "
                + groups.map { "{{group.\($0)}}" }.joined(separator: " or "))
        }
        for name in placeholders where !known.contains(name) && !name.hasPrefix("group.") {
            var message = "unknown placeholder {{\(name)}}"
            if let suggestion = YAMLFieldReader.closest(to: name, in: known.sorted()) { message += " (did you mean {{\(suggestion)}}?)" }
            problems.append(message)
        }
        let opened = source.components(separatedBy: "{{").count - 1
        if opened > placeholders.count { problems.append("a \"{{\" is never closed with \"}}\"") }
        return problems
    }

    /// Fills the slots; a value the event does not have renders as "-".
    public func render(_ value: (String) -> String?) -> String {
        parts.map { part in
            switch part {
            case .text(let text): return text
            case .placeholder(let name): return value(name) ?? "-"
            }
        }.joined()
    }
}
