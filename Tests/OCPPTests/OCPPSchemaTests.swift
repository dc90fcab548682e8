import Foundation
import Testing
@testable import OCPP

// MARK: - Schema-driven conformance

/// The typed OCPP messages and their validation runtime. The conformance suite runs only when
/// the OCA schemas are next to the repository; the others need nothing outside it.
@Suite struct OCPPSchemaTests {}

extension OCPPSchemaTests {
    /// Every official schema file, checked against the generated types: a minimal and a maximal
    /// payload synthesised from the schema decode through the registry and re-encode to equal
    /// JSON, and each broken variant fails with the right kind of violation at the right path.
    @Suite struct Conformance {
        @Test(.enabled(if: SchemaLibrary.isAvailable, SchemaLibrary.unavailableReason), arguments: SchemaLibrary.cases)
        func minimalAndMaximalPayloadsRoundTrip(_ schema: SchemaCase) throws {
            let shape = try schema.shape()
            for (name, payload) in [("minimal", shape.minimal()), ("maximal", shape.maximal())] {
                var decoder = OCPPDecoder()
                do throws(OCPPViolation) {
                    guard let decoded = try schema.decode(payload, decoder: &decoder) else {
                        Issue.record("\(schema): action \(schema.action) is not in the registry")
                        return
                    }
                    #expect(String(describing: type(of: decoded)) == schema.typeName, "\(schema)")
                    #expect(decoded.json() == payload, "\(schema) \(name): re-encoded \(JSONWriter.string(decoded.json()))")
                    #expect(decoder.applied.isEmpty, "\(schema) \(name)")
                } catch {
                    Issue.record("\(schema) \(name) payload rejected: \(error)\n\(JSONWriter.string(payload))")
                }
            }
        }

        @Test(.enabled(if: SchemaLibrary.isAvailable, SchemaLibrary.unavailableReason), arguments: SchemaLibrary.cases)
        func brokenVariantsFailAtTheirPath(_ schema: SchemaCase) throws {
            let shape = try schema.shape()
            let variants = shape.variants(of: shape.maximal()) + shape.variants(of: shape.minimal())
            #expect(!variants.isEmpty)
            for variant in variants {
                switch variant.expected {
                case .violation(let kind, let path):
                    var decoder = OCPPDecoder()
                    do throws(OCPPViolation) {
                        _ = try schema.decode(variant.payload, decoder: &decoder)
                        Issue.record("\(schema) \(variant.name) at \(path): accepted \(JSONWriter.string(variant.payload))")
                    } catch {
                        #expect(error.kind == kind && error.path == path,
                                "\(schema) \(variant.name): expected \(kind) at \"\(path)\", got \(error.kind) \(error)")
                        #expect(!error.message.isEmpty)
                    }
                case .lenient(let option, let path, let original, let reencoded):
                    var strict = OCPPDecoder()
                    var lenient = OCPPDecoder(leniency: option)
                    do throws(OCPPViolation) {
                        _ = try schema.decode(variant.payload, decoder: &strict)
                        Issue.record("\(schema) \(variant.name) at \(path): accepted without \(option)")
                    } catch {}
                    do throws(OCPPViolation) {
                        let decoded = try schema.decode(variant.payload, decoder: &lenient)
                        #expect(decoded?.json() == reencoded, "\(schema) \(variant.name) at \(path)")
                        #expect(lenient.applied == [AppliedLeniency(path: path, leniency: option, original: original)],
                                "\(schema) \(variant.name): applied \(lenient.applied)")
                    } catch {
                        Issue.record("\(schema) \(variant.name) at \(path): rejected under \(option): \(error)")
                    }
                }
            }
        }

        @Test(.enabled(if: SchemaLibrary.isAvailable, SchemaLibrary.unavailableReason))
        func registriesCoverEverySchema() {
            for version in [SchemaCase.Version.v16, .v201] {
                let actions = Set(SchemaLibrary.cases.filter { $0.version == version }.map(\.action))
                let registered = Set(version == .v16 ? V16.requestTypes.keys : V201.requestTypes.keys)
                #expect(actions == registered, "\(version)")
            }
            #expect(SchemaLibrary.cases.filter { $0.version == .v16 }.count == 78)
            #expect(SchemaLibrary.cases.filter { $0.version == .v201 }.count == 128)
            let variants = SchemaLibrary.cases.reduce(0) { total, schema in
                guard let shape = try? schema.shape() else { return total }
                return total + shape.variants(of: shape.maximal()).count + shape.variants(of: shape.minimal()).count
            }
            print("OCPPSchemaTests: \(SchemaLibrary.cases.count) schema files, \(variants) broken or lenient variants")
        }
    }
}

