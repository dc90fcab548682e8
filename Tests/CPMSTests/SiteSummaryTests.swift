import DomainEvents
import Foundation
import Testing
@testable import CPMS

/// Sites from the configuration and from stations, with their live counts.
@Suite struct SiteSummaryTests {
    static func station(_ id: String, site: String?, online: Bool, _ statuses: [ConnectorStatus]) -> StationRecord {
        StationRecord(id: id, registration: "accepted", isOnline: online, site: site,
                      connectors: [ConnectorRecord(evse: 0, connector: 0, status: .available, updatedAt: "")]   // the charge point: not counted
                        + statuses.enumerated().map { ConnectorRecord(evse: $0.offset + 1, connector: 1, status: $0.element, updatedAt: "") })
    }

    @Test func everyConfiguredSiteAndEverySiteAStationNamesWithUnsitedStationsApart() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let sites = SiteDirectory([Site(id: "depot-north", name: "Depot North", timeZone: berlin), Site(id: "empty")])
        let stations = [Self.station("CP-1", site: "depot-north", online: true, [.available, .charging]),
                        Self.station("CP-2", site: "depot-north", online: false, [.faulted]),
                        Self.station("CP-3", site: "yard", online: true, [.available]),
                        Self.station("CP-4", site: nil, online: true, [.preparing])]
        let summary = SiteSummary.summarise(stations: stations, sites: sites)
        #expect(summary.sites.map(\.site.id) == ["depot-north", "empty", "yard"])
        let north = summary.sites[0]
        #expect(north.site.name == "Depot North" && north.site.timeZone.identifier == "Europe/Berlin")
        #expect(north.stationIds == ["CP-1", "CP-2"] && north.online == 1 && north.offline == 1)
        // CP-2 is offline: its Faulted report is not what a driver finds there now.
        #expect(north.connectors == [.available: 1, .charging: 1] && north.offlineConnectors == 1)
        let yard = summary.sites[2]
        #expect(yard.site.name == "yard" && Site.identifier(of: yard.site.timeZone) == "UTC")   // named by a station only
        #expect(summary.sites[1].stationIds.isEmpty)
        #expect(summary.sites[1].jsonObject()["timeZone"] as? String == "UTC")
        #expect(summary.unassigned.stationIds == ["CP-4"] && summary.unassigned.connectors == [.preparing: 1])
        let object = north.jsonObject(withStations: true)
        #expect(object["stations"] as? Int == 2 && object["timeZone"] as? String == "Europe/Berlin")
        #expect((object["connectors"] as? [String: Int])?["Occupied"] == 0)   // every status, 0 when none
        #expect((object["connectors"] as? [String: Int])?["Offline"] == 1 && (object["connectors"] as? [String: Int])?["Faulted"] == 0)
    }
}
