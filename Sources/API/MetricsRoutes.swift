import CPMS
import Foundation
import Remediation
import RuleEngine
import ServiceLog
import Transport

/// Reliability metrics (viewer access): `GET /api/v1/metrics/availability?station=&site=&from=&to=`
/// — connector availability over a range (the last 24 hours by default) with downtime by cause,
/// the maintenance windows of serve's configuration counting as maintenance. The same JSON as
/// `vigil metrics availability --json` (`AvailabilityReport.jsonObject`).
enum MetricsRoutes {
    static func route(_ router: inout Router, store: StationStore, runner: RuleRunner, sites: SiteDirectory, auth: APIAuth, log: Log) {
        router.on("GET", "/api/v1/metrics/availability", auth: auth, needs: .viewer) { request, _ in
            await APIError.answering("GET /api/v1/metrics/availability", log: log) {
                // A station or site that does not exist is 404, as on the other metrics routes.
                let (station, site) = try await InsightRoutes.scope(request, store: store, sites: sites)
                let (from, to) = try range(request)
                let windows = await runner.maintenanceWindows
                let report = try await store.availability(station: station, site: site, from: from, to: to) { station, site in
                    MaintenanceWindow.intervals(windows, station: station, site: site)
                }
                if let station, report.connectors.isEmpty { throw APIError(.notFound, "no station \(station)") }
                return try RecordRoutes.json(report.jsonObject)
            }
        }
    }

    /// `from` and `to`, read strictly; `to` defaults to now and `from` to 24 hours before it.
    static func range(_ request: HTTPRequest) throws -> (Date, Date) {
        do {
            // A `to` in the future is cut to now here, before the default `from` is taken from it:
            // `to=2030-01-01` alone gave the empty day before 2030 instead of the last 24 hours.
            let now = Date()
            let requestedTo = try request.query["to"].map { try FilterInput.time($0, option: "to", bound: .upper) }.flatMap(StoreTime.parse)
            let to = min(requestedTo ?? now, now)
            let from = try request.query["from"].map { try FilterInput.time($0, option: "from") }.flatMap(StoreTime.parse)
                ?? to.addingTimeInterval(-86_400)
            if from >= now { throw APIError(.invalidParameter, "from is in the future: nothing has happened yet") }
            guard from < (requestedTo ?? now) else { throw APIError(.invalidParameter, "from must be before to") }
            return (from, to)
        } catch let error as FilterInputError {
            throw APIError(.invalidParameter, error.description.replacingOccurrences(of: "--", with: ""))
        }
    }
}
