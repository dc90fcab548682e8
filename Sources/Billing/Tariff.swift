/// One tariff of the config file's `tariffs:` list: which sessions it applies to (`site`,
/// `connectorType`, `group`; absent means any), its currency, VAT, per-session fee, caps and
/// time-of-day bands. Its `Codable` form, with sorted keys, is its canonical form: what is
/// hashed and kept per version (`TariffVersion`). Prices are exact `Money`.
public struct Tariff: Sendable, Hashable, Codable {
    public var id: String
    /// Only sessions at this site; nil: every site.
    public var site: String?
    /// Only sessions on this connector type, when the connector's type is known: a
    /// `ConnectorType` raw value (`cCCS2`, `sType2`, …; the reader turns aliases into these).
    /// Text, not the enum, so a version stored before the vocabulary existed still decodes.
    public var connectorType: String?
    /// Only sessions whose token's group (its parent) is this; `adhoc` is the group of unknown
    /// and group-less tokens. Nil: every group.
    public var group: String?
    public var currency: Currency
    /// VAT in percent, in millionths of a percent (19 → 19_000_000, 7.7 → 7_700_000).
    public var vatMicroPercent: Int
    public var sessionFee: Money?
    public var minPrice: Money?
    public var maxPrice: Money?
    public var bands: [TariffBand]

    public init(id: String, site: String? = nil, connectorType: String? = nil, group: String? = nil, currency: Currency,
                vatMicroPercent: Int = 0, sessionFee: Money? = nil, minPrice: Money? = nil, maxPrice: Money? = nil, bands: [TariffBand]) {
        self.id = id
        self.site = site
        self.connectorType = connectorType
        self.group = group
        self.currency = currency
        self.vatMicroPercent = vatMicroPercent
        self.sessionFee = sessionFee
        self.minPrice = minPrice
        self.maxPrice = maxPrice
        self.bands = bands
    }

    /// The group name of unknown tokens and tokens without a parent.
    public static let adhocGroup = "adhoc"

    /// VAT as the decimal the file wrote: `19`, `7.7`.
    public var vatPercent: String { Money.decimal(vatMicroPercent, scale: 6, trimmed: true) }
}

/// A time-of-day band of a tariff: on `days` (nil: every day), from `from` to `to` local time
/// in the site's time zone, the prices for energy, time and idle time. A band whose `to` is
/// not after its `from` runs past midnight into the next day (22:00–06:00); `days` names the
/// day the band starts.
public struct TariffBand: Sendable, Hashable, Codable {
    public var days: [Weekday]?
    public var from: LocalTime
    public var to: LocalTime
    public var energyPerKWh: Money?
    public var timePerHour: Money?
    public var timeBasis: TimeBasis
    public var idlePerHour: Money?
    /// Minutes of idle time (plugged in after charging stopped) that are free.
    public var idleGraceMinutes: Int

    public init(days: [Weekday]? = nil, from: LocalTime = .midnight, to: LocalTime = .endOfDay, energyPerKWh: Money? = nil,
                timePerHour: Money? = nil, timeBasis: TimeBasis = .charging, idlePerHour: Money? = nil, idleGraceMinutes: Int = 0) {
        self.days = days
        self.from = from
        self.to = to
        self.energyPerKWh = energyPerKWh
        self.timePerHour = timePerHour
        self.timeBasis = timeBasis
        self.idlePerHour = idlePerHour
        self.idleGraceMinutes = idleGraceMinutes
    }

    /// Whether the band is in force on `weekday` at minute `minute` (0…1439) of the local day.
    func covers(weekday: Weekday, minute: Int) -> Bool {
        let days = self.days ?? Weekday.allCases
        if from.minutes < to.minutes {
            return days.contains(weekday) && minute >= from.minutes && minute < to.minutes
        }
        // Past midnight: the evening part on one of `days`, the morning part on the day after.
        if days.contains(weekday) && minute >= from.minutes { return true }
        return days.contains(weekday.previous) && minute < to.minutes
    }

    /// `mon-fri 06:00–22:00`, for line items and messages.
    public var label: String {
        let dayText = days.map { $0.map(\.rawValue).joined(separator: ",") + " " } ?? ""
        return dayText + from.description + "–" + to.description
    }
}

/// What `timePerHour` counts: the time energy flowed, or the whole time plugged in.
public enum TimeBasis: String, Sendable, Hashable, Codable, CaseIterable {
    case charging, pluggedIn
}

/// A day of the week, spelled as in the config file.
public enum Weekday: String, Sendable, Hashable, Codable, CaseIterable {
    case mon, tue, wed, thu, fri, sat, sun

    /// The weekday of a day counted from 1970-01-01, a Thursday.
    static func of(dayNumber: Int) -> Weekday {
        allCases[((dayNumber + 3) % 7 + 7) % 7]
    }

    var previous: Weekday {
        switch self {
        case .mon: .sun
        case .tue: .mon
        case .wed: .tue
        case .thu: .wed
        case .fri: .thu
        case .sat: .fri
        case .sun: .sat
        }
    }
}

/// A local wall-clock time of day to the minute, `00:00` … `24:00` (24:00 only as a band's end).
public struct LocalTime: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Minutes since local midnight, 0…1440.
    public let minutes: Int

    public static let midnight = LocalTime(minutes: 0)
    public static let endOfDay = LocalTime(minutes: 1_440)

    public init(minutes: Int) {
        self.minutes = minutes
    }

    /// `HH:MM` with HH 00…23 (or exactly 24:00) and MM 00…59.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
              let hours = Int(parts[0]), let minutes = Int(parts[1]), minutes < 60, hours < 24 || (hours == 24 && minutes == 0)
        else { return nil }
        self.minutes = hours * 60 + minutes
    }

    public var description: String {
        let hours = minutes / 60, rest = minutes % 60
        return (hours < 10 ? "0" : "") + String(hours) + ":" + (rest < 10 ? "0" : "") + String(rest)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let time = LocalTime(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a time HH:MM: \(text)"))
        }
        self = time
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
