/// What an energy register can show. Billing and the session record apply the same bound: a
/// reading outside it (negative, not a number, beyond a terawatt-hour) is not a meter's and
/// measures no energy, so a session's energy is not computed from it and no report sums it.
public enum MeterReading {
    /// 0 … 10^12 Wh (a terawatt-hour).
    public static let plausibleWh: ClosedRange<Double> = 0...1e12

    /// Finite and within `plausibleWh`.
    public static func isPlausible(_ wh: Double) -> Bool { wh.isFinite && plausibleWh.contains(wh) }
}
