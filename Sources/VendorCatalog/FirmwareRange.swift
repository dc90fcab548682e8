/// A firmware version constraint: `>=1.6.0`, `<2`, `=1.2.3`, or `1.6.0 - 1.8.99`. Versions are
/// compared by their numeric components, taken from the last dotted number in the text, so
/// `TAC3Z9119006710273::V1.8.21` is read as 1.8.21.
public struct FirmwareRange: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    private let lower: (version: [Int], inclusive: Bool)?
    private let upper: (version: [Int], inclusive: Bool)?

    public static func == (a: FirmwareRange, b: FirmwareRange) -> Bool { a.text == b.text }
    public var description: String { text }

    public init?(_ text: String) {
        self.text = text
        let trimmed = text.trimmingWhitespace()
        if let dash = trimmed.range(of: " - ") {
            guard let low = FirmwareRange.version(String(trimmed[..<dash.lowerBound])),
                  let high = FirmwareRange.version(String(trimmed[dash.upperBound...])) else { return nil }
            lower = (low, true)
            upper = (high, true)
            return
        }
        for (op, isLower, inclusive) in [(">=", true, true), ("<=", false, true), (">", true, false), ("<", false, false), ("=", true, true)] {
            guard trimmed.hasPrefix(op), let version = FirmwareRange.version(String(trimmed.dropFirst(op.count))) else { continue }
            if op == "=" {
                lower = (version, true)
                upper = (version, true)
            } else if isLower {
                lower = (version, inclusive)
                upper = nil
            } else {
                lower = nil
                upper = (version, inclusive)
            }
            return
        }
        return nil
    }

    public func contains(_ firmware: String) -> Bool {
        guard let version = FirmwareRange.version(firmware) else { return false }
        if let lower {
            let order = FirmwareRange.compare(version, lower.version)
            if order < 0 || (order == 0 && !lower.inclusive) { return false }
        }
        if let upper {
            let order = FirmwareRange.compare(version, upper.version)
            if order > 0 || (order == 0 && !upper.inclusive) { return false }
        }
        return true
    }

    /// The numeric components of the last version-like token (`1.8.21`), or of a bare number.
    static func version(_ text: String) -> [Int]? {
        var tokens: [[Int]] = []
        var current: [Int] = []
        var digits = ""
        func endNumber() {
            if let value = Int(digits.prefix(9)) { current.append(value) }
            digits = ""
        }
        for character in text {
            if character.isASCII && character.isNumber {
                digits.append(character)
            } else if character == "." && !digits.isEmpty {
                endNumber()
            } else {
                if !digits.isEmpty { endNumber() }
                if !current.isEmpty { tokens.append(current) }
                current = []
            }
        }
        if !digits.isEmpty { endNumber() }
        if !current.isEmpty { tokens.append(current) }
        return tokens.last { $0.count > 1 } ?? tokens.last
    }

    static func compare(_ a: [Int], _ b: [Int]) -> Int {
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            if x != y { return x < y ? -1 : 1 }
        }
        return 0
    }
}
