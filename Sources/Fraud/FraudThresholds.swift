/// The thresholds of the fraud and integrity checks, with their documented defaults
/// (docs/billing.md, "Fraud and integrity signals"); serve reads them from the config file's
/// `fraud:` section (`FraudConfigReader`).
public struct FraudThresholds: Sendable, Equatable {
    /// Register mismatch: the tolerance is the larger of this (Wh) …
    public var registerToleranceWh: Double = 500
    /// … and this share of the reported energy (0.02 = 2 %).
    public var registerTolerancePercent: Double = 2
    /// The fleet's maximum power per connector, kW, for `energyAbovePower` (350 kW: the fastest
    /// common DC chargers). `stationMaxPowerKW` overrides it per station.
    public var maxPowerKW: Double = 350
    /// Maximum power per connector of particular stations, kW, by station id.
    public var stationMaxPowerKW: [String: Double] = [:]
    /// `noMeterValues` only for sessions at least this long, seconds (5 min: chargers commonly
    /// sample every 60 s or more; a shorter session may honestly have none).
    public var noMeterValuesMinDuration: Double = 300
    /// A start reported at least this late (seconds after the charger's own start time, or
    /// flagged as queued while offline by the CPMS) counts as started offline.
    public var offlineStartDelay: Double = 300
    /// `authorizationBurst`: this many rejected authorisations from one station …
    public var burstCount: Int = 5
    /// … within this many seconds.
    public var burstWindow: Double = 60
    /// `tokenProbing`: this many rejected id tokens that are consecutive numbers …
    public var probeRun: Int = 3
    /// … within this many seconds.
    public var probeWindow: Double = 600
    /// A register step backwards smaller than this (Wh) is rounding, not a signal.
    public var backwardsToleranceWh: Double = 1
    /// A session still open this long after its start (seconds) is taken for one whose end was
    /// never reported and no longer counts for `concurrentUse` (a day, as the CPMS's own
    /// concurrent-use refusal does).
    public var abandonedSessionAfter: Double = 86_400

    public init() {}

    /// The maximum power per connector of `station`, kW.
    public func maxPower(of station: String) -> Double { stationMaxPowerKW[station] ?? maxPowerKW }

    /// The register tolerance for a session that reported `energyWh`: max(registerToleranceWh,
    /// registerTolerancePercent % of it).
    public func registerTolerance(forEnergy energyWh: Double) -> Double {
        max(registerToleranceWh, abs(energyWh) * registerTolerancePercent / 100)
    }
}
