/// The bytes of one event's stored JSON as `DomainEvent.storageJSON` writes it: keys in the
/// caller's order, each after a comma but the first of its object, strings quoted with the
/// same escapes as before (`"`, `\`, newline, return and tab by name, other control
/// characters as `\u00XX`; everything else, multi-byte UTF-8 included, as it is).
struct EventJSONBytes {
    private var bytes: [UInt8] = []
    private var first = true

    init() {
        bytes.reserveCapacity(320)   // an event's JSON is ≈ 150–300 bytes
    }

    /// The JSON written so far, as a string.
    var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Appends `text` as it is (JSON punctuation and literals: nothing is escaped).
    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends `text` as it is (a number's digits: nothing is escaped).
    mutating func text(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// `"name":` at the top level of the event (a comma before all but the first).
    mutating func key(_ name: StaticString) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        bytes.append(UInt8(ascii: "\""))
        raw(name)
        raw("\":")
    }

    /// `"name":"value"` at the top level, nothing when `value` is nil.
    mutating func string(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        quoted(value)
    }

    /// `"name":value` at the top level, nothing when `value` is nil.
    mutating func number(_ name: StaticString, _ value: Int?) {
        guard let value else { return }
        key(name)
        text(String(value))
    }

    /// `text` as a JSON string, escaped as the type's doc says.
    mutating func quoted(_ text: String) {
        var text = text
        bytes.append(UInt8(ascii: "\""))
        text.withUTF8 { utf8 in
            var plain = true
            for byte in utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                plain = false
                break
            }
            // Almost every value needs no escaping: appended whole.
            guard !plain else { return bytes.append(contentsOf: utf8) }
            for byte in utf8 {
                switch byte {
                case 0x22: raw("\\\"")
                case 0x5C: raw("\\\\")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                case 0..<0x20:
                    raw("\\u00")
                    bytes.append(Self.hex[Int(byte >> 4)])
                    bytes.append(Self.hex[Int(byte & 0x0F)])
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)
}
