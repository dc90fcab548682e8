import OCPP

/// The bytes an evidence pack's hashes cover, defined so that a third party can recompute them
/// with a stock JSON library (docs/billing.md, "Evidence pack"): Python's
/// `json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")`
/// produces exactly these bytes for every value a pack holds.
///
/// - objects: members sorted by key, compared code point by code point; no whitespace;
/// - strings: UTF-8, with `"` and `\` escaped by a backslash, U+0008/0009/000A/000C/000D as
///   `\b \t \n \f \r`, every other character below U+0020 as `\u00xx` (lower-case hex), and
///   nothing else escaped (not `/`, not non-ASCII);
/// - numbers: integers only, written in decimal without a sign for zero or positive values.
///   A pack never holds a fraction (meter readings are decimal strings), so a number with a
///   fraction or an exponent is refused rather than written in one language's float form.
public enum EvidenceCanonicalForm {
    /// A value that has no canonical form.
    public struct Problem: Error, Equatable, CustomStringConvertible {
        /// Where in the document, as `meterSamples[2].value`.
        public var path: String
        public var text: String
        public var description: String {
            "\(path): \(text) is not an integer (an evidence pack holds integers only; fractions are decimal strings)"
        }
    }

    public static func bytes(_ value: JSONValue) throws(Problem) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4096)
        try write(value, path: "", into: &bytes)
        return bytes
    }

    public static func text(_ value: JSONValue) throws(Problem) -> String {
        String(decoding: try bytes(value), as: UTF8.self)
    }

    /// Keys in code point order (what Python's `sorted` does with `str`).
    static func sortedMembers(_ object: JSONObject) -> [(key: String, value: JSONValue)] {
        object.members.sorted { a, b in a.key.unicodeScalars.lexicographicallyPrecedes(b.key.unicodeScalars) { $0.value < $1.value } }
    }

    static func write(_ value: JSONValue, path: String, into bytes: inout [UInt8]) throws(Problem) {
        switch value {
        case .null: bytes += Array("null".utf8)
        case .bool(let flag): bytes += Array((flag ? "true" : "false").utf8)
        case .number(let number):
            // Python reads "-0" as 0 and "1e2" as a float: only a plain integer keeps its text.
            guard let integer = Int(number.text), String(integer) == number.text else { throw Problem(path: path, text: number.text) }
            bytes += Array(String(integer).utf8)
        case .string(let text): writeString(text, into: &bytes)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                try write(element, path: "\(path)[\(index)]", into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            for (index, member) in sortedMembers(object).enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(member.key, into: &bytes)
                bytes.append(UInt8(ascii: ":"))
                try write(member.value, path: path.isEmpty ? member.key : "\(path).\(member.key)", into: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func writeString(_ text: String, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [0x5C, 0x22]
            case UInt8(ascii: "\\"): bytes += [0x5C, 0x5C]
            case 0x08: bytes += [0x5C, UInt8(ascii: "b")]
            case 0x09: bytes += [0x5C, UInt8(ascii: "t")]
            case 0x0A: bytes += [0x5C, UInt8(ascii: "n")]
            case 0x0C: bytes += [0x5C, UInt8(ascii: "f")]
            case 0x0D: bytes += [0x5C, UInt8(ascii: "r")]
            case 0..<0x20: bytes += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
