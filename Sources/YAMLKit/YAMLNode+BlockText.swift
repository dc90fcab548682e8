/// A node written back as block-style YAML, for people to read (the text of a stored rule
/// version): mappings as `key: value`, sequences as `- item`, nested two spaces deeper, short
/// collections of scalars in flow style on one line. Quoted scalars (and block literals) are
/// written double-quoted with escapes; plain ones as they were read. Reading the text back
/// gives the same tree, so the same rule hash (a test holds every shipped rule to that).
extension YAMLNode {
    public var blockText: String {
        var lines: [String] = []
        Self.write(self, indent: "", into: &lines)
        return lines.joined(separator: "\n") + "\n"
    }

    private static func write(_ node: YAMLNode, indent: String, into lines: inout [String]) {
        switch node.value {
        case .scalar:
            lines.append(indent + inline(node))
        case .sequence(let items):
            if items.isEmpty { lines.append(indent + "[]"); return }
            for item in items {
                // A mapping item reads best in block style after its dash (`- reset: soft`).
                var isMapping = false
                if case .mapping = item.value { isMapping = true }
                if !isMapping, let flow = flowText(item) {
                    lines.append(indent + "- " + flow)
                } else {
                    var nested: [String] = []
                    write(item, indent: indent + "  ", into: &nested)
                    // The item's first line goes after the dash; the rest stay indented under it.
                    if let first = nested.first {
                        lines.append(indent + "- " + first.dropFirst(indent.count + 2))
                        lines += nested.dropFirst()
                    }
                }
            }
        case .mapping(let pairs):
            if pairs.isEmpty { lines.append(indent + "{}"); return }
            for pair in pairs {
                let key = inline(pair.key)
                if let flow = flowText(pair.value) {
                    lines.append(indent + key + ": " + flow)
                } else {
                    lines.append(indent + key + ":")
                    write(pair.value, indent: indent + "  ", into: &lines)
                }
            }
        }
    }

    /// One line for a scalar, or a short collection of scalars that can stay plain in flow
    /// style; nil otherwise (written in block style).
    private static func flowText(_ node: YAMLNode) -> String? {
        func flowable(_ item: YAMLNode) -> Bool {
            guard case .scalar(let text, let quoted) = item.value else { return false }
            return quoted || (!text.isEmpty && isFlowSafePlain(text))
        }
        switch node.value {
        case .scalar: return inline(node)
        case .sequence(let items):
            guard items.count <= 6, items.allSatisfy(flowable) else { return nil }
            return "[" + items.map { inline($0) }.joined(separator: ", ") + "]"
        case .mapping(let pairs):
            guard !pairs.isEmpty, pairs.count <= 6, pairs.allSatisfy({ flowable($0.key) && flowable($0.value) }) else { return nil }
            return "{" + pairs.map { inline($0.key) + ": " + inline($0.value) }.joined(separator: ", ") + "}"
        }
    }

    private static func inline(_ node: YAMLNode) -> String {
        guard case .scalar(let text, let quoted) = node.value else { return "" }
        // A plain scalar that cannot be written plain is rare in a rule (YAML itself read it);
        // quoting it would change the tree, so it is written as read.
        if quoted { return quote(text) }
        return text
    }

    /// Plain text YAML reads back unchanged in flow context.
    private static func isFlowSafePlain(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else { return true }
        if "-?:,[]{}#&*!|>'\"%@`".unicodeScalars.contains(first) || first == " " || last == " " { return false }
        if text.contains(": ") || text.contains(" #") || text.hasSuffix(":") { return false }
        if text.contains(where: { ",[]{}".contains($0) }) { return false }
        return !text.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{7F}" }
    }

    private static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar == "\u{7F}" {
                    out += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16, uppercase: true)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
