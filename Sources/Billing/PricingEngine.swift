import Foundation

/// Prices one ended session with one tariff version into a `ChargeDetailRecord`. Pure: no
/// I/O, no clock; the site's time zone is a parameter.
///
/// The session is cut at every band boundary (local time in `timeZone`, exact across DST:
/// `LocalTimeline`); each stretch belongs to the first band, in file order, in force then.
/// Per band it charges energy (the register's rise in the stretch, linearly interpolated
/// between readings: `EnergyCurve`), time (`timeBasis` charging: the stretches in which the
/// register rose; pluggedIn: the whole stretch) and idle time (from when charging stopped plus
/// the grace of the band in force then, to the end). Every line is rounded once, half away
/// from zero, to the minor unit (`Rounding`); the session fee is a line; the net total is the
/// sum of the lines, raised to `minPrice` or lowered to `maxPrice` by an adjustment line; VAT
/// is computed on that net total and rounded the same way; gross is net plus VAT.
public enum PricingEngine {
    /// Why a session could not be priced.
    public enum PricingError: Error, Equatable, CustomStringConvertible {
        case withdrawn(tariff: String)
        case stopBeforeStart(start: String, stop: String)
        case noEnergyReadings(tariff: String)
        /// Longer than `PricingEngine.longestSession`: a charger's clock, not a real session.
        case tooLong(start: String, stop: String)
        /// A line beyond `PricingEngine.largestAmount` minor units: a register or price out of all proportion.
        case amountTooLarge(tariff: String)

        public var description: String {
            switch self {
            case .tooLong(let start, let stop): "the session is implausibly long (\(start) – \(stop), more than 31 days)"
            case .amountTooLarge(let tariff): "tariff \(tariff) gives an amount beyond 10^15 minor units: check the meter readings"
            case .withdrawn(let tariff): "tariff \(tariff) was withdrawn"
            case .stopBeforeStart(let start, let stop): "the session stopped (\(stop)) before it started (\(start))"
            case .noEnergyReadings(let tariff): "tariff \(tariff) charges energy, but the session has fewer than two meter readings"
            }
        }
    }

