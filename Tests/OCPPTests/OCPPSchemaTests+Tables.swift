import Foundation
import Testing
@testable import OCPP

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

        /// Vigil's own clock: always three fraction digits, so its times compare as text with the
        /// store's; the same instant as the seconds-and-nanoseconds form.
        @Test func millisecondInstantsHaveAFixedWidthForm() {
            let whole = OCPPDateTime(millisecondsSinceEpoch: 1_714_564_800_000)
            #expect(whole.rfc3339 == "2024-05-01T12:00:00.000Z" && whole.text == whole.rfc3339)
            #expect(whole == OCPPDateTime(secondsSinceEpoch: 1_714_564_800))
            #expect(OCPPDateTime(millisecondsSinceEpoch: 1_714_564_800_045).rfc3339 == "2024-05-01T12:00:00.045Z")
            #expect(OCPPDateTime(millisecondsSinceEpoch: -1).rfc3339 == "1969-12-31T23:59:59.999Z")
            #expect(OCPPDateTime(rfc3339: "2024-05-01T12:00:00.045Z") == OCPPDateTime(millisecondsSinceEpoch: 1_714_564_800_045))
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
func statusNotification(_ changes: [String: JSONValue?]) -> JSONValue {
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
