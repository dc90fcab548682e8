import OCPP
import YAMLKit

/// What a simulated charger gets wrong on the wire, so that Vigil's vendor quirk profiles meet
/// the same deviations real firmware sends: timestamps without a zone, integers as strings,
/// fields the schema does not define, and values OCPP does not know (e.g. `errorCode: "Error"`).
/// Applied to every CALL payload a station sends (`personalities.yaml`, key `bends`).
public struct ProtocolBends: Sendable, Equatable {
    /// Every `timestamp` (at any depth) without its `Z` or offset.
    public var timestampsWithoutZone = false
    /// These top-level integer fields are sent as strings (`"connectorId":"1"`).
    public var numbersAsStrings: [String] = []
    /// Fields added to every payload.
    public var extraFields: [(key: String, value: String)] = []
    /// Values replaced before sending (the reverse of a catalogue substitution).
    public var substitutions: [StationQuirks.Substitution] = []

    public init() {}

    public static func == (a: ProtocolBends, b: ProtocolBends) -> Bool {
        a.timestampsWithoutZone == b.timestampsWithoutZone && a.numbersAsStrings == b.numbersAsStrings
            && a.extraFields.map(\.key) == b.extraFields.map(\.key) && a.extraFields.map(\.value) == b.extraFields.map(\.value)
            && a.substitutions == b.substitutions
    }

    public var isEmpty: Bool { self == ProtocolBends() }

    /// `payload` of `action` as this firmware would send it.
    public func apply(to payload: JSONObject, action: String) -> JSONObject {
        guard !isEmpty else { return payload }
        var payload = StationQuirks(substitutions: substitutions).substitute(payload, action: action).payload
        if timestampsWithoutZone { payload = Self.stripZones(payload) }
        for index in payload.members.indices where numbersAsStrings.contains(payload.members[index].key) {
            if case .number(let number) = payload.members[index].value { payload.members[index].value = .string(number.text) }
        }
        for (key, value) in extraFields where payload[key] == nil { payload.append(key, .string(value)) }
        return payload
    }

    static func stripZones(_ object: JSONObject) -> JSONObject {
        var object = object
        for index in object.members.indices {
            object.members[index].value = stripZones(object.members[index].value, key: object.members[index].key)
        }
        return object
    }

    static func stripZones(_ value: JSONValue, key: String) -> JSONValue {
        switch value {
        case .string(let text) where key == "timestamp":
            if text.hasSuffix("Z") { return .string(String(text.dropLast())) }
            if text.count > 6, let sign = text.dropLast(5).last, sign == "+" || sign == "-" { return .string(String(text.dropLast(6))) }
            return value
        case .object(let nested): return .object(stripZones(nested))
        case .array(let items): return .array(items.map { stripZones($0, key: key) })
        default: return value
        }
    }

    static let keys = ["timestampsWithoutZone", "numbersAsStrings", "extraFields", "substitute"]

    /// Reads a personality's `bends` mapping.
    static func read(_ node: YAMLNode, context: String) -> (ProtocolBends, [YAMLError]) {
        var reader = YAMLFieldReader(node, context: "\(context) bends", allowed: keys)
        var bends = ProtocolBends()
        bends.timestampsWithoutZone = reader.bool("timestampsWithoutZone", required: false) ?? false
        bends.numbersAsStrings = reader.strings("numbersAsStrings")
        var errors: [YAMLError] = []
        if let extra = node["extraFields"] {
            if let pairs = extra.mapping {
                bends.extraFields = pairs.compactMap { pair in pair.key.scalar.flatMap { key in pair.value.scalar.map { (key, $0) } } }
            } else {
                reader.fail(extra, "\"extraFields\" must be a mapping of names to string values")
            }
        }
        for entry in node["substitute"].map({ $0.sequence ?? [$0] }) ?? [] {
            var fields = YAMLFieldReader(entry, context: "\(context) bends substitute", allowed: ["action", "field", "from", "to"])
            let action = fields.string("action", required: false)
            if let field = fields.string("field"), let from = fields.string("from"), let to = fields.string("to") {
                bends.substitutions.append(StationQuirks.Substitution(quirk: "simulated", action: action, field: field, from: from, to: to))
            }
            errors += fields.errors
        }
        return (bends, reader.errors + errors)
    }
}
