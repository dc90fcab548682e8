import Foundation
import Testing
@testable import OCPP

// MARK: - Reading the schemas

/// The OCA schema files, found next to the repository at `../shared/reference/ocpp-schemas`.
enum SchemaLibrary {
    static let directory: URL = URL(fileURLWithPath: #filePath)   // Tests/OCPPTests/OCPPSchemaTests.swift
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/reference/ocpp-schemas")

    static let isAvailable: Bool = {
        let found = ["v16", "v201"].allSatisfy { FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path) }
        if !found { print("OCPPSchemaTests: skipping the schema-driven tests, \(directory.path) not found") }
        return found
    }()

    static let unavailableReason = Comment(rawValue: "the OCA schemas are not at ../shared/reference/ocpp-schemas")

    static let cases: [SchemaCase] = {
        guard isAvailable else { return [] }
        var cases: [SchemaCase] = []
        for version in [SchemaCase.Version.v16, .v201] {
            let folder = directory.appendingPathComponent(version.rawValue)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            for name in names.sorted() where name.hasSuffix(".json") {
                cases.append(SchemaCase(version: version, file: name, url: folder.appendingPathComponent(name)))
            }
        }
        return cases
    }()
}

/// One schema file: which action it belongs to, and whether it describes the request or the response.
struct SchemaCase: Sendable, CustomStringConvertible, CustomTestStringConvertible {
    enum Version: String, Sendable { case v16, v201 }

    let version: Version
    let file: String
    let url: URL
    let action: String
    let isResponse: Bool

    init(version: Version, file: String, url: URL) {
        self.version = version
        self.file = file
        self.url = url
        let base = String(file.dropLast(".json".count))
        isResponse = base.hasSuffix("Response")
        if isResponse {
            action = String(base.dropLast("Response".count))
        } else {
            action = version == .v201 && base.hasSuffix("Request") ? String(base.dropLast("Request".count)) : base
        }
    }

    var description: String { "\(version.rawValue)/\(file)" }
    var testDescription: String { description }
    var typeName: String { action + (isResponse ? "Response" : "Request") }

    func decode(_ json: JSONValue, decoder: inout OCPPDecoder) throws(OCPPViolation) -> (any OCPPPayload)? {
        switch (version, isResponse) {
        case (.v16, false): return try V16.decodeRequest(action: action, json: json, decoder: &decoder)
        case (.v16, true): return try V16.decodeResponse(action: action, json: json, decoder: &decoder)
        case (.v201, false): return try V201.decodeRequest(action: action, json: json, decoder: &decoder)
        case (.v201, true): return try V201.decodeResponse(action: action, json: json, decoder: &decoder)
        }
    }

    func shape() throws -> Shape {
        var bytes = [UInt8](try Data(contentsOf: url))
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let schema = try JSONParser.parse(bytes)
        return try Shape(schema, definitions: schema["definitions"]?.objectValue ?? JSONObject(), at: description)
    }
}

struct SchemaError: Error, CustomStringConvertible {
    let description: String
}

// MARK: - A schema as the tests see it

