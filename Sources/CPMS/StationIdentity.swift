/// The one canonical form of a station id. OCPP-J carries the id as the last segment of the
/// WebSocket URL; Vigil accepts only the characters OCPP 2.0.1 recommends for an identity
/// (letters A–Z and a–z, digits, and `* - _ = : + | @ .`), 1 to 48 of them, after
/// percent-decoding. ASCII only means no two spellings of one id exist (no Unicode look-alikes,
/// no normalisation forms, no control characters), so ids are compared byte for byte
/// everywhere: the store, the connection table, the API and the CLI. Case is significant:
/// `CP-1` and `cp-1` are two stations.
public enum StationIdentity {
    /// The longest id accepted (OCPP 2.0.1's identity limit).
    public static let maximumLength = 48
    /// The punctuation allowed besides letters and digits.
    public static let punctuation: Set<UInt8> = Set("*-_=:+|@.".utf8)

    /// Nil when `id` is a valid station id; otherwise why not, quoting the offending character.
    public static func problem(with id: String) -> String? {
        let bytes = Array(id.utf8)
        if bytes.isEmpty { return "a station id must not be empty" }
        if bytes.count > maximumLength {
            return "a station id has at most \(maximumLength) characters, got \(bytes.count) bytes"
        }
        for (offset, byte) in bytes.enumerated() where !isAllowed(byte) {
            let shown = byte < 0x20 || byte == 0x7F ? "control character 0x\(String(byte, radix: 16, uppercase: true))"
                : byte >= 0x80 ? "non-ASCII byte 0x\(String(byte, radix: 16, uppercase: true)) (look-alike letters and accents are not allowed)"
                : "\"\(Character(UnicodeScalar(byte)))\""
            return "a station id may contain only A-Z, a-z, 0-9 and * - _ = : + | @ . ; \(shown) at byte \(offset + 1) is not allowed"
        }
        // `.` and `..` are path segments: every HTTP client and proxy resolves them away, so such a
        // station could never be named in the API (`/stations/../history` is `/history`).
        if bytes.allSatisfy({ $0 == UInt8(ascii: ".") }) && bytes.count <= 2 {
            return "a station id must not be \"\(id)\" (a path segment HTTP clients resolve away)"
        }
        return nil
    }

    public static func isValid(_ id: String) -> Bool { problem(with: id) == nil }

    static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
        default: return punctuation.contains(byte)
        }
    }
}
