/// An OCPP error code as a connector reports it: a 1.6 `ChargePointErrorCode` (`GroundFailure`,
/// `InternalError` …) or, from a 2.0.1 NotifyEvent problem, `Component/Variable`
/// (`ConnectorPlugRetentionLock/Problem`). The set is open — 2.0.1 components and vendors add
/// their own — so it is a value over the reported text, with the codes Vigil reasons about
/// named, rather than an enum that would have to reject what a charger legitimately sends.
public struct OCPPErrorCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible,
                             ExpressibleByStringLiteral {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ text: String) { self.rawValue = text }
    public init(stringLiteral text: String) { self.rawValue = text }

    public static let noError: OCPPErrorCode = "NoError"
    public static let internalError: OCPPErrorCode = "InternalError"
    public static let groundFailure: OCPPErrorCode = "GroundFailure"
    public static let overCurrentFailure: OCPPErrorCode = "OverCurrentFailure"
    public static let connectorLockFailure: OCPPErrorCode = "ConnectorLockFailure"

    /// Whether it reports a fault: anything but `NoError` and the empty text.
    public var isFault: Bool { !rawValue.isEmpty && self != .noError }

    /// The 2.0.1 form's component and variable (`Connector`, `Problem`); nil for a 1.6 code.
    public var componentAndVariable: (component: String, variable: String)? {
        guard let slash = rawValue.firstIndex(of: "/") else { return nil }
        return (String(rawValue[..<slash]), String(rawValue[rawValue.index(after: slash)...]))
    }

    public var description: String { rawValue }

    public init(from decoder: Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension OCPPErrorCode {
    /// A code from optional text: nil stays nil.
    public init?(_ text: String?) {
        guard let text else { return nil }
        self.rawValue = text
    }
}