// MARK: - Hand-written tables

extension OCPPSchemaTests {
    @Suite struct DateTime {
        @Test(arguments: [
            ("2024-05-01T12:00:00Z", 1_714_564_800, 0),
            ("2024-05-01T12:00:00.5Z", 1_714_564_800, 500_000_000),
            ("2024-05-01T12:00:00.123456789Z", 1_714_564_800, 123_456_789),
            ("2024-05-01T12:00:00.1234567891234Z", 1_714_564_800, 123_456_789),
            ("2024-05-01T14:00:00+02:00", 1_714_564_800, 0),
            ("2024-05-01T06:30:00-05:30", 1_714_564_800, 0),
            ("2024-05-01T12:00:00.250-00:00", 1_714_564_800, 250_000_000),
            ("2024-05-01t12:00:00z", 1_714_564_800, 0),
            ("1969-12-31T23:59:59Z", -1, 0),
            ("2024-02-29T23:59:59Z", 1_709_251_199, 0),
            ("0001-01-01T00:00:00Z", -62_135_596_800, 0),
            ("9999-12-31T23:59:59Z", 253_402_300_799, 0),
            ("2016-12-31T23:59:60Z", 1_483_228_800, 0),   // leap second: lands on the next second
        ])
        func parsesRFC3339(text: String, seconds: Int64, nanoseconds: Int32) {
            guard case .success(let value) = OCPPDateTime.parse(text) else {
                Issue.record("rejected \(text)")
                return
            }
            #expect(value.secondsSinceEpoch == seconds && value.nanoseconds == nanoseconds)
            #expect(value.text == text)
        }

        @Test(arguments: [
            ("", OCPPDateTimeError.malformed),
            ("2024-05-01", .malformed),
            ("2024-05-01 12:00:00Z", .malformed),
            ("2024-05-01T12:00Z", .malformed),
            ("2024-05-01T12:00:00.Z", .malformed),
            ("2024-05-01T12:00:00+0200", .malformed),
            ("2024-05-01T12:00:00+02", .malformed),
            ("2024-05-01T12:00:00ZZ", .malformed),
            ("+2024-05-01T12:00:00Z", .malformed),
            ("2024-5-01T12:00:00Z", .malformed),
            ("2024-13-01T12:00:00Z", .invalidField("month 13")),
            ("2023-02-29T12:00:00Z", .invalidField("day 29")),
            ("2024-04-31T12:00:00Z", .invalidField("day 31")),
            ("2024-05-01T24:00:00Z", .invalidField("hour 24")),
            ("2024-05-01T12:60:00Z", .invalidField("minute 60")),
            ("2024-05-01T12:00:61Z", .invalidField("second 61")),
            ("2024-05-01T12:00:00+24:00", .invalidField("offset hour 24")),
        ])
        func rejectsMalformedDateTimes(text: String, error: OCPPDateTimeError) {
            #expect(OCPPDateTime.parse(text) == .failure(error))
            #expect(OCPPDateTime(rfc3339: text) == nil)
        }

        @Test func missingZoneIsReadAsUTCOnlyWhenAllowed() throws {
            guard case .failure(.missingTimeZone(let utc)) = OCPPDateTime.parse("2024-05-01T12:00:00.5") else {
                Issue.record("expected missingTimeZone")
                return
            }
            #expect(utc == OCPPDateTime(secondsSinceEpoch: 1_714_564_800, nanoseconds: 500_000_000))

            let payload = statusNotification(["timestamp": .string("2024-05-01T12:00:00")])
            #expect(throws: OCPPViolation(kind: .typeConstraint, path: "timestamp",
                                          message: #""2024-05-01T12:00:00" is not an RFC 3339 date-time: the zone offset is missing; expected Z or ±hh:mm at the end"#)) {
                try V16.StatusNotificationRequest(json: payload)
            }
            var decoder = OCPPDecoder(leniency: .missingTimeZone)
            let request = try V16.StatusNotificationRequest(json: payload, at: "", decoder: &decoder)
            #expect(request.timestamp == OCPPDateTime(secondsSinceEpoch: 1_714_564_800))
            #expect(decoder.applied == [AppliedLeniency(path: "timestamp", leniency: .missingTimeZone, original: .string("2024-05-01T12:00:00"))])
            // Re-encoded with the zone it was read in, so the output is valid.
            #expect(request.json() == statusNotification(["timestamp": .string("2024-05-01T12:00:00Z")]))
        }

