import CPMS
import Foundation
import Remediation
import RuleEngine
import ServiceLog
import Transport

/// Planned maintenance (viewer access): `GET /api/v1/maintenance?station=&site=&at=` lists the
/// windows of serve's configuration (`maintenance:`), each with whether it is open now (or at
/// `at`). `station` keeps the windows that cover that station — its own, its site's and any for
/// the whole network; `site` those of the site, of its stations and of the whole network. No automatic command reaches a station in an
/// open window, and availability counts the time as maintenance (docs/operator-guide.md).
enum MaintenanceRoutes {
    static func route(_ router: inout Router, store: StationStore, runner: RuleRunner, auth: APIAuth, log: Log) {
        router.on("GET", "/api/v1/maintenance", auth: auth, needs: .viewer) { request, _ in
            await APIError.answering("GET /api/v1/maintenance", log: log) {
                let station = request.query["station"], site = request.query["site"]
                if station != nil && site != nil { throw APIError(.invalidParameter, "give station or site, not both") }
                let at: Date
                do {
                    at = try request.query["at"].map { try FilterInput.time($0, option: "at") }.flatMap(StoreTime.parse) ?? Date()
                } catch let error as FilterInputError {
                    throw APIError(.invalidParameter, error.description.replacingOccurrences(of: "--", with: ""))
                }
                var windows = await runner.maintenanceWindows
                if let station {
                    guard let record = try await store.station(station) else { throw APIError(.notFound, "no station \(station)") }
                    windows = windows.filter { $0.covers(station: station, site: record.site) }
                }
                if let site {
                    let stations = Set(try await store.stations().filter { $0.site == site }.map(\.id))
                    windows = windows.filter { window in
                        window.site == site || (window.site == nil && (window.station.map(stations.contains) ?? true))
                    }
                }
                return try RecordRoutes.json(windows.map { Self.object($0, at: at) })
            }
        }
    }

    static func object(_ window: MaintenanceWindow, at: Date) -> [String: Any] {
        var object: [String: Any] = ["from": StoreTime.format(window.from), "to": StoreTime.format(window.to),
                                     "open": window.from <= at && at < window.to]
        object["station"] = window.station
        object["site"] = window.site
        return object
    }
}
