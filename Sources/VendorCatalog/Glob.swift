/// A shell-style pattern over a whole value (`*` any run, `?` one character) — the one glob of
/// Vigil: vendor and model recognition in the catalogue and alert routes (case-insensitive, the
/// default) and rule scopes and `where: { glob: … }` (case-sensitive; scopes lower-case both
/// sides once). The common shapes — `ABB`, `CP-1*`, `*-test` — match without walking characters.
public struct Glob: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let pattern: String
    public let isCaseSensitive: Bool
    private let characters: [Character]
    private let shape: Shape

    private enum Shape: Hashable, Sendable { case literal(String), prefix(String), suffix(String), general }

    public init(_ pattern: String, caseSensitive: Bool = false) {
        self.pattern = pattern
        isCaseSensitive = caseSensitive
        let compared = caseSensitive ? pattern : pattern.lowercased()
        characters = Array(compared)
        let wildcards = compared.filter { $0 == "*" || $0 == "?" }
        if wildcards.isEmpty { shape = .literal(compared) }
        else if wildcards == "*", compared.hasSuffix("*") { shape = .prefix(String(compared.dropLast())) }
        else if wildcards == "*", compared.hasPrefix("*") { shape = .suffix(String(compared.dropFirst())) }
        else { shape = .general }
    }

    public var description: String { pattern }

    public var isLiteral: Bool { !pattern.contains("*") && !pattern.contains("?") }

    public func matches(_ text: String) -> Bool {
        let subject = isCaseSensitive ? text : text.lowercased()
        switch shape {
        case .literal(let literal): return subject == literal
        case .prefix(let prefix): return subject.hasPrefix(prefix)
        case .suffix(let suffix): return subject.hasSuffix(suffix)
        case .general: return matchesGeneral(subject)
        }
    }

    private func matchesGeneral(_ text: String) -> Bool {
        let text = Array(text)
        var p = 0, t = 0, star = -1, mark = 0
        while t < text.count {
            if p < characters.count, characters[p] == "?" || characters[p] == text[t] {
                p += 1; t += 1
            } else if p < characters.count, characters[p] == "*" {
                star = p; mark = t; p += 1
            } else if star >= 0 {
                p = star + 1; mark += 1; t = mark
            } else {
                return false
            }
        }
        while p < characters.count, characters[p] == "*" { p += 1 }
        return p == characters.count
    }
}
