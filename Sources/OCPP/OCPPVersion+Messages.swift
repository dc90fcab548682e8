/// The generated message set of each version, chosen by the negotiated version, so callers
/// need no switch of their own.
extension OCPPVersion {
    /// Every request type the version defines, by action name.
    public var requestTypes: [String: any OCPPRequest.Type] {
        switch self {
        case .v16: return V16.requestTypes
        case .v201: return V201.requestTypes
        }
    }

    /// Validates and decodes a CALL payload; nil when the version has no such action.
    public func decodeRequest(action: String, json: JSONValue, decoder: inout OCPPDecoder) throws(OCPPViolation) -> (any OCPPRequest)? {
        switch self {
        case .v16: return try V16.decodeRequest(action: action, json: json, decoder: &decoder)
        case .v201: return try V201.decodeRequest(action: action, json: json, decoder: &decoder)
        }
    }

    /// Validates and decodes the CALLRESULT payload of `action`; nil when the version has no such action.
    public func decodeResponse(action: String, json: JSONValue, decoder: inout OCPPDecoder) throws(OCPPViolation) -> (any OCPPPayload)? {
        switch self {
        case .v16: return try V16.decodeResponse(action: action, json: json, decoder: &decoder)
        case .v201: return try V201.decodeResponse(action: action, json: json, decoder: &decoder)
        }
    }
}
