/// Streaming UTF-8 validator (Unicode 15 table 3-7): it keeps its state between chunks so
/// a message split across frames, or a code point split across two frames, is validated
/// once, in linear time, and an invalid byte is detected as soon as it arrives.
public struct UTF8Validator: Sendable {
    /// Continuation bytes still expected for the current code point.
    private var remaining = 0
    /// Allowed range of the next continuation byte (narrowed after E0, ED, F0, F4).
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    public init() {}

    /// True when no code point is left incomplete.
    public var isComplete: Bool { remaining == 0 }

    /// Validates more bytes; false as soon as an invalid sequence is seen.
    public mutating func validate(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }   // empty
        var i = 0
        let count = bytes.count
        while i < count {
            let byte = bytes[i]
            if remaining == 0 {
                // Fast path: skip ASCII eight bytes at a time when aligned enough.
                if byte < 0x80 {
                    i += 1
                    while i + 8 <= count {
                        let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                        if word & 0x8080_8080_8080_8080 != 0 { break }
                        i += 8
                    }
                    continue
                }
                switch byte {
                case 0xC2...0xDF: remaining = 1; lower = 0x80; upper = 0xBF
                case 0xE0: remaining = 2; lower = 0xA0; upper = 0xBF
                case 0xE1...0xEC, 0xEE...0xEF: remaining = 2; lower = 0x80; upper = 0xBF
                case 0xED: remaining = 2; lower = 0x80; upper = 0x9F
                case 0xF0: remaining = 3; lower = 0x90; upper = 0xBF
                case 0xF1...0xF3: remaining = 3; lower = 0x80; upper = 0xBF
                case 0xF4: remaining = 3; lower = 0x80; upper = 0x8F
                default: return false
                }
            } else {
                guard byte >= lower && byte <= upper else { return false }
                remaining -= 1
                lower = 0x80
                upper = 0xBF
            }
            i += 1
        }
        return true
    }

    public mutating func validate(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { validate($0) }
    }
}
