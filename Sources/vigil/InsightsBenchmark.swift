import CPMS
import Foundation
import ServiceLog
import Store

/// Site reports over a year of history (issue #19: a site report of a 1,000-station network in
/// under 200 ms): writes `stations` stations in sites of 20 — each with two connectors, four
/// sessions a day (Preparing, Charging, Finishing, Available around each) and a fault a week
/// that recovers after 20 minutes — straight into a scratch database through one connection,
/// then times the session, error and remediation reports of one site over the year (best of
/// three, after one warm-up). The reports read only that site's stations, through the
/// `(station, start_time)` session index and the status history's station index.
struct InsightsBenchmark {
    var stations = 1_000
    static let perSite = 20
    static let days = 365

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/vigil.sqlite"
        let store = try StationStore(path: path)   // migrates the schema
        let start = StoreTime.parse("2025-12-01T00:00:00.000Z") ?? Date(timeIntervalSince1970: 0)
        let end = start.addingTimeInterval(Double(Self.days) * 86_400)
        printLine("insights benchmark: \(stations) stations in sites of \(Self.perSite), \(Self.days) days of history, writing …")
        let written = ContinuousClock.now
        let rows = try write(path: path, start: start)
        let writeSeconds = (ContinuousClock.now - written).seconds
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        printLine(String(format: "  wrote %d sessions and %d status reports in %.1f s (%.0f MiB)", rows.sessions, rows.statuses, writeSeconds,
                         Double(size) / 1_048_576))

        let sites = SiteDirectory((0..<max(1, stations / Self.perSite)).map { Site(id: "site-\($0)", timeZone: TimeZone(identifier: "Europe/Berlin") ?? Site.utc) })
        func best(_ body: () async throws -> Void) async throws -> Double {
            try await body()   // warm-up: the pages the report reads come into the cache
            var times: [Double] = []
            for _ in 0..<3 {
                let began = ContinuousClock.now
                try await body()
                times.append((ContinuousClock.now - began).seconds * 1_000)
            }
            return times.min() ?? 0
        }
        let sessions = try await best {
            _ = try await store.sessionMetrics(site: "site-0", from: start, to: end, minEnergyWh: 100, sites: sites) { _, _ in [] }
        }
        let availability = try await best {
            _ = try await store.availability(site: "site-0", from: start, to: end) { _, _ in [] }
        }
        let errors = try await best { _ = try await store.errorMetrics(site: "site-0", from: start, to: end, limit: 20, catalog: nil) }
        let report = try await store.sessionMetrics(site: "site-0", from: start, to: end, minEnergyWh: 100, sites: sites) { _, _ in [] }
        printLine(String(format: "  site report over the year (%d sessions): sessions %.0f ms (of which availability %.0f ms), errors %.0f ms",
                         report.total.sessions, sessions, availability, errors))
        BenchResults.shared.add("insights", "site session report, a year, \(Self.perSite) stations", sessions, "ms")
        BenchResults.shared.add("insights", "site error report, a year, \(Self.perSite) stations", errors, "ms")
    }

    /// The history, written in one transaction per station through a connection of its own.
    func write(path: String, start: Date) throws -> (sessions: Int, statuses: Int) {
        let database = try SQLiteDatabase(path: path)
        var sessions = 0, statuses = 0
        func time(_ date: Date) -> String { StoreTime.format(date) }
        func report(_ station: String, _ evse: Int, _ status: String, _ vendorCode: String?, _ at: Date) throws {
            statuses += 1
            try database.run("""
                INSERT INTO connector_status_history (station, evse, connector, status, error_code, vendor_error_code, received_at)
                VALUES (?, ?, 1, ?, ?, ?, ?)
                """, station, evse, status, vendorCode == nil ? "NoError" : "OtherError", vendorCode, time(at))
        }
        for index in 0..<stations {
            let id = String(format: "CP-%05d", index)
            try database.transaction {
                try database.run("""
                    INSERT INTO stations (id, vendor, model, site, registration, first_seen, last_seen, online)
                    VALUES (?, 'ABB', 'Terra', ?, 'accepted', ?, ?, 1)
                    """, id, "site-\(index / Self.perSite)", time(start), time(start))
                for connector in 1...2 {
                    try database.run("INSERT INTO connectors (station, evse, connector, status, updated_at) VALUES (?, ?, 1, 'Available', ?)",
                                     id, connector, time(start))
                }
                var meter = 0.0
                for day in 0..<Self.days {
                    let midnight = start.addingTimeInterval(Double(day) * 86_400)
                    for slot in 0..<4 {
                        let connector = slot % 2 + 1
                        // Spread over the day and across stations: 07:00, 11:00, 15:00, 19:00 plus up to 59 minutes.
                        let began = midnight.addingTimeInterval(Double(7 + slot * 4) * 3_600 + Double((index * 7 + day) % 60) * 60)
                        let stopped = began.addingTimeInterval(Double(40 + (index + day + slot) % 80) * 60)
                        let energy = Double((index + day * 3 + slot) % 40) * 500   // 0 … 19.5 kWh; some sessions deliver none
                        sessions += 1
                        try database.run("""
                            INSERT INTO sessions (station, evse, connector, transaction_ref, id_token, "authorization", start_time, stop_time,
                                                  meter_start, meter_stop, energy_wh, stop_reason, status, created_at, updated_at)
                            VALUES (?, ?, 1, ?, 'CARD', 'Accepted', ?, ?, ?, ?, ?, 'EVDisconnected', 'completed', ?, ?)
                            """, id, connector, "\(day)-\(slot)", time(began), time(stopped), meter, meter + energy, energy,
                            time(began), time(stopped))
                        meter += energy
                        for (offset, state) in [(0.0, "Preparing"), (60.0, "Charging"), (stopped.timeIntervalSince(began) - 60, "Finishing"),
                                                 (stopped.timeIntervalSince(began), "Available")] {
                            try report(id, connector, state, nil, began.addingTimeInterval(offset))
                        }
                    }
                    if day % 7 == index % 7 {   // a fault a week, at 03:00, recovered 20 minutes later
                        let faulted = midnight.addingTimeInterval(3 * 3_600)
                        try report(id, 1, "Faulted", "E042", faulted)
                        try report(id, 1, "Available", nil, faulted.addingTimeInterval(1_200))
                    }
                }
            }
        }
        // What the store's index passes would have done over the year: every report in its
        // station index, the mark at the newest.
        try database.transaction {
            try database.run("""
                INSERT INTO connector_status_history_by_station (station, id)
                SELECT station, id FROM connector_status_history WHERE true ORDER BY station, id ON CONFLICT DO NOTHING
                """)
            try database.run("""
                UPDATE row_index_marks SET indexed_through = (SELECT max(id) FROM connector_status_history)
                WHERE name = 'connector_status_history'
                """)
        }
        return (sessions, statuses)
    }
}