/// What a schema node accepts, reduced to the keywords the OCPP schemas use.
indirect enum Shape {
    case string(maxLength: Int?)
    case enumeration([String])
    case dateTime
    case integer(minimum: Int?, maximum: Int?)
    case number(minimum: Double?, maximum: Double?, multipleOf: Double?)
    case boolean
    case any
    case array(Shape, minItems: Int, maxItems: Int?)
    case object([Property], closed: Bool)

    struct Property {
        let name: String
        let shape: Shape
        let isRequired: Bool
    }

    init(_ node: JSONValue, definitions: JSONObject, at location: String) throws {
        guard case .object(var members) = node else { throw SchemaError(description: "\(location): not a schema object") }
        if case .string(let ref)? = members["$ref"] {
            let name = String(ref.dropFirst("#/definitions/".count))
            guard case .object(let definition)? = definitions[name] else { throw SchemaError(description: "\(location): no \(ref)") }
            members = definition
        }
        switch members["type"] {
        case nil:
            self = .any
        case .string("string")?:
            if case .array(let values)? = members["enum"] {
                self = .enumeration(values.compactMap(\.stringValue))
            } else if members["format"] == .string("date-time") {
                self = .dateTime
            } else {
                self = .string(maxLength: members["maxLength"]?.intValue)
            }
        case .string("integer")?:
            self = .integer(minimum: members["minimum"]?.intValue, maximum: members["maximum"]?.intValue)
        case .string("number")?:
            self = .number(minimum: members["minimum"]?.doubleValue, maximum: members["maximum"]?.doubleValue,
                           multipleOf: members["multipleOf"]?.doubleValue)
        case .string("boolean")?:
            self = .boolean
        case .string("array")?:
            guard let items = members["items"] else { throw SchemaError(description: "\(location): array without items") }
            self = .array(try Shape(items, definitions: definitions, at: location + "[]"),
                          minItems: members["minItems"]?.intValue ?? 0, maxItems: members["maxItems"]?.intValue)
        case .string("object")?:
            let required = Set(members["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            var properties: [Property] = []
            for (name, child) in members["properties"]?.objectValue?.members ?? [] {
                properties.append(Property(name: name, shape: try Shape(child, definitions: definitions, at: location + "." + name),
                                           isRequired: required.contains(name)))
            }
            self = .object(properties, closed: members["additionalProperties"] == .bool(false))
        case let other?:
            throw SchemaError(description: "\(location): unsupported type \(other)")
        }
    }

    static let validDateTime = "2024-05-01T12:00:00Z"

    /// The smallest valid value: required properties only, `minItems` items, first enum value.
    func minimal() -> JSONValue {
        switch self {
        case .string(let maxLength): return .string(maxLength == 0 ? "" : "a")
        case .enumeration(let values): return .string(values.first ?? "")
        case .dateTime: return .string(Self.validDateTime)
        case .integer(let minimum, let maximum): return .integer(minimum ?? min(maximum ?? 1, 1))
        case .number(let minimum, let maximum, _): return .decimal(minimum ?? min(maximum ?? 1.5, 1.5))
        case .boolean: return .bool(false)
        case .any: return .string("x")
        case .array(let element, let minItems, _): return .array(Array(repeating: element.minimal(), count: minItems))
        case .object(let properties, _):
            return .object(JSONObject(properties.filter(\.isRequired).map { ($0.name, $0.shape.minimal()) }))
        }
    }

    /// Every property present, strings at exactly `maxLength` (in two-byte characters), two
    /// items per array where allowed, the last enum value, and a vendor member in open objects.
    func maximal() -> JSONValue {
        switch self {
        case .string(let maxLength): return .string(maxLength.map { String(repeating: "é", count: $0) } ?? "text ✓")
        case .enumeration(let values): return .string(values.last ?? "")
        case .dateTime: return .string("2024-05-01T12:34:56.789+02:00")
        case .integer(let minimum, let maximum): return .integer(maximum ?? (minimum.map { $0 + 5 } ?? 42))
        case .number(let minimum, let maximum, _): return .decimal(maximum ?? (minimum.map { $0 + 12.5 } ?? 12.5))
        case .boolean: return .bool(true)
        case .any: return .object(JSONObject([("k", .array([.integer(1), .string("two"), .null]))]))
        case .array(let element, let minItems, let maxItems):
            return .array(Array(repeating: element.maximal(), count: max(minItems, min(maxItems ?? 2, 2))))
        case .object(let properties, let closed):
            var object = JSONObject(properties.map { ($0.name, $0.shape.maximal()) })
            if !closed { object.append("vendorExtension", .object(JSONObject([("note", .string("kept"))]))) }
            return .object(object)
        }
    }

    /// A value of the wrong JSON type for this shape, or nil when any type is valid.
    var wrongType: JSONValue? {
        switch self {
        case .string, .enumeration, .dateTime: return .integer(7)
        case .integer, .number: return .bool(true)
        case .boolean: return .string("true")
        case .array: return .object(JSONObject())
        case .object: return .string("x")
        case .any: return nil
        }
    }

    enum Expected {
        case violation(OCPPViolation.Kind, path: String)
        /// Rejected strictly, accepted under the leniency with this record and re-encoding.
        case lenient(OCPPLeniency, path: String, original: JSONValue, reencoded: JSONValue)
    }

    struct Variant {
        let name: String
        let payload: JSONValue
        let expected: Expected
    }

    /// Every single-defect variant of the payload `value`.
    func variants(of value: JSONValue) -> [Variant] {
        var list: [Variant] = []
        collect(value, path: "", rebuild: { $0 }, into: &list)
        return list
    }

    private func collect(_ value: JSONValue, path: String, rebuild: @escaping (JSONValue) -> JSONValue, into list: inout [Variant]) {
        func add(_ name: String, _ replacement: JSONValue, _ kind: OCPPViolation.Kind, at violationPath: String? = nil) {
            list.append(Variant(name: name, payload: rebuild(replacement), expected: .violation(kind, path: violationPath ?? path)))
        }
        func lenient(_ name: String, _ replacement: JSONValue, _ option: OCPPLeniency, reencoded: JSONValue) {
            list.append(Variant(name: name, payload: rebuild(replacement),
                                expected: .lenient(option, path: path, original: replacement, reencoded: rebuild(reencoded))))
        }
        switch self {
        case .string(let maxLength):
            if let maxLength { add("maxLength+1", .string(String(repeating: "é", count: maxLength + 1)), .propertyConstraint) }
        case .enumeration(let values):
            add("not an enum value", .string("NotAValidValue"), .propertyConstraint)
            if case .string(let text) = value {
                let recased = text.uppercased() == text ? text.lowercased() : text.uppercased()
                if recased != text && !values.contains(recased) {
                    lenient("recased enum", .string(recased), .caseInsensitiveEnums, reencoded: value)
                }
            }
        case .dateTime:
            add("malformed date-time", .string("2024-13-01T12:00:00Z"), .typeConstraint)
            lenient("date-time without zone", .string("2024-05-01T12:00:00"), .missingTimeZone, reencoded: .string(Self.validDateTime))
        case .integer(let minimum, let maximum):
            if let minimum { add("minimum-1", .integer(minimum - 1), .propertyConstraint) }
            if let maximum { add("maximum+1", .integer(maximum + 1), .propertyConstraint) }
            add("fraction", .decimal(0.5), .typeConstraint)
            if case .number(let number) = value { lenient("integer as string", .string(number.text), .numbersAsStrings, reencoded: value) }
        case .number(let minimum, let maximum, let multipleOf):
            if let minimum { add("minimum-1", .decimal(minimum - 1), .propertyConstraint) }
            if let maximum { add("maximum+1", .decimal(maximum + 1), .propertyConstraint) }
            if multipleOf != nil, case .number(let number) = value {
                add("not a multiple", .decimal(number.doubleValue + 0.05), .propertyConstraint)
            }
            if case .number(let number) = value { lenient("number as string", .string(number.text), .numbersAsStrings, reencoded: value) }
        case .boolean, .any:
            break
        case .array(let element, let minItems, let maxItems):
            guard case .array(let items) = value else { return }
            if minItems > 0 { add("empty array", .array([]), .propertyConstraint) }
            if let maxItems, let first = items.first {
                add("maxItems+1", .array(Array(repeating: first, count: maxItems + 1)), .propertyConstraint)
            }
            for (index, item) in items.enumerated() {
                element.collect(item, path: path + "[\(index)]", rebuild: { replacement in
                    var copy = items
                    copy[index] = replacement
                    return rebuild(.array(copy))
                }, into: &list)
            }
        case .object(let properties, let closed):
            guard case .object(let object) = value else { return }
            if path.isEmpty { add("not an object", .array([]), .formation) }
            let member = path.isEmpty ? "unexpectedProperty" : path + ".unexpectedProperty"
            if closed {
                var extended = object
                extended.append("unexpectedProperty", .integer(1))
                add("unknown property", .object(extended), .propertyConstraint, at: member)
                list.append(Variant(name: "unknown property", payload: rebuild(.object(extended)),
                                    expected: .lenient(.unknownProperties, path: member, original: .integer(1), reencoded: rebuild(value))))
            }
            for property in properties {
                guard let child = object[property.name] else { continue }
                let childPath = path.isEmpty ? property.name : path + "." + property.name
                let replace: (JSONValue?) -> JSONValue = { replacement in
                    var copy = object
                    copy.members.removeAll { $0.key == property.name }
                    if let replacement { copy.append(property.name, replacement) }
                    return rebuild(.object(copy))
                }
                if property.isRequired {
                    list.append(Variant(name: "missing \(property.name)", payload: replace(nil),
                                        expected: .violation(.occurrenceConstraint, path: childPath)))
                }
                if let wrong = property.shape.wrongType {
                    list.append(Variant(name: "wrong type", payload: replace(wrong), expected: .violation(.typeConstraint, path: childPath)))
                }
                property.shape.collect(child, path: childPath, rebuild: { replace($0) }, into: &list)
            }
        }
    }
}

extension JSONValue {
    subscript(key: String) -> JSONValue? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }

    var objectValue: JSONObject? { if case .object(let object) = self { object } else { nil } }
    var arrayValue: [JSONValue]? { if case .array(let items) = self { items } else { nil } }
    var stringValue: String? { if case .string(let text) = self { text } else { nil } }
    var intValue: Int? { if case .number(let number) = self { number.intValue } else { nil } }
    var doubleValue: Double? { if case .number(let number) = self { number.doubleValue } else { nil } }
}
