import DomainEvents
import Foundation

/// Faults read back from the status history as episodes (`FaultEpisodes`), per connector.
extension StationStore {
    /// One connector's fault episodes, with its station's registry record.
    public struct ConnectorFaults: Sendable {
        public var station: StationRecord
        public var evse: Int
        public var connector: Int
        public var episodes: [FaultEpisodes.Episode]
    }

    /// How long after a range a recovery is looked for: a fault that began near the end of
    /// the range and cleared soon after still has its time to recovery measured.
    public static let recoveryHorizon: TimeInterval = 7 * 86_400

    /// The fault episodes of each connector of `station` (or of every station on `site`, or of
    /// every station) that began in `from…to` (a fault already open at `from` is not one of
    /// them), reading each station's status history through its index, from the last
    /// report before `from` to `recoveryHorizon` after `to`. Connector 0 (1.6: the whole
    /// charge point) is included: a fault it reports is the station's.
    public func faultEpisodes(station: String? = nil, site: String? = nil, from: Date, to: Date) throws -> [ConnectorFaults] {
        let start = StoreTime.format(from)
        var result: [ConnectorFaults] = []
        for record in try stations() where (station == nil || record.id == station) && (site == nil || record.site == site) {
            let before = try database.rows("""
                SELECT evse, connector, status FROM connector_status_history WHERE id IN (
                    SELECT max(id) FROM (\(Self.stationHistory)) AS history
                    WHERE \(StoreTime.seconds("received_at")) < \(StoreTime.seconds("?")) GROUP BY evse, connector)
                """, record.id, record.id, start).reduce(into: [ConnectorKey: ConnectorStatus]()) { map, row in
                map[ConnectorKey(evse: row[0].int ?? 0, connector: row[1].int ?? 0)] = ConnectorStatus(rawValue: row[2].text ?? "")
            }
            // Only the reports an episode is made of are kept (and their times read): each
            // Faulted one, and the first usable one after a fault — in received order, the
            // order `FaultEpisodes` reads them in. Most reports are neither.
            var reports: [ConnectorKey: [FaultEpisodes.Report]] = [:]
            var faulted = before.mapValues { $0 == .faulted }
            for row in try history(of: record.id, columns: "evse, connector, status, received_at, error_code, vendor_error_code",
                                   from: from, to: to.addingTimeInterval(Self.recoveryHorizon)) {
                guard let status = ConnectorStatus(rawValue: row[2].text ?? "") else { continue }
                let key = ConnectorKey(evse: row[0].int ?? 0, connector: row[1].int ?? 0)
                let wasFaulted = faulted[key] ?? false
                guard status == .faulted || (wasFaulted && status != .unavailable) else { continue }
                guard let at = row[3].text.flatMap(StoreTime.parse) else { continue }
                faulted[key] = status == .faulted
                reports[key, default: []].append(.init(at: at, status: status, errorCode: row[4].text, vendorErrorCode: row[5].text))
            }
            for (key, list) in reports.sorted(by: { ($0.key.evse, $0.key.connector) < ($1.key.evse, $1.key.connector) }) {
                let episodes = FaultEpisodes.episodes(list, statusBefore: before[key]).filter { $0.start < to }
                guard !episodes.isEmpty else { continue }
                result.append(ConnectorFaults(station: record, evse: key.evse, connector: key.connector, episodes: episodes))
            }
        }
        return result
    }
}