        @Test(arguments: [
            (Int64(1_714_564_800), Int32(0), "2024-05-01T12:00:00Z"),
            (1_714_564_800, 250_000_000, "2024-05-01T12:00:00.250Z"),
            (1_714_564_800, 1_000, "2024-05-01T12:00:00.000001Z"),
            (1_714_564_800, 7, "2024-05-01T12:00:00.000000007Z"),
            (-1, 999_000_000, "1969-12-31T23:59:59.999Z"),
            (0, -1_000_000, "1969-12-31T23:59:59.999Z"),
            (253_402_300_799, 0, "9999-12-31T23:59:59Z"),
        ])
        func formatsUTC(seconds: Int64, nanoseconds: Int32, text: String) {
            let value = OCPPDateTime(secondsSinceEpoch: seconds, nanoseconds: nanoseconds)
            #expect(value.rfc3339 == text)
            #expect(value.text == text)
            #expect(OCPPDateTime(rfc3339: text) == value)
        }

        @Test func equalityIsByInstantAndTheReceivedTextIsKept() throws {
            let local = try #require(OCPPDateTime(rfc3339: "2024-05-01T14:00:00.000+02:00"))
            let utc = try #require(OCPPDateTime(rfc3339: "2024-05-01T12:00:00Z"))
            #expect(local == utc && local.hashValue == utc.hashValue)
            #expect(local.rfc3339 == "2024-05-01T12:00:00Z")
            let payload = statusNotification(["timestamp": .string("2024-05-01T14:00:00.000+02:00")])
            #expect(try V16.StatusNotificationRequest(json: payload).json() == payload)
        }
    }
}

