import DomainEvents
import Foundation
import Store

/// Connector availability over a range, read from the connectivity history
/// (`station_connectivity`, written by the schema's triggers) and the status history, and
/// computed by `ConnectorAvailability`.
public struct AvailabilityReport: Sendable {
    /// One connector's figures. A station with no connector on record appears once, as
    /// evse 0 / connector 0, measured by its connection alone (a station that never connected
    /// is then all offline, not missing).
    public struct Entry: Sendable {
        public var station: String
        public var site: String?
        public var evse: Int
        public var connector: Int
        public var figures: ConnectorAvailability.Figures
    }

    public var from: Date
    public var to: Date
    public var connectors: [Entry]

    /// Each station's connectors summed (available seconds over total seconds), by station id.
    public var stations: [(station: String, figures: ConnectorAvailability.Figures)] {
        Dictionary(grouping: connectors, by: \.station).sorted { $0.key < $1.key }
            .map { ($0.key, ConnectorAvailability.Figures.sum($0.value.map(\.figures))) }
    }

    /// Each site's connectors summed; stations without a site are left out.
    public var sites: [(site: String, figures: ConnectorAvailability.Figures)] {
        Dictionary(grouping: connectors.filter { $0.site != nil }, by: { $0.site ?? "" }).sorted { $0.key < $1.key }
            .map { ($0.key, ConnectorAvailability.Figures.sum($0.value.map(\.figures))) }
    }

    /// Every connector of the report summed.
    public var total: ConnectorAvailability.Figures { .sum(connectors.map(\.figures)) }

    /// The report as a JSON object (for `JSONSerialization`), the one shape the CLI's `--json`
    /// and the HTTP API give it.
    public var jsonObject: [String: Any] {
        func object(_ figures: ConnectorAvailability.Figures) -> [String: Any] {
            var downtime: [String: Any] = [:]
            let rounded = SessionMetricsReport.rounded
            for cause in ConnectorAvailability.Cause.allCases { downtime[cause.rawValue] = rounded(figures.downtime[cause] ?? 0, 3) }
            return ["totalSeconds": rounded(figures.totalSeconds, 3), "availableSeconds": rounded(figures.availableSeconds, 3),
                    "availability": figures.availability.map { rounded($0, 6) as Any } ?? NSNull(), "downtimeSeconds": downtime,
                    "neverConnected": figures.neverConnected]
        }
        let connectors = self.connectors.map { entry -> [String: Any] in
            var item = object(entry.figures)
            item["station"] = entry.station
            item["site"] = entry.site ?? NSNull()
            item["evse"] = entry.evse
            item["connector"] = entry.connector
            return item
        }
        let stations = self.stations.map { item -> [String: Any] in var value = object(item.figures); value["station"] = item.station; return value }
        let sites = self.sites.map { item -> [String: Any] in var value = object(item.figures); value["site"] = item.site; return value }
        return ["from": StoreTime.format(from), "to": StoreTime.format(to), "connectors": connectors, "stations": stations,
                "sites": sites, "total": object(total)]
    }
}

