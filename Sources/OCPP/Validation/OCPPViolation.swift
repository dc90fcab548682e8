/// Why a payload does not conform to its OCPP JSON schema: the class of rule it breaks, the
/// field that breaks it, and a message that quotes the bad value and says what would be valid.
/// Decoding stops at the first violation, because a CALLERROR carries only one.
///
/// The RPC layer maps `kind` to the version's wire error code; this type does not know them.
public struct OCPPViolation: Error, Equatable, Sendable, CustomStringConvertible {
    /// The class of schema rule that was broken. The cases follow the OCPP-J CALLERROR codes.
    public enum Kind: Sendable, Equatable, Hashable {
        /// The payload as a whole is not shaped like a message: it is not a JSON object.
        case formation
        /// A field holds the wrong JSON type (`"1"` for an integer) or a malformed date-time.
        case typeConstraint
        /// A required field is missing.
        case occurrenceConstraint
        /// A field has the right type but a value the schema rejects: not one of the enum
        /// values, too long, out of bounds, too few or too many items, or an unknown property
        /// where the schema forbids additional properties.
        case propertyConstraint
    }

    /// Which rule was broken.
    public let kind: Kind
    /// The offending field, e.g. `meterValue[0].sampledValue[2].measurand`; empty for the
    /// payload itself.
    public let path: String
    /// What is wrong, without the path, e.g. `"Foo" is not one of Raw, SignedData`.
    public let message: String

    public init(kind: Kind, path: String, message: String) {
        self.kind = kind
        self.path = path
        self.message = message
    }

    /// The message prefixed with the path, e.g. `info: 51 characters exceeds maxLength 50`.
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

extension OCPPViolation {
    static func missing(at path: String) -> OCPPViolation {
        OCPPViolation(kind: .occurrenceConstraint, path: path, message: "required property is missing")
    }

    /// A wrong JSON type; `expected` names the schema type ("integer", "object", …).
    static func type(expected: String, got value: JSONValue, at path: String) -> OCPPViolation {
        OCPPViolation(kind: .typeConstraint, path: path, message: "expected \(expected), got \(describe(value))")
    }

    static func property(at path: String, _ message: String) -> OCPPViolation {
        OCPPViolation(kind: .propertyConstraint, path: path, message: message)
    }

    /// The longest excerpt of a string quoted in a message; a hostile 64 KiB value must not
    /// end up in every log line.
    static let quoteLimit = 40

    /// A string in double quotes, cut to `quoteLimit` characters with an ellipsis.
    static func quote(_ text: String) -> String {
        var excerpt = ""
        var count = 0
        for character in text {
            if count == quoteLimit { return "\"\(excerpt)…\"" }
            excerpt.append(character)
            count += 1
        }
        return "\"\(excerpt)\""
    }

    /// The JSON type of a value and, for scalars, the value itself: `string "1"`, `number 1.5`,
    /// `boolean true`, `null`, `array`, `object`.
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return "boolean \(flag)"
        case .number(let number): return "\(value.typeName) \(number.text.count > quoteLimit ? String(number.text.prefix(quoteLimit)) + "…" : number.text)"
        case .string(let text): return "string \(quote(text))"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// Builds field paths as they appear in violations: `meterValue[0].sampledValue[2].measurand`.
enum OCPPPath {
    static func member(_ parent: String, _ key: String) -> String {
        parent.isEmpty ? key : parent + "." + key
    }

    static func element(_ parent: String, _ index: Int) -> String {
        parent + "[" + String(index) + "]"
    }
}