extension OCPPSchemaTests {
    @Suite struct Violations {
        @Test(arguments: [
            (["info": JSONValue.string(String(repeating: "x", count: 51))], OCPPViolation.Kind.propertyConstraint,
             "info: 51 characters exceeds maxLength 50"),
            (["connectorId": .string("1")], .typeConstraint, #"connectorId: expected integer, got string "1""#),
            (["connectorId": .decimal(1.5)], .typeConstraint, "connectorId: expected integer, got number 1.5"),
            (["connectorId": .number(JSONNumber(literal: "99999999999999999999"))], .propertyConstraint,
             "connectorId: 99999999999999999999 is outside the 64-bit integer range"),
            (["status": nil], .occurrenceConstraint, "status: required property is missing"),
            (["status": .null], .typeConstraint, "status: expected string, got null"),
            (["status": .string("Broken")], .propertyConstraint,
             #"status: "Broken" is not one of Available, Preparing, Charging, SuspendedEVSE, SuspendedEV, Finishing, Reserved, Unavailable, Faulted"#),
            (["status": .string(String(repeating: "a", count: 60))], .propertyConstraint,
             #"status: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…" is not one of Available, Preparing, Charging, SuspendedEVSE, SuspendedEV, Finishing, Reserved, Unavailable, Faulted"#),
            (["timestamp": .string("yesterday")], .typeConstraint,
             #"timestamp: "yesterday" is not an RFC 3339 date-time: expected the form 2024-05-01T12:00:00Z or 2024-05-01T12:00:00.5+02:00"#),
            (["extra": .bool(true)], .propertyConstraint,
             "extra: unknown property; expected one of connectorId, errorCode, info, status, timestamp, vendorId, vendorErrorCode"),
        ] as [([String: JSONValue?], OCPPViolation.Kind, String)])
        func statusNotificationViolations(changes: [String: JSONValue?], kind: OCPPViolation.Kind, description: String) {
            do throws(OCPPViolation) {
                _ = try V16.StatusNotificationRequest(json: statusNotification(changes))
                Issue.record("accepted")
            } catch {
                #expect(error.kind == kind)
                #expect(error.description == description)
            }
        }

        @Test func exactlyMaxLengthCountsCharactersNotBytes() throws {
            // 50 two-byte characters: 100 UTF-8 bytes, but within maxLength 50.
            let request = try V16.StatusNotificationRequest(json: statusNotification(["info": .string(String(repeating: "é", count: 50))]))
            #expect(request.info?.count == 50)
        }

        @Test func nestedPathsNameEveryLevel() throws {
            let sample: (String) -> JSONValue = { measurand in
                .object(JSONObject([("value", .string("1")), ("measurand", .string(measurand))]))
            }
            let payload = JSONValue.object(JSONObject([
                ("connectorId", .integer(1)),
                ("meterValue", .array([.object(JSONObject([
                    ("timestamp", .string("2024-05-01T12:00:00Z")),
                    ("sampledValue", .array([sample("Voltage"), sample("SoC"), sample("Foo")])),
                ]))])),
            ]))
            do throws(OCPPViolation) {
                _ = try V16.MeterValuesRequest(json: payload)
                Issue.record("accepted")
            } catch {
                #expect(error.kind == .propertyConstraint)
                #expect(error.path == "meterValue[0].sampledValue[2].measurand")
                #expect(error.description.hasPrefix(#"meterValue[0].sampledValue[2].measurand: "Foo" is not one of Energy.Active.Export.Register, Energy.Active.Import.Register, "#))
            }
            #expect(throws: OCPPViolation(kind: .propertyConstraint, path: "meterValue", message: "0 items are fewer than minItems 1")) {
                try V16.MeterValuesRequest(json: .object(JSONObject([("connectorId", .integer(1)), ("meterValue", .array([]))])))
            }
        }

        @Test func aPayloadThatIsNotAnObjectIsAFormationViolation() {
            #expect(throws: OCPPViolation(kind: .formation, path: "", message: "payload must be a JSON object, got array")) {
                try V16.HeartbeatRequest(json: .array([]))
            }
            #expect(throws: OCPPViolation(kind: .propertyConstraint, path: "x", message: "unknown property; this object has no properties")) {
                try V16.HeartbeatRequest(json: .object(JSONObject([("x", .integer(1))])))
            }
        }

        @Test(arguments: [
            ("1", 0), ("1.5", 1), ("1.50", 1), ("1.55", 2), ("15e-2", 2), ("1.5E1", 0), ("0.05e+1", 1), ("-0.0", 0), ("1e-400", 400),
            ("100e-3", 1), ("0e-5", 0), ("10e-1", 0), ("120", 0),
            ("1e-9223372036854775808", 1_000_000), ("1.5e99999999999999999999", 0),
        ])
        func decimalPlacesOfLiterals(literal: String, places: Int) {
            #expect(NumberCodec.decimalPlaces(of: literal) == places)
        }

        @Test func multipleOfAPointOneIsCheckedOnTheLiteral() throws {
            let period: (JSONValue) -> JSONValue = { limit in
                .object(JSONObject([("status", .string("Accepted")), ("chargingSchedule", .object(JSONObject([
                    ("chargingRateUnit", .string("A")),
                    ("chargingSchedulePeriod", .array([.object(JSONObject([("startPeriod", .integer(0)), ("limit", limit)]))])),
                ])))]))
            }
            let accepted = try V16.GetCompositeScheduleResponse(json: period(.number(JSONNumber(literal: "16.10"))))
            #expect(accepted.chargingSchedule?.chargingSchedulePeriod.first?.limit == 16.1)
            #expect(throws: OCPPViolation(kind: .propertyConstraint, path: "chargingSchedule.chargingSchedulePeriod[0].limit",
                                          message: "16.05 is not a multiple of 0.1")) {
                try V16.GetCompositeScheduleResponse(json: period(.number(JSONNumber(literal: "16.05"))))
            }
        }
    }
}

extension OCPPSchemaTests {
    @Suite struct Leniency {
        @Test func numbersAsStringsIsRecorded() throws {
            let payload = statusNotification(["connectorId": .string("2")])
            var decoder = OCPPDecoder(leniency: .numbersAsStrings)
            let request = try V16.StatusNotificationRequest(json: payload, at: "", decoder: &decoder)
            #expect(request.connectorId == 2)
            #expect(decoder.applied == [AppliedLeniency(path: "connectorId", leniency: .numbersAsStrings, original: .string("2"))])
            #expect(decoder.applied.first?.description == #"connectorId: accepted "2" under [numbersAsStrings]"#)
            #expect(request.json() == statusNotification(["connectorId": .integer(2)]))
        }

