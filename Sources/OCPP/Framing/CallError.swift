/// A CALLERROR error code. Open set: codes a peer sends that we do not know survive.
/// The spellings differ between versions (1.6 says `FormationViolation` and
/// `OccurenceConstraintViolation`; 2.0.1 says `FormatViolation` and
/// `OccurrenceConstraintViolation`), so the version-aware constructors below are the one
/// place that chooses.
public struct CallErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    // Common to 1.6 and 2.0.1.
    public static let notImplemented = CallErrorCode(rawValue: "NotImplemented")
    public static let notSupported = CallErrorCode(rawValue: "NotSupported")
    public static let internalError = CallErrorCode(rawValue: "InternalError")
    public static let protocolError = CallErrorCode(rawValue: "ProtocolError")
    public static let securityError = CallErrorCode(rawValue: "SecurityError")
    public static let propertyConstraintViolation = CallErrorCode(rawValue: "PropertyConstraintViolation")
    public static let typeConstraintViolation = CallErrorCode(rawValue: "TypeConstraintViolation")
    public static let genericError = CallErrorCode(rawValue: "GenericError")
    // OCPP 1.6 only (the misspelling is the specification's).
    public static let formationViolation = CallErrorCode(rawValue: "FormationViolation")
    public static let occurenceConstraintViolation = CallErrorCode(rawValue: "OccurenceConstraintViolation")
    // OCPP 2.0.1 only.
    public static let formatViolation = CallErrorCode(rawValue: "FormatViolation")
    public static let occurrenceConstraintViolation = CallErrorCode(rawValue: "OccurrenceConstraintViolation")
    public static let messageTypeNotSupported = CallErrorCode(rawValue: "MessageTypeNotSupported")
    public static let rpcFrameworkError = CallErrorCode(rawValue: "RpcFrameworkError")

    /// The payload or frame does not have the required structure.
    public static func formation(_ version: OCPPVersion) -> CallErrorCode {
        version == .v16 ? .formationViolation : .formatViolation
    }

    /// A required field is missing.
    public static func occurrence(_ version: OCPPVersion) -> CallErrorCode {
        version == .v16 ? .occurenceConstraintViolation : .occurrenceConstraintViolation
    }

    /// The message is not a valid RPC frame (not JSON, not an array, wrong element types).
    public static func rpcFraming(_ version: OCPPVersion) -> CallErrorCode {
        version == .v16 ? .formationViolation : .rpcFrameworkError
    }

    /// The message type id is not CALL, CALLRESULT or CALLERROR.
    public static func unknownMessageType(_ version: OCPPVersion) -> CallErrorCode {
        version == .v16 ? .formationViolation : .messageTypeNotSupported
    }

    /// Whether this code exists in `version`'s list.
    public func isDefined(in version: OCPPVersion) -> Bool {
        let common: Set<CallErrorCode> = [.notImplemented, .notSupported, .internalError, .protocolError, .securityError,
                                          .propertyConstraintViolation, .typeConstraintViolation, .genericError]
        if common.contains(self) { return true }
        switch version {
        case .v16: return self == .formationViolation || self == .occurenceConstraintViolation
        case .v201: return [.formatViolation, .occurrenceConstraintViolation, .messageTypeNotSupported, .rpcFrameworkError].contains(self)
        }
    }
}

/// The error half of an OCPP-J exchange: what a handler throws to answer a CALL with a
/// CALLERROR, and what a caller receives when the peer answered with one.
public struct CallError: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: CallErrorCode
    public var description: String
    public var details: JSONObject

    public init(_ code: CallErrorCode, _ description: String, details: JSONObject = JSONObject()) {
        self.code = code
        self.description = description
        self.details = details
    }
}
