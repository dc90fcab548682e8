import Foundation

/// `--json` output of a listing: one pretty-printed JSON document with sorted keys, so scripts
/// and diffs see a stable shape. An absent value is left out of its object, never shown as "-".
enum JSONOutput {
    static func text(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .prettyPrinted]) else { return "[]" }
        return String(decoding: data, as: UTF8.self)
    }
}
