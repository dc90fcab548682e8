/// A case-insensitive shell-style pattern (`*` any run, `?` one character), used to
/// recognise vendors and models from what chargers send.
public struct Glob: Sendable, Equatable, CustomStringConvertible {
    public let pattern: String
    private let characters: [Character]

    public init(_ pattern: String) {
        self.pattern = pattern
        characters = Array(pattern.lowercased())
    }

    public var description: String { pattern }

    public func matches(_ text: String) -> Bool {
        let subject = Array(text.lowercased())
        var p = 0, s = 0
        var star = -1, mark = 0
        while s < subject.count {
            if p < characters.count && (characters[p] == "?" || characters[p] == subject[s]) {
                p += 1
                s += 1
            } else if p < characters.count && characters[p] == "*" {
                star = p
                mark = s
                p += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                s = mark
            } else {
                return false
            }
        }
        while p < characters.count && characters[p] == "*" { p += 1 }
        return p == characters.count
    }
}
