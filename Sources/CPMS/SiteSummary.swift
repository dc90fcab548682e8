import DomainEvents
import Foundation

/// What is at a site now: its stations, how many are online, and its connectors by live
/// status — `GET /api/v1/sites` and `/api/v1/sites/{id}`. A pure summary of station records
/// and the configured sites (no I/O).
///
/// The sites are every configured one (even with no station yet) and every site a station
/// names (configured or not: an unconfigured one is named after its id, in UTC). Stations with
/// no site are under no site; `unassigned` counts them. Connector 0 (1.6: the whole charge
/// point) is not a connector and is not counted; every status appears in `connectors`, 0 when
/// no connector is in it, so the shape does not depend on the data; the connectors of offline
/// stations are under `Offline`, not their last report.
public struct SiteSummary: Sendable, Equatable {
    public var site: Site
    public var stationIds: [String] = []
    public var online = 0
    public var offline = 0
    public var connectors: [ConnectorStatus: Int] = [:]
    /// Connectors of the site's offline stations, counted apart (`Offline` in `countsObject`):
    /// their last report does not say what a driver finds there now.
    public var offlineConnectors = 0

    public init(site: Site) { self.site = site }

    /// Every site, by id, and the stations without one.
    public static func summarise(stations: [StationRecord], sites: SiteDirectory) -> (sites: [SiteSummary], unassigned: SiteSummary) {
        var summaries: [String: SiteSummary] = sites.sites.mapValues { SiteSummary(site: $0) }
        var unassigned = SiteSummary(site: Site(id: ""))
        for station in stations.sorted(by: { $0.id < $1.id }) {
            if let id = station.site, !id.isEmpty {
                var summary = summaries[id] ?? SiteSummary(site: sites.site(id))
                summary.add(station)
                summaries[id] = summary
            } else {
                unassigned.add(station)
            }
        }
        return (summaries.values.sorted { $0.site.id < $1.site.id }, unassigned)
    }

    mutating func add(_ station: StationRecord) {
        stationIds.append(station.id)
        if station.isOnline { online += 1 } else { offline += 1 }
        for connector in station.connectors where connector.connector != 0 {
            if station.isOnline { connectors[connector.status, default: 0] += 1 } else { offlineConnectors += 1 }
        }
    }

    /// The counts, the shape both the list's items and `unassigned` share.
    public var countsObject: [String: Any] {
        var byStatus: [String: Any] = [:]
        for status in ConnectorStatus.allCases { byStatus[status.rawValue] = connectors[status] ?? 0 }
        byStatus[StationStore.offlineConnectorStatus] = offlineConnectors
        return ["stations": stationIds.count, "connectors": byStatus, "online": online, "offline": offline]
    }

    /// The site with its counts; `withStations` adds `stationIds` (the single-site answer).
    public func jsonObject(withStations: Bool = false) -> [String: Any] {
        var object = countsObject
        object["id"] = site.id
        object["name"] = site.name
        object["timeZone"] = Site.identifier(of: site.timeZone)
        if withStations { object["stationIds"] = stationIds }
        return object
    }
}
