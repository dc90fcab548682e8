import Foundation

/// Session metrics over a range for a station, a site or the network, per station and per
/// site, computed by `SessionMetrics` from the sessions and the availability figures.
public struct SessionMetricsReport: Sendable {
    /// What the report covers.
    public enum Scope: Sendable, Equatable {
        case station(String), site(String), network
    }

    /// One station's figures.
    public struct Entry: Sendable {
        public var station: String
        public var site: String?
        public var figures: SessionMetrics.Figures
    }

    public var from: Date
    public var to: Date
    public var scope: Scope
    public var minEnergyWh: Double
    /// The zone peak hours are counted in: the station's or site's, or the network's when all
    /// its stations share one; nil for a network across zones (each station counts in its own).
    public var timeZone: TimeZone?
    public var stations: [Entry]
    /// Sites' time zones, for the per-site entries.
    public var sites: SiteDirectory

    /// Every station of the report summed.
    public var total: SessionMetrics.Figures { .sum(stations.map(\.figures)) }

    /// Each site's stations summed; stations without a site are left out.
    public var siteFigures: [(site: String, figures: SessionMetrics.Figures)] {
        Dictionary(grouping: stations.filter { $0.site != nil }, by: { $0.site ?? "" }).sorted { $0.key < $1.key }
            .map { ($0.key, SessionMetrics.Figures.sum($0.value.map(\.figures))) }
    }

    /// The report as a JSON object (for `JSONSerialization`): the one shape of the CLI's
    /// `--json` and `GET /api/v1/metrics/sessions`.
    public var jsonObject: [String: Any] {
        var object = Self.object(total, peakHours: true)
        object["from"] = StoreTime.format(from)
        object["to"] = StoreTime.format(to)
        switch scope {
        case .station(let id): object["scope"] = ["station": id]
        case .site(let id): object["scope"] = ["site": id]
        case .network: object["scope"] = ["network": true]
        }
        object["timeZone"] = timeZone.map(Site.identifier(of:)) ?? NSNull()
        object["minEnergyKWh"] = minEnergyWh / 1_000
        object["stations"] = stations.map { entry -> [String: Any] in
            var item = Self.object(entry.figures, peakHours: false)
            item["station"] = entry.station
            item["site"] = entry.site ?? NSNull()
            return item
        }
        object["sites"] = siteFigures.map { item -> [String: Any] in
            var value = Self.object(item.figures, peakHours: true)
            value["site"] = item.site
            value["timeZone"] = Site.identifier(of: sites.timeZone(of: item.site))
            return value
        }
        return object
    }

    /// `value` to `places` decimals, so JSON shows `0.144`, not the binary noise `0.14400000000000002`
    /// of sums of seconds (milliseconds are the precision of every time Vigil stores).
    static func rounded(_ value: Double, places: Int = 3) -> Double {
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }

    static func object(_ figures: SessionMetrics.Figures, peakHours: Bool) -> [String: Any] {
        func optional(_ value: Double?) -> Any { value.map { rounded($0) as Any } ?? NSNull() }
        func share(_ value: Double?) -> Any { value.map { rounded($0, places: 6) as Any } ?? NSNull() }
        var object: [String: Any] = [
            "sessions": figures.sessions, "active": figures.active, "successful": figures.successful,
            "successRate": share(figures.successRate), "failures": figures.failures,
            "energyKWh": rounded(figures.energyWh / 1_000, places: 6),
            "meanDurationSeconds": optional(figures.meanDurationSeconds), "medianDurationSeconds": optional(figures.medianDurationSeconds),
            "chargingShare": share(figures.chargingShare), "occupiedShare": share(figures.occupiedShare),
            "availableSeconds": rounded(figures.availability.availableSeconds), "chargingSeconds": rounded(figures.availability.chargingSeconds),
            "occupiedSeconds": rounded(figures.availability.occupiedSeconds),
        ]
        if peakHours { object["peakHours"] = ["byHour": figures.byHour, "byWeekday": figures.byWeekday] }
        return object
    }
}

extension StationStore {
    /// Session metrics of `station` (or of every station on `site`, or of every station) over
    /// `from…to`: sessions that started in the range, judged with `minEnergyWh`, peak hours in
    /// each station's site zone from `sites`, utilisation from `availability` (with the same
    /// `maintenance`). Reads each station's sessions through `sessions_station_start`.
    public func sessionMetrics(station: String? = nil, site: String? = nil, from: Date, to: Date, minEnergyWh: Double,
                               sites: SiteDirectory,
                               maintenance: (_ station: String, _ site: String?) -> [DateInterval]) throws -> SessionMetricsReport {
        let range = DateInterval(start: from, end: max(from, to))
        let availability = try self.availability(station: station, site: site, from: range.start, to: range.end, maintenance: maintenance)
        let figuresByStation = Dictionary(availability.stations.map { ($0.station, $0.figures) }, uniquingKeysWith: { first, _ in first })
        // Charger times carry any offset: the text bounds are two days wide of the range (no
        // offset moves a time by more), and the exact test is on the parsed times.
        let low = StoreTime.format(range.start.addingTimeInterval(-172_800)), high = StoreTime.format(range.end.addingTimeInterval(172_800))
        var entries: [SessionMetricsReport.Entry] = []
        var zones: Set<String> = []
        for record in try stations() where (station == nil || record.id == station) && (site == nil || record.site == site) {
            let sessions = try database.rows("""
                SELECT start_time, stop_time, energy_wh, stop_reason, errors, status FROM sessions
                WHERE station = ? AND start_time >= ? AND start_time < ?
                """, record.id, low, high).compactMap { row -> SessionMetrics.Session? in
                guard let start = row[0].text.flatMap(StoreTime.parse) else { return nil }
                let completed = row[5].text == "completed"
                return SessionMetrics.Session(start: start, stop: completed ? (row[1].text.flatMap(StoreTime.parse) ?? start) : nil,
                                              energyWh: row[2].real, stopReason: row[3].text,
                                              hadFault: !(row[4].text ?? "").isEmpty)
            }
            let zone = sites.timeZone(of: record.site)
            zones.insert(zone.identifier)
            let figures = SessionMetrics.compute(sessions: sessions, range: range, minEnergyWh: minEnergyWh, timeZone: zone,
                                                 availability: figuresByStation[record.id] ?? .init())
            entries.append(.init(station: record.id, site: record.site, figures: figures))
        }
        let scope: SessionMetricsReport.Scope = station.map { .station($0) } ?? site.map { .site($0) } ?? .network
        let zone: TimeZone?
        switch scope {
        case .site(let id): zone = sites.timeZone(of: id)
        case .station, .network: zone = zones.count <= 1 ? (zones.first.flatMap(TimeZone.init(identifier:)) ?? Site.utc) : nil
        }
        return SessionMetricsReport(from: range.start, to: range.end, scope: scope, minEnergyWh: minEnergyWh, timeZone: zone,
                                    stations: entries.sorted { $0.station < $1.station }, sites: sites)
    }
}
