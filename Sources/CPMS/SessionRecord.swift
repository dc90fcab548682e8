/// One charging session, the same for OCPP 1.6 (Start/StopTransaction) and 2.0.1
/// (TransactionEvent).
public struct SessionRecord: Sendable, Equatable {
    public var id: Int
    public var station: String
    public var evse: Int
    public var connector: Int
    /// The charger's transaction id as text (the 1.6 integer, or the 2.0.1 string).
    public var transactionRef: String
    public var idToken: String?
    public var authorization: String?
    public var startTime: String
    public var stopTime: String?
    public var meterStartWh: Double?
    public var meterStopWh: Double?
    public var energyWh: Double?
    public var stopReason: String?
    public var isActive: Bool
    public var anomalies: [String]
    /// Every fault the charger reported on the session's EVSE (or the whole station) while it
    /// ran: `<charger time> <OCPP code or component/variable> [vendor code] [info]`.
    public var errors: [String] = []
}

/// One meter reading, normalised to a number; energy in Wh and power in W where the unit said kWh/kW.
public struct MeterSample: Sendable, Hashable {
    public var at: String
    public var measurand: String
    public var value: Double
    public var unit: String?
    public var phase: String?
    public var context: String?

    public init(at: String, measurand: String, value: Double, unit: String?, phase: String? = nil, context: String? = nil) {
        self.at = at
        self.measurand = measurand
        self.value = value
        self.unit = unit
        self.phase = phase
        self.context = context
    }

    /// Converts kWh/kW/kvarh readings to Wh/W/varh so sessions compare in one unit.
    /// The unit of a value sent without one: OCPP's default, Wh, is an energy unit and holds
    /// only for energy; power, current, voltage and the rest are labelled by what they measure
    /// (a current without a unit was recorded as "16.2 Wh"). Nil where no unit applies
    /// (power factor, frequency, RPM).
    public static func defaultUnit(for measurand: String) -> String? {
        let name = measurand.lowercased()
        if name.hasPrefix("energy.reactive") { return "varh" }
        if name.hasPrefix("energy") { return "Wh" }
        if name.hasPrefix("power.reactive") { return "var" }
        if name == "power.factor" { return nil }
        if name.hasPrefix("power") { return "W" }
        if name.hasPrefix("current") { return "A" }
        if name.hasPrefix("voltage") { return "V" }
        if name == "soc" { return "Percent" }
        if name.hasPrefix("temperature") { return "Celsius" }
        return nil
    }

    public var normalised: MeterSample {
        var copy = self
        switch unit {
        case "kWh": copy.value *= 1000; copy.unit = "Wh"
        case "kW": copy.value *= 1000; copy.unit = "W"
        case "kvarh": copy.value *= 1000; copy.unit = "varh"
        case "kvar": copy.value *= 1000; copy.unit = "var"
        case "kVA": copy.value *= 1000; copy.unit = "VA"
        default: break
        }
        return copy
    }
}
