import CPMS

/// The energy register over a session, as points (time, milli-watt-hours) joined by straight
/// lines: the register at start and stop when the charger sent them, and every register
/// sample in between. Energy between two instants is the difference of the line's values, so
/// energy is split at a band boundary by linear interpolation between the samples either side,
/// and the parts always add up to the whole. A register that goes backwards is held at its
/// highest value so far (no negative energy). A reading that is not a number from 0 to 10^12 Wh
/// (a terawatt-hour) is not a reading of a charger's meter and is left out; so is a sample
/// outside the session's own start and stop readings when both are known (stop ≥ start): one
/// bogus sample above the stop would otherwise be held and billed, though the meter itself
/// says the session used stop − start.
struct EnergyCurve: Equatable {
    /// Milliseconds, milli-watt-hours; sorted by time, values never decreasing.
    let points: [(at: Int, mWh: Int)]
    /// `samples` when register samples shaped the curve, else `register` (start and stop only).
    let source: EnergySource

    static func == (a: EnergyCurve, b: EnergyCurve) -> Bool {
        a.source == b.source && a.points.elementsEqual(b.points) { $0.at == $1.at && $0.mWh == $1.mWh }
    }

    /// Nil when fewer than two readings are known: no energy can be measured.
    init?(_ session: PricingSession) {
        var raw: [(at: Int, mWh: Int)] = []
        if let start = session.meterStartWh, Self.isPlausible(start) { raw.append((session.start, Self.milliWattHours(start))) }
        var bounds = MeterReading.plausibleWh
        if let start = session.meterStartWh, let stop = session.meterStopWh, Self.isPlausible(start), Self.isPlausible(stop), stop >= start {
            bounds = start...stop
        }
        let inside = session.registerSamples.filter {
            $0.at >= session.start && $0.at <= session.stop && Self.isPlausible($0.wh) && bounds.contains($0.wh)
        }
        raw += inside.map { ($0.at, Self.milliWattHours($0.wh)) }.sorted { $0.at < $1.at }
        if let stop = session.meterStopWh, Self.isPlausible(stop) { raw.append((session.stop, Self.milliWattHours(stop))) }
        guard raw.count >= 2 else { return nil }
        var highest = Int.min
        points = raw.map { point in
            highest = max(highest, point.mWh)
            return (point.at, highest)
        }
        source = inside.isEmpty ? .register : .samples
    }

    /// A register value a meter can show: finite, 0 … 10^12 Wh.
    static func isPlausible(_ wh: Double) -> Bool { MeterReading.isPlausible(wh) }

    /// Wh → mWh, for values `isPlausible` (or parsed from a CDR); anything else is 0, never a trap.
    static func milliWattHours(_ wh: Double) -> Int {
        guard wh.isFinite, wh.magnitude <= 1e15 else { return 0 }
        return Int((wh * 1_000).rounded(.toNearestOrAwayFromZero))
    }

    /// The register at `time`, interpolated; flat before the first and after the last point.
    func value(at time: Int) -> Int {
        guard let first = points.first, let last = points.last else { return 0 }
        if time <= first.at { return first.mWh }
        if time >= last.at { return last.mWh }
        let after = points.firstIndex { $0.at > time } ?? points.count - 1
        let a = points[after - 1], b = points[after]
        guard b.at > a.at else { return b.mWh }
        let rise = Int128(b.mWh - a.mWh) * Int128(time - a.at)
        return a.mWh + Int(Rounding.halfAwayFromZero(rise, Int128(b.at - a.at)))
    }

    /// Energy in `[from, to)`, milli-watt-hours.
    func energy(_ range: Range<Int>) -> Int { value(at: range.upperBound) - value(at: range.lowerBound) }

    var total: Int { (points.last?.mWh ?? 0) - (points.first?.mWh ?? 0) }

    /// The stretches in which the register rose: charging. Known only from samples; from start
    /// and stop readings alone the whole session counts as charging when any energy flowed.
    var chargingIntervals: [Range<Int>] {
        zip(points, points.dropFirst()).compactMap { a, b in b.mWh > a.mWh && b.at > a.at ? a.at..<b.at : nil }
    }

    /// When charging stopped: the end of the last stretch in which the register rose (nil: it never rose).
    var chargingEnd: Int? { chargingIntervals.last?.upperBound }
}

/// Where a CDR's energy comes from: the register at start and stop only, or register samples too.
public enum EnergySource: String, Sendable, Codable {
    case register, samples
}
