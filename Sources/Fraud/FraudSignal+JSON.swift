import DomainEvents

extension FraudSignal {
    /// The signal as `vigil fraud list --json` and `GET /api/v1/fraud` write it (for
    /// JSONSerialization): `signal`, `key`, `station`, `time` (RFC 3339 UTC, milliseconds),
    /// `detail` (numbers, text and booleans as such), and `connector`, `session`,
    /// `transactionId` and `idTag` when known.
    public var jsonObject: [String: Any] {
        var object: [String: Any] = ["signal": kind.rawValue, "key": key, "station": station,
                                     "time": UTCTimestamp.format(time, milliseconds: true),
                                     "detail": detail.mapValues { value -> Any in
                                         switch value {
                                         case .string(let text): return text
                                         case .number(let number): return number
                                         case .bool(let flag): return flag
                                         }
                                     }]
        object["connector"] = connector
        object["session"] = session
        object["transactionId"] = transactionId
        object["idTag"] = idTag
        return object
    }
}