extension StationStore {
    /// The availability of the connectors of `station` (or of every station on `site`, or of
    /// every station) over `from…to`. `maintenance` gives the windows that apply to a station
    /// (by id and site). A station first heard from inside the range is measured from then, and
    /// over a range that ends before its first contact not at all (0 seconds: it was not yet
    /// commissioned); one never heard from is all offline, flagged. The range ends at `now` at
    /// the latest: the time to come has no status yet (the report's `to` says where it ended).
    /// Connector 0 (1.6: the whole charge point) is not a connector here; its reports are not
    /// counted.
    public func availability(station: String? = nil, site: String? = nil, from: Date, to: Date, now: Date = Date(),
                             maintenance: (_ station: String, _ site: String?) -> [DateInterval]) throws -> AvailabilityReport {
        let range = DateInterval(start: from, end: max(from, min(to, now)))
        let start = StoreTime.format(range.start), end = StoreTime.format(range.end)
        var entries: [AvailabilityReport.Entry] = []
        for record in try stations() where (station == nil || record.id == station) && (site == nil || record.site == site) {
            let before = try database.rows("""
                SELECT online FROM station_connectivity WHERE station = ? AND \(StoreTime.seconds("at")) <= \(StoreTime.seconds("?"))
                ORDER BY at DESC, id DESC LIMIT 1
                """, record.id, start).first?.first?.int.map { $0 == 1 }
            let links = try database.rows("""
                SELECT at, online FROM station_connectivity
                WHERE station = ? AND \(StoreTime.seconds("at")) > \(StoreTime.seconds("?")) AND \(StoreTime.seconds("at")) < \(StoreTime.seconds("?"))
                ORDER BY at, id
                """, record.id, start, end).compactMap { row -> ConnectorAvailability.ConnectivityChange? in
                guard let at = row[0].text.flatMap(StoreTime.parse) else { return nil }
                return .init(at: at, online: row[1].int == 1)
            }
            let statusBefore = try database.rows("""
                SELECT evse, connector, status FROM connector_status_history WHERE id IN (
                    SELECT max(id) FROM (\(Self.stationHistory)) AS history
                    WHERE \(StoreTime.seconds("received_at")) <= \(StoreTime.seconds("?")) GROUP BY evse, connector)
                """, record.id, record.id, start).reduce(into: [ConnectorKey: ConnectorStatus]()) { map, row in
                map[ConnectorKey(evse: row[0].int ?? 0, connector: row[1].int ?? 0)] = ConnectorStatus(rawValue: row[2].text ?? "")
            }
            // A superset of the range to the second; `compute` keeps what lies inside it.
            let reports = try history(of: record.id, columns: "evse, connector, status, received_at", from: range.start, to: range.end).reduce(into: [ConnectorKey: [ConnectorAvailability.StatusChange]]()) { map, row in
                guard let status = ConnectorStatus(rawValue: row[2].text ?? ""), let at = row[3].text.flatMap(StoreTime.parse) else { return }
                map[ConnectorKey(evse: row[0].int ?? 0, connector: row[1].int ?? 0), default: []].append(.init(at: at, status: status))
            }
            // A station is measured from its first contact with Vigil: with no connection known
            // before the range, the time before its first change to online is not counted (it
            // was not yet commissioned). One never online at all stays all offline, flagged.
            var measured = range
            if before == nil, let first = links.first(where: \.online), first.at > range.start {
                measured = DateInterval(start: first.at, end: range.end)
            } else if before == nil, !links.contains(where: \.online), try !database.rows("""
                SELECT 1 FROM station_connectivity WHERE station = ? AND online = 1 AND \(StoreTime.seconds("at")) >= \(StoreTime.seconds("?")) LIMIT 1
                """, record.id, end).isEmpty {
                // First heard from after the range: none of it was in service yet.
                measured = DateInterval(start: range.end, end: range.end)
            }
            let charging = try chargingChanges(station: record.id, from: start, to: end)
            let windows = maintenance(record.id, record.site)
            var units = record.connectors.filter { $0.connector != 0 }.map { ($0.evse, $0.connector) }
            if units.isEmpty { units = [(0, 0)] }
            for (evse, connector) in units.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
                let key = ConnectorKey(evse: evse, connector: connector)
                let figures = ConnectorAvailability.compute(range: measured, connectivity: links, stateBefore: before,
                                                            statuses: reports[key] ?? [], statusBefore: statusBefore[key],
                                                            maintenance: windows, charging: charging.changes[evse] ?? [],
                                                            chargingBefore: try charging.chargingSince[evse].map {
                                                                try chargingCarriedOver(station: record.id, evse: evse, connector: connector, since: $0, until: start)
                                                            } ?? false)
                entries.append(.init(station: record.id, site: record.site, evse: evse, connector: connector, figures: figures))
            }
        }
        return AvailabilityReport(from: range.start, to: range.end, connectors: entries)
    }

    /// A connector of one station, as the history reads key it.
    struct ConnectorKey: Hashable {
        var evse: Int
        var connector: Int
    }

    /// The station's connectivity history (oldest first): what the schema's triggers recorded.
    public func connectivity(of station: String) throws -> [(at: String, online: Bool)] {
        try database.rows("SELECT at, online FROM station_connectivity WHERE station = ? ORDER BY at, id", station)
            .map { ($0[0].text ?? "", $0[1].int == 1) }
    }

    /// One station's status reports received from `from`'s second through `to`'s (a superset
    /// of `from…to` at sub-second precision: callers keep the exact range), `columns` of each
    /// (plain column names), oldest first (by id). Read as two queries — through the station
    /// index up to its mark, then the recent tail after it (`StationIndexPass`) — each in id
    /// order and compared as text (the store writes `received_at` in one fixed form), which
    /// spares the union's sort and a function call per row: a year of a site's history reads
    /// several times faster.
    func history(of station: String, columns: String, from: Date, to: Date) throws -> [[SQLValue]] {
        let low = String(StoreTime.format(from).prefix(19)), high = String(StoreTime.format(to.addingTimeInterval(1)).prefix(19))
        // The mark read once and bound in both: read in each, a pass finishing between the two
        // statements would leave the rows it indexed out of both.
        let mark = try database.rows("SELECT indexed_through FROM row_index_marks WHERE name = 'connector_status_history'").first?.first?.int ?? 0
        let qualified = columns.split(separator: ",").map { "t." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")
        var rows = try database.rows("""
            SELECT \(qualified), t.id FROM connector_status_history_by_station AS s CROSS JOIN connector_status_history AS t
            WHERE t.id = s.id AND t.station = s.station AND s.station = ? AND s.id <= ? AND t.received_at >= ? AND t.received_at < ?
            ORDER BY s.id
            """, station, mark, low, high)
        let tail = try database.rows("""
            SELECT \(columns), id FROM connector_status_history
            WHERE id > ? AND station = ? AND received_at >= ? AND received_at < ? ORDER BY id
            """, mark, station, low, high)
        rows += tail   // every tail row is newer than every indexed one
        return rows
    }

    /// One station's status history (two `?`: the station, twice), through the station index
    /// and the recent tail after its mark (`stationRows`): a plain `WHERE station = ?` would
    /// scan the whole table.
    static let stationHistory = stationRows("connector_status_history", ["evse", "connector", "status", "received_at"])
}
