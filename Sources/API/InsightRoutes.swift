import CPMS
import Foundation
import Remediation
import RuleEngine
import ServiceLog
import Transport
import VendorCatalog

/// Network insights (viewer access; definitions in docs/operator-guide.md, "Reliability
/// metrics"), each over `from…to` (the last 24 hours by default, read as availability's):
/// - `GET /api/v1/metrics/sessions?station=&site=&from=&to=&minEnergyKWh=` — session counts,
///   success rate, failures by reason, energy, durations, utilisation and peak hours
///   (`SessionMetricsReport.jsonObject`);
/// - `GET /api/v1/metrics/errors?station=&site=&from=&to=&limit=` — the most frequent fault
///   codes per site (`ErrorMetricsReport.jsonObject`);
/// - `GET /api/v1/metrics/remediation?site=&from=&to=` — actions per rule and per vendor/model,
///   the share verified, and recovery with and without a Vigil action.
/// Parameters are strict: a bad time or number is 400 `invalid_parameter`, station and site
/// together are 400, an unknown station or site is 404.
enum InsightRoutes {
    static func route(_ router: inout Router, store: StationStore, runner: RuleRunner, sites: SiteDirectory, catalog: VendorCatalog?,
                      auth: APIAuth, log: Log) {
        router.on("GET", "/api/v1/metrics/sessions", auth: auth, needs: .viewer) { request, _ in
            await APIError.answering("GET /api/v1/metrics/sessions", log: log) {
                let (station, site) = try await scope(request, store: store, sites: sites)
                let (from, to) = try MetricsRoutes.range(request)
                let minEnergyKWh = try number(request.query["minEnergyKWh"], name: "minEnergyKWh", default: 0.1)
                let windows = await runner.maintenanceWindows
                let report = try await store.sessionMetrics(station: station, site: site, from: from, to: to, minEnergyWh: minEnergyKWh * 1_000,
                                                            sites: sites) { station, site in
                    MaintenanceWindow.intervals(windows, station: station, site: site)
                }
                return try RecordRoutes.json(report.jsonObject)
            }
        }
        router.on("GET", "/api/v1/metrics/errors", auth: auth, needs: .viewer) { request, _ in
            await APIError.answering("GET /api/v1/metrics/errors", log: log) {
                let (station, site) = try await scope(request, store: store, sites: sites)
                let (from, to) = try MetricsRoutes.range(request)
                let limit = try ListWindow.integer(request.query["limit"], name: "limit", range: 1...1_000, default: 20)
                let report = try await store.errorMetrics(station: station, site: site, from: from, to: to, limit: limit, catalog: catalog)
                return try RecordRoutes.json(report.jsonObject)
            }
        }
        router.on("GET", "/api/v1/metrics/remediation", auth: auth, needs: .viewer) { request, _ in
            await APIError.answering("GET /api/v1/metrics/remediation", log: log) {
                if request.query["station"] != nil { throw APIError(.invalidParameter, "remediation metrics take site, not station") }
                let (_, site) = try await scope(request, store: store, sites: sites)
                let (from, to) = try MetricsRoutes.range(request)
                let report = try await CommandStore(host: store).effectiveness(store: store, site: site, from: from, to: to)
                return try RecordRoutes.json(report.jsonObject)
            }
        }
    }

    /// `station` or `site` (not both), each known: a station in the registry, a site
    /// configured or named by a station.
    static func scope(_ request: HTTPRequest, store: StationStore, sites: SiteDirectory) async throws -> (String?, String?) {
        let station = request.query["station"], site = request.query["site"]
        if station != nil && site != nil { throw APIError(.invalidParameter, "give station or site, not both") }
        if let station, try await store.station(station) == nil { throw APIError(.notFound, "no station \(station)") }
        if let site, sites.sites[site] == nil, !(try await store.stations()).contains(where: { $0.site == site }) {
            throw APIError(.notFound, "no site \(site)")
        }
        return (station, site)
    }

    /// A non-negative, finite number, or 400 `invalid_parameter` naming it.
    static func number(_ text: String?, name: String, default fallback: Double) throws -> Double {
        guard let text else { return fallback }
        guard let value = Double(text), value.isFinite, value >= 0 else {
            throw APIError(.invalidParameter, "\(name) must be a number ≥ 0, got \(text.debugDescription)")
        }
        return value
    }
}
