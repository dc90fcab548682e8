import DomainEvents

/// What pricing knows of one ended session: who, where, when, and the energy register. Built
/// from the CPMS's session record and its samples (`BillingService`), or by a test.
public struct PricingSession: Sendable, Equatable {
    public var id: Int
    public var station: String
    public var site: String?
    public var evse: Int
    public var connector: Int
    /// The connector's declared type (the config file's `stations: connectors:`); nil when
    /// none is declared.
    public var connectorType: ConnectorType?
    public var idToken: String?
    /// The token's group: its parent, or `adhoc` for unknown and group-less tokens.
    public var group: String
    public var authorization: String?
    /// Milliseconds since the epoch.
    public var start: Int
    public var stop: Int
    /// The meter register at start and stop (Wh), when the charger sent them.
    public var meterStartWh: Double?
    public var meterStopWh: Double?
    /// Energy.Active.Import.Register readings (Wh, the whole meter, no phase) during the session.
    public var registerSamples: [RegisterSample]

    public init(id: Int, station: String, site: String? = nil, evse: Int = 1, connector: Int = 1, connectorType: ConnectorType? = nil,
                idToken: String? = nil, group: String = Tariff.adhocGroup, authorization: String? = nil, start: Int, stop: Int,
                meterStartWh: Double? = nil, meterStopWh: Double? = nil, registerSamples: [RegisterSample] = []) {
        self.id = id
        self.station = station
        self.site = site
        self.evse = evse
        self.connector = connector
        self.connectorType = connectorType
        self.idToken = idToken
        self.group = group
        self.authorization = authorization
        self.start = start
        self.stop = stop
        self.meterStartWh = meterStartWh
        self.meterStopWh = meterStopWh
        self.registerSamples = registerSamples
    }
}

/// One reading of the energy register: when (milliseconds since the epoch) and how much (Wh).
public struct RegisterSample: Sendable, Equatable {
    public var at: Int
    public var wh: Double

    public init(at: Int, wh: Double) {
        self.at = at
        self.wh = wh
    }
}
