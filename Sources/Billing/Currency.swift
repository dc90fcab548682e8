/// An ISO 4217 currency Vigil can bill in, with its minor-unit exponent (EUR 2: cents; JPY 0;
/// KWD 3). The table is small on purpose: a code missing from it is refused with the list,
/// rather than billed with a guessed exponent.
public struct Currency: Sendable, Hashable, Codable, CustomStringConvertible {
    public let code: String
    /// Digits after the decimal point of the minor unit.
    public let exponent: Int

    /// The codes Vigil knows, with their ISO 4217 minor-unit exponents.
    public static let exponents: [String: Int] = [
        "EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "SEK": 2, "NOK": 2, "DKK": 2, "PLN": 2, "CZK": 2, "HUF": 2, "RON": 2,
        "CAD": 2, "AUD": 2, "NZD": 2, "SGD": 2, "HKD": 2, "CNY": 2, "INR": 2, "ZAR": 2, "BRL": 2, "MXN": 2, "TRY": 2,
        "JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0,
        "KWD": 3, "BHD": 3, "OMR": 3, "JOD": 3, "TND": 3,
    ]

    /// The currency for `code` (upper case, as ISO 4217 writes it), nil when unknown.
    public init?(code: String) {
        guard let exponent = Self.exponents[code] else { return nil }
        self.code = code
        self.exponent = exponent
    }

    public var description: String { code }

    /// An amount in minor units as a decimal in major units: 1234 EUR → "12.34", 1234 JPY → "1234".
    public func major(_ minorUnits: Int) -> String { Money.decimal(minorUnits, scale: exponent) }

    /// An exact micro-unit amount rounded half away from zero to the minor unit.
    public func minorUnits(_ money: Money) -> Int {
        Int(Rounding.halfAwayFromZero(Int128(money.micros) * Rounding.power(exponent), 1_000_000))
    }

    public init(from decoder: any Decoder) throws {
        let code = try decoder.singleValueContainer().decode(String.self)
        guard let currency = Currency(code: code) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown currency \(code)"))
        }
        self = currency
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }
}
