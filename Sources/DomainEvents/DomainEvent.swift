import Foundation

/// A version-neutral fact about a charger, as the CPMS translates OCPP 1.6 and 2.0.1 messages
/// (or as a fixture or a replay file states it). It is the only input the rule engine sees.
/// Common attributes (station, connector, site, vendor …) are properties; what is particular to a
/// kind (`to`, `vendorErrorCode`, `energyWh` …) is in `fields`.
public struct DomainEvent: Sendable, Equatable, Codable {
    /// Unique within a store or a file; decisions cite the ids of the events that caused them.
    public var id: String
    public var kind: EventKind
    /// When Vigil received it; the engine's notion of time for this event.
    public var time: Date
    /// The timestamp the charger put on it, when it sent one.
    public var chargerTime: Date?
    public var station: String
    public var connector: Int?
    public var evse: Int?
    public var site: String?
    public var vendor: String?
    public var model: String?
    public var firmware: String?
    public var fields: [String: FieldValue]

    public init(id: String, kind: EventKind, time: Date, chargerTime: Date? = nil, station: String,
                connector: Int? = nil, evse: Int? = nil, site: String? = nil, vendor: String? = nil,
                model: String? = nil, firmware: String? = nil, fields: [String: FieldValue] = [:]) {
        self.id = id
        self.kind = kind
        self.time = time
        self.chargerTime = chargerTime
        self.station = station
        self.connector = connector
        self.evse = evse
        self.site = site
        self.vendor = vendor
        self.model = model
        self.firmware = firmware
        self.fields = fields
    }

    /// A field by name, common attributes included, as predicates and templates see it.
    public func value(of name: String) -> FieldValue? {
        switch name {
        case "kind": return .string(kind.rawValue)
        case "station": return .string(station)
        case "connector": return connector.map { .number(Double($0)) }
        case "evse": return evse.map { .number(Double($0)) }
        case "site": return site.map(FieldValue.string)
        case "vendor": return vendor.map(FieldValue.string)
        case "model": return model.map(FieldValue.string)
        case "firmware": return firmware.map(FieldValue.string)
        default: return fields[name]
        }
    }
}

/// The kinds of domain event, with the fields each carries besides the common ones.
public enum EventKind: String, Sendable, Codable, CaseIterable, Comparable {
    case connected, disconnected, booted, heartbeat, statusChanged, faultCleared
    case transactionStarted, transactionEnded, meterSample, authorizationRejected
    case securityEvent, firmwareStatus, diagnosticsStatus, commandResult, approval, tick
    /// Vigil's executor holds (or releases) every automatic state-changing command, for the
    /// fleet (`scope: fleet`, station "") while many stations fault at once.
    case hold
    /// Vigil's fraud and integrity consumer found a suspicious session, token or station
    /// (`signal` names which check; docs/billing.md, "Fraud and integrity signals").
    case fraudSuspected

    /// Attributes every event has; valid in any `where`.
    public static let commonFields = ["kind", "station", "connector", "evse", "site", "vendor", "model", "firmware"]

    /// The kind-specific fields a `where` may name.
    public var fields: [String] {
        switch self {
        case .connected: return ["securityProfile"]
        case .disconnected: return ["reason"]
        case .booted: return ["reason", "serialNumber", "byVigil"]
        case .heartbeat, .tick: return []
        case .statusChanged: return ["from", "to", "ocppErrorCode", "vendorId", "vendorErrorCode", "info", "queuedOffline", "superseded"]
        case .faultCleared: return ["to", "ocppErrorCode", "vendorId", "vendorErrorCode"]
        case .transactionStarted: return ["transactionId", "idTag"]
        case .transactionEnded: return ["transactionId", "idTag", "reason", "energyWh", "durationSeconds", "success"]
        case .meterSample: return ["transactionId", "measurand", "value", "unit", "phase"]
        case .authorizationRejected: return ["idTag", "status"]
        case .securityEvent: return ["type", "techInfo"]
        case .firmwareStatus: return ["status"]
        case .diagnosticsStatus: return ["status"]
        case .commandResult: return ["action", "status", "rule", "detail", "target", "rung", "reason"]
        case .hold: return ["scope", "active", "until", "reason"]
        case .approval: return ["rule", "target", "approved", "by", "role"]
        case .fraudSuspected: return ["signal", "idTag", "transactionId", "session", "detail", "otherStation"]
        }
    }

    public static func < (a: EventKind, b: EventKind) -> Bool { a.rawValue < b.rawValue }
}

/// A field's value: text, number or truth value. Comparisons are by kind; a rule's literal
/// `"3"` equals the number 3.
public enum FieldValue: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    case string(String)
    case number(Double)
    case bool(Bool)

    public var description: String {
        switch self {
        case .string(let text): return text
        case .number(let number):
            if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
            return String(number)
        case .bool(let value): return value ? "true" : "false"
        }
    }

    public var number: Double? {
        switch self {
        case .number(let number): return number
        case .string(let text): return Double(text)
        case .bool: return nil
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else { self = .string(try container.decode(String.self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .number(let number): try container.encode(number)
        case .bool(let value): try container.encode(value)
        }
    }
}
