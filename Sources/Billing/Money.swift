/// An amount of money in micro-units of its currency (1 EUR = 1,000,000), as the config file
/// writes prices: a decimal with at most six fraction digits. Never a `Double`: every price,
/// fee and cap is an exact integer, and arithmetic on them is exact until a line is rounded to
/// the currency's minor unit (`Rounding`).
public struct Money: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Millionths of the currency's major unit.
    public var micros: Int

    public init(micros: Int) {
        self.micros = micros
    }

    /// The largest amount accepted in a file: one trillion major units, far beyond any price,
    /// and small enough that no product in pricing overflows 128 bits.
    public static let limit = 1_000_000_000_000

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case notADecimal(String)
        case tooManyFractionDigits(String)
        case negative(String)
        case tooLarge(String)

        public var description: String {
            switch self {
            case .notADecimal(let text): "must be a decimal number such as 0.39, got \(text.debugDescription)"
            case .tooManyFractionDigits(let text): "has more than 6 fraction digits: \(text.debugDescription)"
            case .negative(let text): "must not be negative, got \(text.debugDescription)"
            case .tooLarge(let text): "is too large: \(text.debugDescription)"
            }
        }
    }

    /// Parses `12`, `0.39`, `0.000001`; no sign, exponent, separators or spaces.
    public static func parse(_ text: String) throws(ParseError) -> Money {
        Money(micros: try parseMicros(text))
    }

    /// A non-negative decimal with at most six fraction digits as millionths (also used for
    /// VAT percentages).
    public static func parseMicros(_ text: String) throws(ParseError) -> Int {
        if text.hasPrefix("-") { throw .negative(text) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit) else { throw .notADecimal(text) }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard parts.count == 1 || !fraction.isEmpty, fraction.allSatisfy(\.isASCIIDigit) else { throw .notADecimal(text) }
        guard fraction.count <= 6 else { throw .tooManyFractionDigits(text) }
        guard whole.drop(while: { $0 == "0" }).count <= 13, let units = Int(whole), units <= limit else { throw .tooLarge(text) }
        let padded = fraction + String(repeating: "0", count: 6 - fraction.count)
        return units * 1_000_000 + (Int(padded) ?? 0)
    }

    /// The decimal text with the fraction digits it needs (at least none): `0.39`, `12`.
    public var description: String { Self.decimal(micros, scale: 6, trimmed: true) }

    /// `value / 10^scale` as a decimal string; `trimmed` drops trailing fraction zeros.
    public static func decimal(_ value: Int, scale: Int, trimmed: Bool = false) -> String {
        let sign = value < 0 ? "-" : ""
        let magnitude = value.magnitude
        var divisor: UInt = 1
        for _ in 0..<scale { divisor *= 10 }
        let whole = magnitude / divisor
        guard scale > 0 else { return sign + String(whole) }
        var fraction = String(magnitude % divisor)
        fraction = String(repeating: "0", count: scale - fraction.count) + fraction
        if trimmed { while fraction.hasSuffix("0") { fraction.removeLast() } }
        return sign + String(whole) + (fraction.isEmpty ? "" : "." + fraction)
    }

    public static func < (a: Money, b: Money) -> Bool { a.micros < b.micros }

    // Canonical form: the decimal text, so the hash of a tariff does not depend on how numbers are written.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try Money.parse(text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
