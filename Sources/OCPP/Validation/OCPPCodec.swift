/// How one schema type maps between JSON and Swift: `decode` validates against the schema's
/// constraints and converts, `encode` converts back. Generated payload types describe each
/// field with a codec, e.g. `.array(.object(SampledValue.self), minItems: 1)`, so they stay
/// short and every constraint is checked in one place.
///
/// `encode` does not validate: a value built in Swift is trusted to respect the constraints.
protocol OCPPCodec: Sendable {
    associatedtype Value: Sendable
    func decode(_ json: JSONValue, at path: () -> String, decoder: inout OCPPDecoder) throws(OCPPViolation) -> Value
    func encode(_ value: Value) -> JSONValue
}

/// A JSON string, with the schema's `maxLength` counted in Unicode scalars as JSON Schema does.
struct StringCodec: OCPPCodec {
    var maxLength: Int?

    func decode(_ json: JSONValue, at path: () -> String, decoder: inout OCPPDecoder) throws(OCPPViolation) -> String {
        guard case .string(let text) = json else { throw .type(expected: "string", got: json, at: path()) }
        // The UTF-8 length bounds the scalar count, so short strings need no count.
        if let maxLength, text.utf8.count > maxLength {
            let length = text.unicodeScalars.count
            if length > maxLength && !decoder.tolerate(.overlongStrings, at: path(), original: json) {
                throw .property(at: path(), "\(length) characters exceeds maxLength \(maxLength)")
            }
        }
        return text
    }

    func encode(_ value: String) -> JSONValue { .string(value) }
}

/// A JSON integer within the schema's `minimum` and `maximum`. A number with a zero fraction
/// (`12.0`) counts as an integer, as in JSON Schema draft 6; `12.5` does not.
struct IntegerCodec: OCPPCodec {
    var minimum: Int?
    var maximum: Int?

    func decode(_ json: JSONValue, at path: () -> String, decoder: inout OCPPDecoder) throws(OCPPViolation) -> Int {
        let number = try decoder.numberLiteral(json, at: path, expected: "integer")
        guard let value = number.intValue else {
            let double = number.doubleValue
            if number.isInteger || (double.isFinite && double == double.rounded()) {
                throw .property(at: path(), "\(number.text) is outside the 64-bit integer range")
            }
            throw .type(expected: "integer", got: .number(number), at: path())
        }
        if let minimum, value < minimum { throw .property(at: path(), "\(value) is less than minimum \(minimum)") }
        if let maximum, value > maximum { throw .property(at: path(), "\(value) is greater than maximum \(maximum)") }
        return value
    }

    func encode(_ value: Int) -> JSONValue { .integer(value) }
}

/// A JSON number within `minimum` and `maximum`. `decimalPlaces` stands for the schema's
/// `multipleOf` 0.1 (1 place), checked on the literal text so that binary rounding cannot
/// accept `0.30000000000000004` or reject `0.3`.
struct NumberCodec: OCPPCodec {
    var minimum: Double?
    var maximum: Double?
    var decimalPlaces: Int?

    func decode(_ json: JSONValue, at path: () -> String, decoder: inout OCPPDecoder) throws(OCPPViolation) -> Double {
        let number = try decoder.numberLiteral(json, at: path, expected: "number")
        let value = number.doubleValue
        guard value.isFinite else { throw .property(at: path(), "\(number.text) is outside the range of a double") }
        if let minimum, value < minimum { throw .property(at: path(), "\(number.text) is less than minimum \(JSONNumber(minimum))") }
        if let maximum, value > maximum { throw .property(at: path(), "\(number.text) is greater than maximum \(JSONNumber(maximum))") }
        if let decimalPlaces, Self.decimalPlaces(of: number.text) > decimalPlaces {
            let step = decimalPlaces == 0 ? "1" : "0." + String(repeating: "0", count: decimalPlaces - 1) + "1"
            throw .property(at: path(), "\(number.text) is not a multiple of \(step)")
        }
        return value
    }

    func encode(_ value: Double) -> JSONValue { .decimal(value) }

