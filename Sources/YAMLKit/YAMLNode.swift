/// A position in a YAML file, 1-based, for error messages in `file:line:col` form.
public struct YAMLMark: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:col`; just `file` for a problem with the file or directory as a whole (line 0).
    public var description: String { line == 0 ? file : "\(file):\(line):\(column)" }
}

/// One node of a parsed YAML document, with where it starts. Aliases are already resolved
/// (an alias node is a copy of its anchor's node, carrying the alias's own position).
/// Scalars keep their text and whether they were quoted, so that consumers decide what a
/// plain `yes` or `010` means instead of YAML 1.1 guessing for them.
public struct YAMLNode: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case scalar(String, isQuoted: Bool)
        case sequence([YAMLNode])
        /// Pairs in document order; keys are unique (duplicates are a parse error).
        case mapping([(key: YAMLNode, value: YAMLNode)])

        public static func == (a: Value, b: Value) -> Bool {
            switch (a, b) {
            case let (.scalar(x, q1), .scalar(y, q2)): return x == y && q1 == q2
            case let (.sequence(x), .sequence(y)): return x == y
            case let (.mapping(x), .mapping(y)):
                return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
            default: return false
            }
        }
    }

    public var value: Value
    public var mark: YAMLMark
    /// An explicit tag such as `!!str`, if the document wrote one.
    public var tag: String?

    public init(_ value: Value, mark: YAMLMark, tag: String? = nil) {
        self.value = value
        self.mark = mark
        self.tag = tag
    }

    /// The scalar's text, nil for collections.
    public var scalar: String? {
        if case .scalar(let text, _) = value { return text }
        return nil
    }

    /// True for a plain `null`, `~` or empty scalar.
    public var isNull: Bool {
        if case .scalar(let text, false) = value { return text.isEmpty || text == "null" || text == "~" || text == "Null" || text == "NULL" }
        return false
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = value { return items }
        return nil
    }

    public var mapping: [(key: YAMLNode, value: YAMLNode)]? {
        if case .mapping(let pairs) = value { return pairs }
        return nil
    }

    /// The value for a scalar key in a mapping.
    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key.scalar == key }?.value
    }

    /// `sequence`, `mapping` or `scalar`, for "expected a mapping, got a sequence" messages.
    public var kindName: String {
        switch value {
        case .scalar: return "scalar"
        case .sequence: return "sequence"
        case .mapping: return "mapping"
        }
    }
}
