import Foundation

/// Facts from outside the event stream that guards read: maintenance windows and silences.
/// The host supplies them (from config and the CLI); the engine only reads them, so it stays pure.
public struct RuleEnvironment: Sendable, Equatable {
    public var maintenance: [MaintenanceWindow]
    public var silences: [Silence]

    public init(maintenance: [MaintenanceWindow] = [], silences: [Silence] = []) {
        self.maintenance = maintenance
        self.silences = silences
    }

    func inMaintenance(_ target: RuleTarget, at time: Date) -> Bool {
        maintenance.contains { window in
            window.from <= time && time < window.to
                && (window.station == nil || window.station == target.station)
                && (window.site == nil || window.site == target.site)
        }
    }

    func isSilenced(rule: String, _ target: RuleTarget, at time: Date) -> Bool {
        silences.contains { silence in
            silence.from <= time && time < silence.to
                && (silence.rule == nil || silence.rule == rule)
                && (silence.station == nil || silence.station == target.station)
                && (silence.site == nil || silence.site == target.site)
        }
    }
}

/// Planned work on a site or station (all given fields must match), from `from` until `to`.
public struct MaintenanceWindow: Sendable, Equatable, Codable {
    public var site: String?
    public var station: String?
    public var from: Date
    public var to: Date

    public init(site: String? = nil, station: String? = nil, from: Date, to: Date) {
        self.site = site
        self.station = station
        self.from = from
        self.to = to
    }
}

/// A silence: matching rule/station/site (nil matches any) between `from` and `to`.
public struct Silence: Sendable, Equatable, Codable {
    public var rule: String?
    public var station: String?
    public var site: String?
    public var from: Date
    public var to: Date

    public init(rule: String? = nil, station: String? = nil, site: String? = nil, from: Date, to: Date) {
        self.rule = rule
        self.station = station
        self.site = site
        self.from = from
        self.to = to
    }
}

extension MaintenanceWindow {
    /// Whether the window covers `station` on `site` (every field it names must match), as
    /// the rules' `unless: { maintenance: true }` reads it.
    public func covers(station: String, site: String?) -> Bool {
        (self.station == nil || self.station == station) && (self.site == nil || self.site == site)
    }

    /// The spans of `windows` that cover `station` on `site`, for availability metrics.
    public static func intervals(_ windows: [MaintenanceWindow], station: String, site: String?) -> [DateInterval] {
        windows.filter { $0.covers(station: station, site: site) && $0.from < $0.to }.map { DateInterval(start: $0.from, end: $0.to) }
    }
}
