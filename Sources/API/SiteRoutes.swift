import CPMS
import Foundation
import ServiceLog
import Transport

/// Sites (viewer access): `GET /api/v1/sites` — every configured site and every site a station
/// names, each with its name, time zone, stations, connectors by live status and how many
/// stations are online, plus `unassigned`: the same counts for stations without a site (they
/// are under no site, so not in the list) — and `GET /api/v1/sites/{id}`, one site with its
/// `stationIds` (404 for a site neither configured nor named by a station). `SiteSummary`.
enum SiteRoutes {
    static func route(_ router: inout Router, store: StationStore, sites: SiteDirectory, auth: APIAuth, log: Log) {
        router.on("GET", "/api/v1/sites", auth: auth, needs: .viewer) { _, _ in
            await APIError.answering("GET /api/v1/sites", log: log) {
                let summary = SiteSummary.summarise(stations: try await store.stations(), sites: sites)
                return try RecordRoutes.json(["sites": summary.sites.map { $0.jsonObject() }, "unassigned": summary.unassigned.countsObject])
            }
        }
        router.on("GET", "/api/v1/sites/{id}", auth: auth, needs: .viewer) { request, _ in
            let id = request.pathParameters["id"] ?? ""
            return await APIError.answering("GET /api/v1/sites/{id}", log: log) {
                let summary = SiteSummary.summarise(stations: try await store.stations(), sites: sites)
                guard let site = summary.sites.first(where: { $0.site.id == id }) else { throw APIError(.notFound, "no site \(id)") }
                return try RecordRoutes.json(site.jsonObject(withStations: true))
            }
        }
    }
}
