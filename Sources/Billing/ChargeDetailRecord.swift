import Digests
import DomainEvents
import Foundation

/// A charge detail record: one priced session, written once when it ends and never changed.
/// Money is in integer minor units of `currency` (cents for EUR); quantities and unit prices
/// are decimal strings. `contentHash` is SHA-256 over `canonicalJSON` — the record without its
/// hash, keys sorted, no whitespace — so anyone holding the JSON can check it.
public struct ChargeDetailRecord: Sendable, Equatable, Codable {
    public var session: Int
    public var station: String
    public var site: String?
    public var evse: Int
    public var connector: Int
    /// The connector's declared type when it was priced; absent from the JSON when none was
    /// declared (so a CDR written before connector types existed reads, and hashes, as it did).
    public var connectorType: ConnectorType?
    public var idToken: String?
    public var group: String
    public var authorization: String?
    public var startTime: String
    public var stopTime: String
    /// Energy in Wh with three decimals (exact to the milli-watt-hour the engine used).
    public var energyWh: String
    public var energySource: EnergySource
    public var tariffId: String
    public var tariffVersion: Int
    public var tariffHash: String
    public var currency: Currency
    public var items: [LineItem]
    public var net: Int
    public var vatPercent: String
    public var vat: Int
    public var gross: Int

    /// The JSON the hash covers: sorted keys, no whitespace, no escaped slashes.
    public var canonicalJSON: String {
        let encoder = JSONEncoder.canonical
        // Every field is a string, an integer or a list of those: encoding cannot fail.
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// SHA-256 of `canonicalJSON`, lower-case hex.
    public var contentHash: String { Digests.sha256Hex(Array(canonicalJSON.utf8)) }

    /// The record from its canonical JSON (as stored).
    public static func decode(_ json: String) throws -> ChargeDetailRecord {
        try JSONDecoder().decode(ChargeDetailRecord.self, from: Data(json.utf8))
    }
}

/// One line of a CDR: a component of the price in one band, or a fee or cap.
public struct LineItem: Sendable, Equatable, Codable {
    /// What the line charges for.
    public enum Component: String, Sendable, Codable {
        case energy, time, idle, sessionFee, minPrice, maxPrice
    }

    public var component: Component
    /// The band's position in the tariff (1-based) and its label; nil for fees and caps.
    public var band: Int?
    public var bandLabel: String?
    /// kWh (six decimals), seconds (three decimals) or 1 (a session); the adjustment for a cap.
    public var quantity: String
    public var unit: String
    /// The price per unit, in major units (`0.39` per kWh).
    public var unitPrice: String
    /// Minor units, rounded half away from zero from the line's exact value.
    public var amount: Int
    /// The stretches of the session the line covers, RFC 3339 UTC, `from/to`.
    public var periods: [String]

    public init(component: Component, band: Int? = nil, bandLabel: String? = nil, quantity: String, unit: String, unitPrice: String,
                amount: Int, periods: [String] = []) {
        self.component = component
        self.band = band
        self.bandLabel = bandLabel
        self.quantity = quantity
        self.unit = unit
        self.unitPrice = unitPrice
        self.amount = amount
        self.periods = periods
    }
}
