/// A parsed JSON document: the lightweight tree that OCPP payloads are validated and decoded
/// from. Numbers keep their literal text so an integer stays exact and a decimal re-encodes
/// as the charger sent it; objects keep their key order for faithful logs and round trips.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The JSON type name used in validation messages ("string", "integer", …).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number(let number): return number.isInteger ? "integer" : "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    public static func integer(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }
    public static func decimal(_ value: Double) -> JSONValue { .number(JSONNumber(value)) }
}

/// A JSON number as written: the literal text, plus its integer value when it has one.
public struct JSONNumber: Sendable, Equatable, CustomStringConvertible {
    /// The literal, e.g. `12`, `-0.5`, `1E3`.
    public let text: String

    /// Creates a number from a literal the parser has already validated.
    init(literal: String) { text = literal }

    public init(_ value: Int) { text = String(value) }

    /// A finite double written in its shortest round-tripping form.
    public init(_ value: Double) {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
            text = String(Int(value))
        } else {
            text = value.isFinite ? "\(value)" : "0"
        }
    }

    /// True when the literal has no fraction or exponent (`12`, `-3`).
    public var isInteger: Bool { !text.contains { $0 == "." || $0 == "e" || $0 == "E" } }

    /// The value as an integer when it is one exactly (`12`, also `12.0` and `1e2`).
    public var intValue: Int? {
        if isInteger { return Int(text) }
        guard let double = Double(text), double == double.rounded(), abs(double) < 9.0e15 else { return nil }
        return Int(double)
    }

    public var doubleValue: Double { Double(text) ?? .nan }

    public var description: String { text }

    public static func == (a: JSONNumber, b: JSONNumber) -> Bool {
        a.text == b.text || a.doubleValue == b.doubleValue
    }
}

/// A JSON object with its members in document order. Lookups are linear: OCPP objects have
/// a handful of members, where a scan beats hashing.
public struct JSONObject: Sendable, Equatable {
    public var members: [(key: String, value: JSONValue)]

    public init(_ members: [(key: String, value: JSONValue)] = []) { self.members = members }

    public subscript(key: String) -> JSONValue? {
        for member in members where member.key == key { return member.value }
        return nil
    }

    /// Appends a member; used by encoders, which never repeat a key.
    public mutating func append(_ key: String, _ value: JSONValue) { members.append((key, value)) }

    /// Equal when the same keys map to equal values, whatever their order.
    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        guard a.members.count == b.members.count else { return false }
        return a.members.allSatisfy { member in b[member.key] == member.value }
    }
}
