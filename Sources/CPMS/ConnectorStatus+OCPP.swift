import DomainEvents
import OCPP

/// Decoded OCPP statuses as the one `ConnectorStatus` the store, the rules and the executor
/// compare: exhaustive switches, so a status added to either schema fails to compile here
/// instead of reaching the store as text nothing recognises.
extension ConnectorStatus {
    /// A 1.6 `ChargePointStatus`.
    public init(_ status: V16.StatusNotificationRequest.Status) {
        switch status {
        case .available: self = .available
        case .preparing: self = .preparing
        case .charging: self = .charging
        case .suspendedEVSE: self = .suspendedEVSE
        case .suspendedEV: self = .suspendedEV
        case .finishing: self = .finishing
        case .reserved: self = .reserved
        case .unavailable: self = .unavailable
        case .faulted: self = .faulted
        }
    }

    /// A 2.0.1 `ConnectorStatusEnumType`.
    public init(_ status: V201.ConnectorStatusEnumType) {
        switch status {
        case .available: self = .available
        case .occupied: self = .occupied
        case .reserved: self = .reserved
        case .unavailable: self = .unavailable
        case .faulted: self = .faulted
        }
    }
}
