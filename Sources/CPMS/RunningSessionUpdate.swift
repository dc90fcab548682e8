/// A running 2.0.1 session's new meter values, stored: what `StationHandlers` tells the
/// running-cost listener (`runningSessionUpdated`) after a TransactionEvent Updated.
public struct RunningSessionUpdate: Sendable, Equatable {
    /// The CPMS session id.
    public var session: Int
    public var station: String
    /// The charger's transactionId (what `CostUpdated` names).
    public var transactionId: String
    /// The charger's time of the report, RFC 3339.
    public var chargerTime: String

    public init(session: Int, station: String, transactionId: String, chargerTime: String) {
        self.session = session
        self.station = station
        self.transactionId = transactionId
        self.chargerTime = chargerTime
    }
}
