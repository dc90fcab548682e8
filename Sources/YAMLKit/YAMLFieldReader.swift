/// Reads a YAML mapping field by field against a known set of keys, collecting every
/// problem as a `YAMLError` instead of stopping at the first, so a file's author sees all of
/// its mistakes in one run. Unknown keys are errors, with a "did you mean" hint.
public struct YAMLFieldReader {
    public let node: YAMLNode
    /// What the mapping is, for messages: `code "0x0002"`, `rule "soft-reset"`.
    public let context: String
    public private(set) var errors: [YAMLError] = []

    /// Starts reading `node`, which must be a mapping whose keys are all in `allowed`.
    public init(_ node: YAMLNode, context: String, allowed: [String]) {
        self.node = node
        self.context = context
        guard let pairs = node.mapping else {
            errors.append(YAMLError(mark: node.mark, problem: "\(context): expected a mapping, got a \(node.kindName)"))
            return
        }
        for pair in pairs {
            let key = pair.key.scalar ?? ""
            guard !allowed.contains(key) else { continue }
            var problem = "\(context): unknown key \"\(key)\""
            if !key.isEmpty, key.allSatisfy({ $0.isASCII && $0.isNumber }), pair.value.isNull {
                // `{price: 0,39}`: in a flow mapping the comma ends the value, and "39" becomes a key.
                problem += " (a decimal comma? numbers take a point: 0.39, not 0,39)"
            } else if let suggestion = Self.closest(to: key, in: allowed) { problem += " (did you mean \"\(suggestion)\"?)" }
            errors.append(YAMLError(mark: pair.key.mark, problem: problem))
        }
    }

    public mutating func fail(_ node: YAMLNode, _ message: String) {
        errors.append(YAMLError(mark: node.mark, problem: "\(context): \(message)"))
    }

    /// The node under `key`; records an error when it is required and missing.
    public mutating func field(_ key: String, required: Bool) -> YAMLNode? {
        guard let value = node[key], !value.isNull else {
            if required && node.mapping != nil { errors.append(YAMLError(mark: node.mark, problem: "\(context): missing required key \"\(key)\"")) }
            return nil
        }
        return value
    }

    public mutating func string(_ key: String, required: Bool = true) -> String? {
        guard let value = field(key, required: required) else { return nil }
        guard let text = value.scalar else {
            fail(value, "\"\(key)\" must be a string, got a \(value.kindName)")
            return nil
        }
        return text
    }

    /// A list of strings; a single string is accepted as a list of one.
    public mutating func strings(_ key: String, required: Bool = false) -> [String] {
        guard let value = field(key, required: required) else { return [] }
        if let text = value.scalar { return [text] }
        guard let items = value.sequence else {
            fail(value, "\"\(key)\" must be a list of strings, got a \(value.kindName)")
            return []
        }
        var result: [String] = []
        for item in items {
            if let text = item.scalar { result.append(text) } else { fail(item, "\"\(key)\" items must be strings, got a \(item.kindName)") }
        }
        return result
    }

    public mutating func bool(_ key: String, required: Bool = true) -> Bool? {
        guard let value = field(key, required: required) else { return nil }
        switch value.scalar {
        case "true"? where value.value == .scalar("true", isQuoted: false): return true
        case "false"? where value.value == .scalar("false", isQuoted: false): return false
        default:
            fail(value, "\"\(key)\" must be true or false, got \(value.scalar.map { "\"\($0)\"" } ?? "a \(value.kindName)")")
            return nil
        }
    }

    /// One of a closed set of values, e.g. an enum's raw values.
    public mutating func choice<Value: RawRepresentable>(_ key: String, _ type: Value.Type, valid: [Value],
                                                        required: Bool = true) -> Value? where Value.RawValue == String {
        guard let text = string(key, required: required), let value = field(key, required: false) else { return nil }
        if let parsed = Value(rawValue: text) { return parsed }
        fail(value, "\"\(key)\" must be one of \(valid.map(\.rawValue).joined(separator: ", ")), got \"\(text)\"")
        return nil
    }

    /// The allowed key nearest to a misspelt one, if it is close (edit distance ≤ 2).
    /// The first of `allowed` nearest to `key` (case-insensitive), if close enough to be a typo.
    public static func closest(to key: String, in allowed: [String]) -> String? {
        let candidates = allowed.map { ($0, distance(key.lowercased(), $0.lowercased())) }.filter { $0.1 <= 2 }
        return candidates.min { $0.1 < $1.1 }?.0
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
