import OCPP

extension StationCommand {
    /// What the schema of the station's OCPP version would refuse in this command — a text
    /// longer than its field allows, a 1.6 transaction id that is not a number, a 2.0.1 setting
    /// not named `Component.Variable`, a message the version cannot trigger — in the operator's terms (the request body's field); nil
    /// when it fits. A manual command is checked before it is sent or audited: the mistake is
    /// the operator's to fix, not a station's CALLERROR to read. The limits are the schemas'
    /// `maxLength` (counted in characters, as JSON Schema counts them).
    public func schemaProblem(for version: OCPPVersion) -> String? {
        let v16 = version == .v16
        let name = v16 ? "OCPP 1.6" : "OCPP 2.0.1"
        func tooLong(_ field: String, _ text: String, _ limit: Int) -> String? {
            let length = text.unicodeScalars.count
            return length > limit ? "\"\(field)\" is \(length) characters; \(name) allows at most \(limit)" : nil
        }
        switch self {
        case .remoteStart(let idTag, _):
            return tooLong("idTag", idTag, v16 ? 20 : 36)
        case .remoteStop(let transactionId):
            guard v16 else { return tooLong("transactionId", transactionId, 36) }
            return Int32(transactionId) == nil ? "\"transactionId\" must be a whole number for an \(name) station, got \(transactionId.debugDescription)" : nil
        case .changeConfiguration(let key, let value):
            if v16 { return tooLong("key", key, 50) ?? tooLong("value", value, 500) }
            guard let variable = VariableKey(key) else {
                return "\"key\" must be Component.Variable for an \(name) station (e.g. OCPPCommCtrlr.HeartbeatInterval), got \(key.debugDescription)"
            }
            let names = [variable.component, variable.componentInstance, variable.variable, variable.variableInstance].compactMap { $0 }
            return names.lazy.compactMap { tooLong("key", $0, 50) }.first ?? tooLong("value", value, 1_000)
        case .triggerMessage(let message, _):
            // Each version triggers its own messages (1.6 has no TransactionEvent, 2.0.1 no
            // DiagnosticsStatusNotification): refused here, not after an audited "sending".
            let known = v16 ? V16.TriggerMessageRequest.RequestedMessage.allCases.map(\.rawValue)
                            : V201.MessageTriggerEnumType.allCases.map(\.rawValue)
            return known.contains(message) ? nil
                : "\(name) cannot trigger \(message.debugDescription); it triggers \(known.joined(separator: ", "))"
        case .reset, .changeAvailability, .unlockConnector:
            return nil
        }
    }
}
