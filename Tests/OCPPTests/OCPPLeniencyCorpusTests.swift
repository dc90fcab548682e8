import Testing
@testable import OCPP

/// Real-world sloppy messages, each with the decision docs/ocpp-leniency.md records: how the
/// strict decoder answers it, and what a station whose quirk profile allows it gets instead.
@Suite struct OCPPLeniencyCorpusTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var version: OCPPVersion
        var action: String
        var payload: String
        /// The CALLERROR code and description of the strict decoder; nil when accepted.
        var strict: (code: String, description: String)?
        /// The leniency that accepts it, and the recorded applications.
        var lenient: (OCPPLeniency, [String])?
        var description: String { name }
    }

    static let corpus: [Case] = [
        Case(name: "integer sent as a string", version: .v16, action: "StatusNotification",
             payload: #"{"connectorId":"1","errorCode":"NoError","status":"Available"}"#,
             strict: ("TypeConstraintViolation", #"connectorId: expected integer, got string "1""#),
             lenient: (.numbersAsStrings, [#"connectorId: accepted "1" under [numbersAsStrings]"#])),
        Case(name: "meter value number as a string (2.0.1)", version: .v201, action: "MeterValues",
             payload: #"{"evseId":1,"meterValue":[{"timestamp":"2026-11-26T01:00:00Z","sampledValue":[{"value":"12.5"}]}]}"#,
             strict: ("TypeConstraintViolation", #"meterValue[0].sampledValue[0].value: expected number, got string "12.5""#),
             lenient: (.numbersAsStrings, [#"meterValue[0].sampledValue[0].value: accepted "12.5" under [numbersAsStrings]"#])),
        Case(name: "extra vendor field", version: .v16, action: "Heartbeat",
             payload: #"{"vendorExtra":{"fw":"1.2"}}"#,
             strict: ("PropertyConstraintViolation", "vendorExtra: unknown property; this object has no properties"),
             lenient: (.unknownProperties, [#"vendorExtra: accepted {"fw":"1.2"} under [unknownProperties]"#])),
        Case(name: "timestamp without time zone", version: .v16, action: "StatusNotification",
             payload: #"{"connectorId":1,"errorCode":"NoError","status":"Available","timestamp":"2026-11-26T01:00:00"}"#,
             strict: ("TypeConstraintViolation", #"timestamp: "2026-11-26T01:00:00" is not an RFC 3339 date-time: the zone offset is missing; expected Z or ±hh:mm at the end"#),
             lenient: (.missingTimeZone, [#"timestamp: accepted "2026-11-26T01:00:00" under [missingTimeZone]"#])),
        Case(name: "lowercase enum value", version: .v16, action: "StatusNotification",
             payload: #"{"connectorId":1,"errorCode":"noError","status":"available"}"#,
             strict: ("PropertyConstraintViolation", #"errorCode: "noError" is not one of ConnectorLockFailure, EVCommunicationError, GroundFailure, HighTemperature, InternalError, LocalListConflict, NoError, OtherError, OverCurrentFailure, PowerMeterFailure, PowerSwitchFailure, ReaderFailure, ResetFailure, UnderVoltage, OverVoltage, WeakSignal"#),
             lenient: (.caseInsensitiveEnums, [#"errorCode: accepted "noError" under [caseInsensitiveEnums]"#,
                                               #"status: accepted "available" under [caseInsensitiveEnums]"#])),
        Case(name: "non-standard error code \"Error\"", version: .v16, action: "StatusNotification",
             payload: #"{"connectorId":1,"errorCode":"Error","status":"Faulted"}"#,
             strict: ("PropertyConstraintViolation", #"errorCode: "Error" is not one of ConnectorLockFailure, EVCommunicationError, GroundFailure, HighTemperature, InternalError, LocalListConflict, NoError, OtherError, OverCurrentFailure, PowerMeterFailure, PowerSwitchFailure, ReaderFailure, ResetFailure, UnderVoltage, OverVoltage, WeakSignal"#),
             lenient: nil),
        Case(name: "nanosecond fraction and numeric offset", version: .v16, action: "StatusNotification",
             payload: #"{"connectorId":1,"errorCode":"NoError","status":"Available","timestamp":"2026-11-26T02:00:00.123456789+01:00"}"#,
             strict: nil, lenient: nil),
        Case(name: "integer written as 12.0", version: .v16, action: "StatusNotification",
             payload: #"{"connectorId":1.0,"errorCode":"NoError","status":"Available"}"#,
             strict: nil, lenient: nil),
        Case(name: "transactionId 0 from free-vend firmware", version: .v16, action: "StopTransaction",
             payload: #"{"transactionId":0,"meterStop":1200,"timestamp":"2026-11-26T01:00:00Z"}"#,
             strict: nil, lenient: nil),
        Case(name: "explicit null for an optional field", version: .v16, action: "StatusNotification",
             payload: #"{"connectorId":1,"errorCode":"NoError","status":"Available","info":null}"#,
             strict: ("TypeConstraintViolation", "info: expected string, got null"), lenient: nil),
    ]

    func decode(_ entry: Case, leniency: OCPPLeniency) -> (Result<Void, CallError>, [String]) {
        guard case .object(let payload)? = try? JSONParser.parse(entry.payload) else { return (.failure(CallError(.genericError, "bad fixture")), []) }
        var decoder = OCPPDecoder(leniency: leniency)
        do throws(OCPPViolation) {
            _ = try entry.version.decodeRequest(action: entry.action, json: .object(payload), decoder: &decoder)
            return (.success(()), decoder.applied.map(\.description))
        } catch {
            return (.failure(CallError(violation: error, version: entry.version)), decoder.applied.map(\.description))
        }
    }

    @Test(arguments: corpus)
    func strictDecision(entry: Case) {
        let (outcome, applied) = decode(entry, leniency: [])
        #expect(applied.isEmpty)
        switch (outcome, entry.strict) {
        case (.success, nil): break
        case (.failure(let error), let expected?):
            #expect(error.code.rawValue == expected.code)
            #expect(error.description == expected.description)
        case (.success, let expected?): Issue.record("accepted, expected \(expected.code)")
        case (.failure(let error), nil): Issue.record("rejected with \(error.code): \(error.description)")
        }
    }

    @Test(arguments: corpus.filter { $0.lenient != nil })
    func lenientDecisionIsRecorded(entry: Case) throws {
        let (leniency, expected) = try #require(entry.lenient)
        let (outcome, applied) = decode(entry, leniency: leniency)
        guard case .success = outcome else {
            Issue.record("\(entry.name) still rejected under \(leniency)")
            return
        }
        #expect(applied == expected)
        // Every other leniency leaves the decision strict.
        let others = OCPPLeniency([.numbersAsStrings, .caseInsensitiveEnums, .missingTimeZone, .unknownProperties]).subtracting(leniency)
        if case .success = decode(entry, leniency: others).0 { Issue.record("\(entry.name) accepted without \(leniency)") }
    }
}
