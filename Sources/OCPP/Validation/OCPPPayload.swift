/// A typed OCPP message payload (a request, a response or an object nested in one), generated
/// from the official JSON schemas. Decoding validates against the schema and fails with the
/// first `OCPPViolation`; encoding writes the keys in schema order and omits nil optionals.
public protocol OCPPPayload: Sendable, Equatable {
    /// Validates `json` and decodes it. `path` is where `json` sits in the message, empty for
    /// the payload itself; it prefixes the path of any violation.
    init(json: JSONValue, at path: String, decoder: inout OCPPDecoder) throws(OCPPViolation)

    /// The payload as JSON, ready for `JSONWriter`.
    func json() -> JSONValue
}

extension OCPPPayload {
    /// Decodes a whole payload strictly, with no leniency.
    public init(json: JSONValue) throws(OCPPViolation) {
        var decoder = OCPPDecoder()
        try self.init(json: json, at: "", decoder: &decoder)
    }
}

/// The payload of a CALL: it names its action and the type of the CALLRESULT payload.
public protocol OCPPRequest: OCPPPayload {
    associatedtype Response: OCPPPayload
    /// The action name as sent in the CALL frame, e.g. `BootNotification`.
    static var action: String { get }
    /// The first of the ranges OCPP states in prose but not in the schema that this request
    /// breaks (`OCPPRangeRules.swift`); nil — the default — when it keeps them or has none.
    var rangeViolation: OCPPViolation? { get }
}

extension OCPPRequest {
    public var rangeViolation: OCPPViolation? { nil }
}

/// The messages of one OCPP version, looked up by action name, so the RPC layer can decode a
/// CALL or a CALLRESULT without knowing the types. `V16` and `V201` conform.
public protocol OCPPMessageSet {
    /// The version as written in the schemas' titles, e.g. `1.6`.
    static var version: String { get }
    /// Every request type of the version, by action name.
    static var requestTypes: [String: any OCPPRequest.Type] { get }
}

extension OCPPMessageSet {
    /// Decodes the payload of a CALL for `action`; nil when the version has no such action
    /// (the RPC layer answers `NotImplemented`).
    public static func decodeRequest(action: String, json: JSONValue,
                                     decoder: inout OCPPDecoder) throws(OCPPViolation) -> (any OCPPRequest)? {
        guard let type = requestTypes[action] else { return nil }
        return try decodeRequest(type, json: json, decoder: &decoder)
    }

    /// Decodes the payload of a CALLRESULT answering a CALL for `action`; nil when the
    /// version has no such action.
    public static func decodeResponse(action: String, json: JSONValue,
                                      decoder: inout OCPPDecoder) throws(OCPPViolation) -> (any OCPPPayload)? {
        guard let type = requestTypes[action] else { return nil }
        return try decodeResponse(to: type, json: json, decoder: &decoder)
    }

    private static func decodeRequest<Request: OCPPRequest>(_ type: Request.Type, json: JSONValue,
                                                            decoder: inout OCPPDecoder) throws(OCPPViolation) -> any OCPPRequest {
        try Request(json: json, at: "", decoder: &decoder)
    }

    private static func decodeResponse<Request: OCPPRequest>(to type: Request.Type, json: JSONValue,
                                                             decoder: inout OCPPDecoder) throws(OCPPViolation) -> any OCPPPayload {
        try Request.Response(json: json, at: "", decoder: &decoder)
    }
}