    /// The digits a JSON number literal needs after the decimal point: `1.50` → 1, `15e-2` → 2,
    /// `100e-3` → 1, `0e-5` → 0.
    static func decimalPlaces(of literal: String) -> Int {
        var fractionDigits = 0
        var trailingZeros = 0
        var isZero = true
        var inFraction = false
        var exponentText = ""
        var inExponent = false
        for character in literal {
            if inExponent { exponentText.append(character); continue }
            switch character {
            case ".": inFraction = true
            case "e", "E": inExponent = true
            case "0"..."9":
                if inFraction { fractionDigits += 1 }
                if character == "0" { trailingZeros += 1 } else { trailingZeros = 0; isZero = false }
            default: break
            }
        }
        if isZero { return 0 }
        // An absurd exponent is clamped so the arithmetic below cannot overflow.
        let limit = 1_000_000
        let parsed = exponentText.isEmpty ? 0 : Int(exponentText) ?? (exponentText.hasPrefix("-") ? -limit : limit)
        let exponent = min(max(parsed, -limit), limit)
        // The value is (its significant digits) × 10^(exponent − fractionDigits + trailingZeros).
        return max(0, fractionDigits - trailingZeros - exponent)
    }
}

/// A JSON boolean.
struct BooleanCodec: OCPPCodec {
    func decode(_ json: JSONValue, at path: () -> String, decoder: inout OCPPDecoder) throws(OCPPViolation) -> Bool {
        guard case .bool(let flag) = json else { throw .type(expected: "boolean", got: json, at: path()) }
        return flag
    }

    func encode(_ value: Bool) -> JSONValue { .bool(value) }
}

/// A string with `format: date-time`: RFC 3339, with a zone offset unless the decoder
/// tolerates `.missingTimeZone`.
struct DateTimeCodec: OCPPCodec {
    func decode(_ json: JSONValue, at path: () -> String, decoder: inout OCPPDecoder) throws(OCPPViolation) -> OCPPDateTime {
        guard case .string(let text) = json else { throw .type(expected: "date-time string", got: json, at: path()) }
        switch OCPPDateTime.parse(text) {
        case .success(let dateTime):
            return dateTime
        case .failure(.missingTimeZone(let utc)) where decoder.tolerate(.missingTimeZone, at: path(), original: json):
            return utc
        case .failure(let error):
            throw OCPPViolation(kind: .typeConstraint, path: path(),
                                message: "\(OCPPViolation.quote(text)) is not an RFC 3339 date-time: \(error)")
        }
    }

    func encode(_ value: OCPPDateTime) -> JSONValue { .string(value.jsonText) }
}

/// A string that must be one of the cases of `Value`, spelled exactly as on the wire unless
/// the decoder tolerates `.caseInsensitiveEnums`.
struct EnumCodec<Value: RawRepresentable & CaseIterable & Sendable>: OCPPCodec where Value.RawValue == String {
    func decode(_ json: JSONValue, at path: () -> String, decoder: inout OCPPDecoder) throws(OCPPViolation) -> Value {
        guard case .string(let text) = json else { throw .type(expected: "string", got: json, at: path()) }
        if let value = Value(rawValue: text) { return value }
        if decoder.leniency.contains(.caseInsensitiveEnums) {
            let folded = text.lowercased()
            if let value = Value.allCases.first(where: { $0.rawValue.lowercased() == folded }),
               decoder.tolerate(.caseInsensitiveEnums, at: path(), original: json) {
                return value
            }
        }
        let valid = Value.allCases.map(\.rawValue).joined(separator: ", ")
        throw .property(at: path(), "\(OCPPViolation.quote(text)) is not one of \(valid)")
    }

    func encode(_ value: Value) -> JSONValue { .string(value.rawValue) }
}

/// A nested object, decoded by its generated type.
struct ObjectCodec<Value: OCPPPayload>: OCPPCodec {
    func decode(_ json: JSONValue, at path: () -> String, decoder: inout OCPPDecoder) throws(OCPPViolation) -> Value {
        try Value(json: json, at: path(), decoder: &decoder)
    }

    func encode(_ value: Value) -> JSONValue { value.json() }
}

/// A JSON array whose items all match `element`, with at least `minItems` and at most
/// `maxItems` of them. The count is checked before any item is decoded.
struct ArrayCodec<Element: OCPPCodec>: OCPPCodec {
    var element: Element
    var minItems: Int
    var maxItems: Int?

