extension StationStore.StatusHistoryEntry {
    /// The entry as a JSON object (for `JSONSerialization`), the one shape the CLI's `--json`
    /// and the HTTP API give it.
    public var jsonObject: [String: Any] {
        var object: [String: Any] = ["receivedAt": receivedAt, "evse": evse, "connector": connector, "status": status.rawValue,
                                     "queuedOffline": queuedOffline]
        object["chargerTime"] = chargerTime
        object["errorCode"] = errorCode?.rawValue
        object["vendorErrorCode"] = vendorErrorCode
        return object
    }
}
