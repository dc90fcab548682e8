/// The value ranges OCPP states in its prose but not in its JSON schemas: connector and EVSE
/// ids are never negative (connectorId 0 is the charge point as a whole in 1.6; a 1.6
/// StartTransaction runs on a connector numbered from 1). A request that breaks one is answered
/// as a schema violation would be — the version's PropertyConstraintViolation naming the field
/// — before any handler sees it (`OCPPRequest.rangeViolation`, checked by `OCPPHandlers`), so
/// a `connectorId: -1` never becomes a phantom connector in the registry. A 2.0.1
/// TransactionEvent's `evse` of 0 is let through (firmware sends it: refused, the event would be
/// retried, then dropped with its meter values): it is read as no EVSE yet, which a later
/// event of the transaction names (`StationStore.placeSession`).
extension OCPPViolation {
    /// `value` at `path` below `minimum`: a PropertyConstraintViolation; nil when in range.
    static func below(_ minimum: Int, _ value: Int?, at path: String) -> OCPPViolation? {
        guard let value, value < minimum else { return nil }
        return OCPPViolation(kind: .propertyConstraint, path: path, message: "\(value) is below the minimum \(minimum)")
    }
}

extension V16.StatusNotificationRequest {
    public var rangeViolation: OCPPViolation? { .below(0, connectorId, at: "connectorId") }
}

extension V16.MeterValuesRequest {
    public var rangeViolation: OCPPViolation? { .below(0, connectorId, at: "connectorId") }
}

extension V16.StartTransactionRequest {
    public var rangeViolation: OCPPViolation? { .below(1, connectorId, at: "connectorId") }
}

extension V201.StatusNotificationRequest {
    public var rangeViolation: OCPPViolation? { .below(0, evseId, at: "evseId") ?? .below(0, connectorId, at: "connectorId") }
}

extension V201.TransactionEventRequest {
    public var rangeViolation: OCPPViolation? { .below(0, evse?.id, at: "evse.id") ?? .below(0, evse?.connectorId, at: "evse.connectorId") }
}

extension V201.MeterValuesRequest {
    public var rangeViolation: OCPPViolation? { .below(0, evseId, at: "evseId") }
}

extension V201.NotifyEventRequest {
    public var rangeViolation: OCPPViolation? {
        for (index, data) in eventData.enumerated() {
            if let violation = OCPPViolation.below(0, data.component.evse?.id, at: "eventData[\(index)].component.evse.id") { return violation }
        }
        return nil
    }
}
