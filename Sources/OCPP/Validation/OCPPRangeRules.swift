/// The value ranges OCPP states in its prose but not in its JSON schemas: connector and EVSE
/// ids are never negative (1.6 §7.x: connectorId 0 is the charge point as a whole, 1.6
/// StartTransaction and 2.0.1 transactions run on an EVSE or connector numbered from 1). A
/// request that breaks one is answered as a schema violation would be — the version's
/// PropertyConstraintViolation naming the field — before any handler sees it, so a
/// `connectorId: -1` never becomes a phantom connector in the registry.
public protocol OCPPRangeChecked {
    /// The first rule the request breaks, nil when it keeps them all.
    var rangeViolation: OCPPViolation? { get }
}

extension OCPPViolation {
    /// `value` at `path` below `minimum`: a PropertyConstraintViolation; nil when in range.
    static func below(_ minimum: Int, _ value: Int?, at path: String) -> OCPPViolation? {
        guard let value, value < minimum else { return nil }
        return OCPPViolation(kind: .propertyConstraint, path: path, message: "\(value) is below the minimum \(minimum)")
    }
}

extension V16.StatusNotificationRequest: OCPPRangeChecked {
    public var rangeViolation: OCPPViolation? { .below(0, connectorId, at: "connectorId") }
}

extension V16.MeterValuesRequest: OCPPRangeChecked {
    public var rangeViolation: OCPPViolation? { .below(0, connectorId, at: "connectorId") }
}

extension V16.StartTransactionRequest: OCPPRangeChecked {
    public var rangeViolation: OCPPViolation? { .below(1, connectorId, at: "connectorId") }
}

extension V201.StatusNotificationRequest: OCPPRangeChecked {
    public var rangeViolation: OCPPViolation? { .below(0, evseId, at: "evseId") ?? .below(0, connectorId, at: "connectorId") }
}

extension V201.TransactionEventRequest: OCPPRangeChecked {
    public var rangeViolation: OCPPViolation? { .below(1, evse?.id, at: "evse.id") ?? .below(1, evse?.connectorId, at: "evse.connectorId") }
}

extension V201.MeterValuesRequest: OCPPRangeChecked {
    public var rangeViolation: OCPPViolation? { .below(0, evseId, at: "evseId") }
}

extension V201.NotifyEventRequest: OCPPRangeChecked {
    public var rangeViolation: OCPPViolation? {
        for (index, data) in eventData.enumerated() {
            if let violation = OCPPViolation.below(0, data.component.evse?.id, at: "eventData[\(index)].component.evse.id") { return violation }
        }
        return nil
    }
}
