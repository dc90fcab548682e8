import Digests
import Foundation
import YAMLKit

/// The identity of a rule's text: SHA-256 over a canonical rendering of its YAML (keys in
/// document order, scalars with their quoting), so reformatting or a comment does not change
/// it but any change of meaning does. Decisions and the audit trail carry it.
public enum RuleHash {
    static func of(_ node: YAMLNode) -> String {
        Digests.sha256Hex(Array(canonicalText(node).utf8))
    }

    /// The canonical rendering the hash is taken over: scalars in quotes (`"…"` for quoted,
    /// `'…'` for plain, `\` and `"` escaped by a backslash), sequences as `[item,item,]`,
    /// mappings as `{key:value,key:value,}`, in document order.
    public static func canonicalText(_ node: YAMLNode) -> String {
        var canonical = ""
        render(node, into: &canonical)
        return canonical
    }

    /// The canonical rendering of a rule's YAML text; nil when it does not parse as one node.
    public static func canonicalText(ofYAML text: String) -> String? {
        guard let node = try? YAMLParser.parse(text, file: "rule version") else { return nil }
        return canonicalText(node)
    }

    /// Whether `canonical` is the text behind `hash`.
    public static func matches(_ canonical: String, hash: String) -> Bool {
        Digests.sha256Hex(Array(canonical.utf8)) == hash.lowercased()
    }

    static func render(_ node: YAMLNode, into text: inout String) {
        switch node.value {
        case .scalar(let value, let quoted):
            text += quoted ? "\"" : "'"
            text += value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            text += quoted ? "\"" : "'"
        case .sequence(let items):
            text += "["
            for item in items { render(item, into: &text); text += "," }
            text += "]"
        case .mapping(let pairs):
            text += "{"
            for pair in pairs {
                render(pair.key, into: &text)
                text += ":"
                render(pair.value, into: &text)
                text += ","
            }
            text += "}"
        }
    }

}