    func decode(_ json: JSONValue, at path: () -> String, decoder: inout OCPPDecoder) throws(OCPPViolation) -> [Element.Value] {
        guard case .array(let items) = json else { throw .type(expected: "array", got: json, at: path()) }
        if items.count < minItems {
            throw .property(at: path(), "\(items.count) \(items.count == 1 ? "item is" : "items are") fewer than minItems \(minItems)")
        }
        if let maxItems, items.count > maxItems {
            throw .property(at: path(), "\(items.count) items are more than maxItems \(maxItems)")
        }
        var values: [Element.Value] = []
        values.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            values.append(try element.decode(item, at: { OCPPPath.element(path(), index) }, decoder: &decoder))
        }
        return values
    }

    func encode(_ value: [Element.Value]) -> JSONValue { .array(value.map(element.encode)) }
}

/// Any JSON value, for the few fields the schemas leave untyped (2.0.1 `DataTransfer.data`).
struct AnyJSONCodec: OCPPCodec {
    func decode(_ json: JSONValue, at path: () -> String, decoder: inout OCPPDecoder) throws(OCPPViolation) -> JSONValue { json }
    func encode(_ value: JSONValue) -> JSONValue { value }
}

// Leading-dot spellings used by the generated code: `.string(maxLength: 50)`, `.integer()`,
// `.enumeration(Status.self)`, `.array(.object(MeterValue.self), minItems: 1)`.
extension OCPPCodec where Self == StringCodec {
    static func string(maxLength: Int? = nil) -> StringCodec { StringCodec(maxLength: maxLength) }
}

extension OCPPCodec where Self == IntegerCodec {
    static func integer(minimum: Int? = nil, maximum: Int? = nil) -> IntegerCodec { IntegerCodec(minimum: minimum, maximum: maximum) }
}

extension OCPPCodec where Self == NumberCodec {
    static func number(minimum: Double? = nil, maximum: Double? = nil, decimalPlaces: Int? = nil) -> NumberCodec {
        NumberCodec(minimum: minimum, maximum: maximum, decimalPlaces: decimalPlaces)
    }
}

extension OCPPCodec where Self == BooleanCodec {
    static var boolean: BooleanCodec { BooleanCodec() }
}

extension OCPPCodec where Self == DateTimeCodec {
    static var dateTime: DateTimeCodec { DateTimeCodec() }
}

extension OCPPCodec where Self == AnyJSONCodec {
    static var anyJSON: AnyJSONCodec { AnyJSONCodec() }
}

extension OCPPCodec {
    static func enumeration<Value>(_ type: Value.Type) -> EnumCodec<Value> where Self == EnumCodec<Value> { EnumCodec() }
    static func object<Value>(_ type: Value.Type) -> ObjectCodec<Value> where Self == ObjectCodec<Value> { ObjectCodec() }
    static func array<Element>(_ element: Element, minItems: Int = 0, maxItems: Int? = nil) -> ArrayCodec<Element>
        where Self == ArrayCodec<Element> {
        ArrayCodec(element: element, minItems: minItems, maxItems: maxItems)
    }
}

extension OCPPDecoder {
    /// The number at `path`, or, under `.numbersAsStrings`, the number spelled by a string.
    mutating func numberLiteral(_ json: JSONValue, at path: () -> String, expected: String) throws(OCPPViolation) -> JSONNumber {
        switch json {
        case .number(let number):
            return number
        case .string(let text) where allows(.numbersAsStrings, at: path()):
            guard let number = JSONNumber(exactly: text) else { throw .type(expected: expected, got: json, at: path()) }
            _ = tolerate(.numbersAsStrings, at: path(), original: json)
            return number
        default:
            throw .type(expected: expected, got: json, at: path())
        }
    }
}

extension JSONNumber {
    /// The number spelled by `text` when it is exactly one JSON number literal, no spaces.
    init?(exactly text: String) {
        guard let first = text.utf8.first, first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first),
              let last = text.utf8.last, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(last),
              case .number(let number)? = try? JSONParser.parse(text) else { return nil }
        self = number
    }
}
