import Foundation

/// What the session checks need of one charging session, read from the CPMS's store by
/// `FraudService` and handed to the pure `FraudDetector`. Times are the charger's (start and
/// stop as it reported them); energy in Wh.
public struct SessionFacts: Sendable, Equatable {
    /// One reading of the energy register (`Energy.Active.Import.Register`, no phase, in Wh).
    public struct RegisterReading: Sendable, Equatable {
        public var at: Date
        public var wh: Double
        public init(at: Date, wh: Double) {
            self.at = at
            self.wh = wh
        }
    }

    /// The session's row id in the CPMS `sessions` table.
    public var id: Int
    public var station: String
    /// The connector as rules see it: 1.6 `connectorId`, 2.0.1 EVSE id.
    public var connector: Int
    public var transactionId: String
    public var idTag: String?
    /// The CPMS's verdict on the token when the start arrived (`accepted`, `blocked`,
    /// `expired`, `invalid`, `unknown`, `notAtThisLocation`, `concurrentTx`, `none`).
    public var authorization: String?
    public var start: Date
    public var stop: Date?
    public var meterStartWh: Double?
    public var meterStopWh: Double?
    /// Every meter value of the session, any measurand.
    public var sampleCount: Int
    /// The register readings, in time order.
    public var register: [RegisterReading]
    /// The CPMS flagged the start as reported late (queued while the charger was offline).
    public var startReportedLate: Bool

    public init(id: Int, station: String, connector: Int, transactionId: String, idTag: String? = nil, authorization: String? = nil,
                start: Date, stop: Date? = nil, meterStartWh: Double? = nil, meterStopWh: Double? = nil, sampleCount: Int = 0,
                register: [RegisterReading] = [], startReportedLate: Bool = false) {
        self.id = id
        self.station = station
        self.connector = connector
        self.transactionId = transactionId
        self.idTag = idTag
        self.authorization = authorization
        self.start = start
        self.stop = stop
        self.meterStartWh = meterStartWh
        self.meterStopWh = meterStopWh
        self.sampleCount = sampleCount
        self.register = register
        self.startReportedLate = startReportedLate
    }

    /// Stop minus start in seconds; nil while the session runs.
    public var durationSeconds: Double? { stop.map { $0.timeIntervalSince(start) } }

    /// meterStop − meterStart, when both were reported.
    public var reportedWh: Double? {
        guard let start = meterStartWh, let stop = meterStopWh else { return nil }
        return stop - start
    }
}
