/// A connector's status as both OCPP versions report it (1.6 `ChargePointStatus`, 2.0.1
/// `ConnectorStatusEnumType`), in their spelling: the one type the rules, the executor and the
/// store compare, instead of text. `statusChanged` events carry it as `from` and `to`.
public enum ConnectorStatus: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case available = "Available"
    case preparing = "Preparing"
    case charging = "Charging"
    case suspendedEVSE = "SuspendedEVSE"
    case suspendedEV = "SuspendedEV"
    case finishing = "Finishing"
    case reserved = "Reserved"
    case unavailable = "Unavailable"
    case faulted = "Faulted"
    /// 2.0.1 only: a vehicle is plugged in (1.6 says Preparing, Charging … instead).
    case occupied = "Occupied"

    /// Energy is flowing or paused mid-session.
    public var isInSession: Bool { [.charging, .suspendedEV, .suspendedEVSE].contains(self) }

    /// Not usable by a driver: faulted, or out of service (by the station, an operator or Vigil).
    public var isOutOfService: Bool { self == .faulted || self == .unavailable }

    /// Its OCPP spelling, so text built from it reads as the charger said it.
    public var description: String { rawValue }
}

extension DomainEvent {
    /// The status an event reports in `to` (`statusChanged`, `faultCleared`); nil when it has
    /// none or one neither version defines.
    public var statusTo: ConnectorStatus? {
        guard case .string(let text)? = fields["to"] else { return nil }
        return ConnectorStatus(rawValue: text)
    }

    /// Whether the event is a status report older, by the charger's clock, than the one the
    /// connector already shows (`superseded: true`): history, not the connector's state. Rules
    /// see it only when their condition names `superseded`; the executor sends no command
    /// decided on it.
    public var isSuperseded: Bool { fields["superseded"] == .bool(true) }

    /// The OCPP error code an event carries (`statusChanged`, `faultCleared`); nil without one.
    public var ocppErrorCode: OCPPErrorCode? {
        guard case .string(let text)? = fields["ocppErrorCode"] else { return nil }
        return OCPPErrorCode(text)
    }
}