    public static func price(_ session: PricingSession, with version: TariffVersion, timeZone: TimeZone) throws(PricingError) -> ChargeDetailRecord {
        guard let tariff = version.tariff else { throw .withdrawn(tariff: version.tariffId) }
        guard session.stop >= session.start else {
            throw .stopBeforeStart(start: Instant.format(session.start), stop: Instant.format(session.stop))
        }
        guard session.stop - session.start <= longestSession else {
            throw .tooLong(start: Instant.format(session.start), stop: Instant.format(session.stop))
        }
        let curve = EnergyCurve(session)
        if curve == nil && tariff.bands.contains(where: { $0.energyPerKWh != nil }) { throw .noEnergyReadings(tariff: tariff.id) }
        let pieces = stretches(of: tariff, from: session.start, to: session.stop, timeline: LocalTimeline(timeZone: timeZone))
        let charging = curve?.chargingIntervals ?? [session.start..<session.stop]
        let idleStart = curve.map { $0.chargingEnd ?? session.start } ?? session.stop
        let grace = pieces.first { $0.range.contains(idleStart) }.map { tariff.bands[$0.band].idleGraceMinutes } ?? 0
        let billableIdle = min(idleStart + grace * 60_000, session.stop)..<session.stop
        let currency = tariff.currency
        var items: [LineItem] = []
        for (index, band) in tariff.bands.enumerated() {
            let ranges = pieces.filter { $0.band == index }.map(\.range)
            guard !ranges.isEmpty else { continue }
            let periods = ranges.map { Instant.format($0.lowerBound) + "/" + Instant.format($0.upperBound) }
            func line(_ component: LineItem.Component, _ price: Money?, quantity: Int, perUnit: Int128, scale: Int, unit: String) throws(PricingError) {
                guard let price, quantity > 0 else { return }
                // At most 10^12 major units (micros ≤ 10^18) × at most 10^15 mWh or 31 days of ms × 10^3: within 128 bits.
                let exact = Int128(price.micros) * Int128(quantity) * Rounding.power(currency.exponent)
                let rounded = Rounding.halfAwayFromZero(exact, 1_000_000 * perUnit)
                guard rounded.magnitude <= UInt128(largestAmount) else { throw .amountTooLarge(tariff: tariff.id) }
                let amount = Int(rounded)
                items.append(LineItem(component: component, band: index + 1, bandLabel: band.label,
                                      quantity: Money.decimal(quantity, scale: scale), unit: unit, unitPrice: price.description,
                                      amount: amount, periods: periods))
            }
            let energy = curve.map { curve in ranges.reduce(0) { $0 + curve.energy($1) } } ?? 0
            try line(.energy, band.energyPerKWh, quantity: energy, perUnit: 1_000_000, scale: 6, unit: "kWh")
            let time = band.timeBasis == .pluggedIn ? ranges.reduce(0) { $0 + $1.count } : overlap(ranges, charging)
            try line(.time, band.timePerHour, quantity: time, perUnit: 3_600_000, scale: 3, unit: "s")
            try line(.idle, band.idlePerHour, quantity: overlap(ranges, [billableIdle]), perUnit: 3_600_000, scale: 3, unit: "s")
        }
        if let fee = tariff.sessionFee {
            items.append(LineItem(component: .sessionFee, quantity: "1", unit: "session", unitPrice: fee.description,
                                  amount: currency.minorUnits(fee)))
        }
        var net = items.reduce(0) { $0 + $1.amount }
        if let minimum = tariff.minPrice, net < currency.minorUnits(minimum) {
            items.append(LineItem(component: .minPrice, quantity: "1", unit: "session", unitPrice: minimum.description,
                                  amount: currency.minorUnits(minimum) - net))
            net = currency.minorUnits(minimum)
        }
        if let maximum = tariff.maxPrice, net > currency.minorUnits(maximum) {
            items.append(LineItem(component: .maxPrice, quantity: "1", unit: "session", unitPrice: maximum.description,
                                  amount: currency.minorUnits(maximum) - net))
            net = currency.minorUnits(maximum)
        }
        let vat = Int(Rounding.halfAwayFromZero(Int128(net) * Int128(tariff.vatMicroPercent), 100_000_000))
        return ChargeDetailRecord(
            session: session.id, station: session.station, site: session.site, evse: session.evse, connector: session.connector,
            connectorType: session.connectorType, idToken: session.idToken, group: session.group, authorization: session.authorization,
            startTime: Instant.format(session.start), stopTime: Instant.format(session.stop),
            energyWh: Money.decimal(curve?.total ?? 0, scale: 3), energySource: curve?.source ?? .register,
            tariffId: tariff.id, tariffVersion: version.version, tariffHash: version.hash, currency: currency, items: items,
            net: net, vatPercent: tariff.vatPercent, vat: vat, gross: net + vat)
    }

    /// The longest session priced: 31 days. Longer ones come from a charger's wrong clock.
    public static let longestSession = 31 * 86_400_000
    /// The largest line amount, in minor units (10^15: ten trillion euros).
    public static let largestAmount = 1_000_000_000_000_000

    /// `[from, to)` cut at every band boundary, each stretch with the first band in force in
    /// it (consecutive stretches of one band joined). A stretch no band covers is left out
    /// (a tariff read from a file covers the whole week).
    static func stretches(of tariff: Tariff, from: Int, to: Int, timeline: LocalTimeline) -> [(range: Range<Int>, band: Int)] {
        guard to > from else { return [] }
        let windows = tariff.bands.map { timeline.windows(of: $0, from: from, to: to) }
        let cuts = Set([from, to] + windows.flatMap { $0.flatMap { [$0.lowerBound, $0.upperBound] } }).sorted()
        var result: [(range: Range<Int>, band: Int)] = []
        for (start, end) in zip(cuts, cuts.dropFirst()) where end > start {
            guard let band = windows.firstIndex(where: { $0.contains { $0.contains(start) } }) else { continue }
            if let last = result.last, last.band == band, last.range.upperBound == start {
                result[result.count - 1].range = last.range.lowerBound..<end
            } else {
                result.append((start..<end, band))
            }
        }
        return result
    }

    /// Total length of the overlap of two sets of disjoint ranges.
    static func overlap(_ a: [Range<Int>], _ b: [Range<Int>]) -> Int {
        a.reduce(0) { sum, first in
            sum + b.reduce(0) { $0 + max(0, min(first.upperBound, $1.upperBound) - max(first.lowerBound, $1.lowerBound)) }
        }
    }
}