        @Test(arguments: [" 2", "2 ", "", "two", "0x2", "02", "+2", "2.5"])
        func numbersAsStringsStillNeedsAnInteger(text: String) {
            var decoder = OCPPDecoder(leniency: .numbersAsStrings)
            #expect(throws: OCPPViolation.self) {
                try V16.StatusNotificationRequest(json: statusNotification(["connectorId": .string(text)]), at: "", decoder: &decoder)
            }
        }

        @Test func caseInsensitiveEnumsIsRecorded() throws {
            let payload = statusNotification(["status": .string("suspendedevse"), "errorCode": .string("NoError")])
            #expect(throws: OCPPViolation.self) { try V16.StatusNotificationRequest(json: payload) }
            var decoder = OCPPDecoder(leniency: [.caseInsensitiveEnums, .numbersAsStrings])
            let request = try V16.StatusNotificationRequest(json: payload, at: "", decoder: &decoder)
            #expect(request.status == .suspendedEVSE)
            #expect(decoder.applied == [AppliedLeniency(path: "status", leniency: .caseInsensitiveEnums, original: .string("suspendedevse"))])
            #expect(request.json() == statusNotification(["status": .string("SuspendedEVSE")]))
        }

        @Test func unknownPropertiesAreDroppedAndRecorded() throws {
            let payload = statusNotification(["firmwareQuirk": .array([.integer(1)])])
            var decoder = OCPPDecoder(leniency: .unknownProperties)
            let request = try V16.StatusNotificationRequest(json: payload, at: "", decoder: &decoder)
            #expect(decoder.applied == [AppliedLeniency(path: "firmwareQuirk", leniency: .unknownProperties, original: .array([.integer(1)]))])
            #expect(request.json() == statusNotification([:]))
            decoder.clearApplied()
            #expect(decoder.applied.isEmpty)
        }

        @Test func customDataKeepsVendorMembers() throws {
            let payload = try JSONParser.parse(#"{"status":"Accepted","customData":{"tariff":{"id":7},"vendorId":"com.example"}}"#)
            let response = try V201.ClearCacheResponse(json: payload)
            #expect(response.customData?.additionalProperties["tariff"] == .object(JSONObject([("id", .integer(7))])))
            #expect(JSONWriter.string(response.json()) == #"{"customData":{"vendorId":"com.example","tariff":{"id":7}},"status":"Accepted"}"#)
        }
    }
}

extension OCPPSchemaTests {
    @Suite struct Registry {
        @Test func decodesByActionName() throws {
            var decoder = OCPPDecoder()
            let request = try V16.decodeRequest(action: "Heartbeat", json: .object(JSONObject()), decoder: &decoder)
            #expect(request is V16.HeartbeatRequest)
            let response = try V16.decodeResponse(action: "Heartbeat", json: .object(JSONObject([("currentTime", .string("2024-05-01T12:00:00Z"))])), decoder: &decoder)
            #expect((response as? V16.HeartbeatResponse)?.currentTime == OCPPDateTime(secondsSinceEpoch: 1_714_564_800))
            #expect(try V16.decodeRequest(action: "NoSuchAction", json: .object(JSONObject()), decoder: &decoder) == nil)
            #expect(try V201.decodeResponse(action: "StartTransaction", json: .object(JSONObject()), decoder: &decoder) == nil)
            #expect(V16.requestTypes.count == 39 && V201.requestTypes.count == 64)
            #expect(V201.requestTypes["BootNotification"].map { $0.action } == "BootNotification")
        }

        @Test func encodesKeysInSchemaOrderAndOmitsNil() {
            let request = V16.StatusNotificationRequest(connectorId: 1, errorCode: .noError, status: .available, vendorErrorCode: "E7")
            #expect(JSONWriter.string(request.json()) == #"{"connectorId":1,"errorCode":"NoError","status":"Available","vendorErrorCode":"E7"}"#)
        }
    }
}

/// A valid 1.6 StatusNotification with `changes` applied (a nil value removes the key).
private func statusNotification(_ changes: [String: JSONValue?]) -> JSONValue {
    var object = JSONObject()
    let base: [(String, JSONValue)] = [
        ("connectorId", .integer(1)), ("errorCode", .string("NoError")), ("status", .string("Available")),
    ]
    for (key, value) in base {
        if let change = changes[key] {
            if let change { object.append(key, change) }
        } else {
            object.append(key, value)
        }
    }
    for (key, change) in changes.sorted(by: { $0.key < $1.key }) where !base.contains(where: { $0.0 == key }) {
        if let change { object.append(key, change) }
    }
    return .object(object)
}

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
