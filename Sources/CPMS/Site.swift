import Foundation

/// A site (a location with stations) as the configuration names it: its id — what a
/// station's `site` holds — a display name and the IANA time zone its local hours are counted
/// in (peak hours, weekdays). A site nobody configured is its id, named after itself, in UTC.
public struct Site: Sendable, Equatable {
    public var id: String
    public var name: String
    public var timeZone: TimeZone

    public init(id: String, name: String? = nil, timeZone: TimeZone = Site.utc) {
        self.id = id
        self.name = name ?? id
        self.timeZone = timeZone
    }

    /// The zone's IANA name as reports show it. Foundation on Linux names UTC "GMT" (the same
    /// zone); reports say UTC, as the configuration does.
    public static func identifier(of zone: TimeZone) -> String {
        zone.identifier == "GMT" && zone.secondsFromGMT() == 0 ? "UTC" : zone.identifier
    }

    /// UTC, the zone of a site without one. `TimeZone(identifier: "UTC")` exists on every
    /// platform Foundation runs on; GMT (offset 0) stands in should it not.
    public static let utc = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? .current
}

/// The configured sites by id. A lookup of a site not configured (or of none) answers a UTC
/// site of that id: a station may name a site the configuration does not list.
public struct SiteDirectory: Sendable, Equatable {
    public private(set) var sites: [String: Site] = [:]

    public init(_ sites: [Site] = []) {
        for site in sites { self.sites[site.id] = site }
    }

    /// The configured site `id`, else a UTC site of that id.
    public func site(_ id: String) -> Site { sites[id] ?? Site(id: id) }

    /// The time zone local hours are counted in at `site`: its configured zone, else UTC.
    public func timeZone(of site: String?) -> TimeZone { site.flatMap { sites[$0]?.timeZone } ?? Site.utc }
}
