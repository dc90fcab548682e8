import DomainEvents
import Foundation

/// Faults read back from the status history as episodes (`FaultEpisodes`), per connector —
/// with, for 2.0.1 stations, their causes from the NotifyEvent problems in the event log.
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
            var episodes: [ConnectorKey: [FaultEpisodes.Episode]] = [:]
            for (key, list) in reports { episodes[key] = FaultEpisodes.episodes(list, statusBefore: before[key]) }
            if record.ocppVersion == "ocpp2.0.1" {
                // The cause of a 2.0.1 fault is in NotifyEvent: each connector's episodes take
                // it from the problems that concern the connector — its EVSE's and the
                // station's (no EVSE) — all at once, in a fixed order; a problem no episode
                // covers is a fault of its own.
                let all = try problems(station: record.id, from: from, to: to).sorted { $0.key < $1.key }
                    .flatMap { evse, list in list.map { (evse: evse, problem: $0) } }
                var covered = Set<Int>()
                for key in Set(episodes.keys).union(before.keys).sorted(by: { ($0.evse, $0.connector) < ($1.evse, $1.connector) }) {
                    let concerned = all.indices.filter { all[$0].evse == 0 || key.evse == 0 || all[$0].evse == key.evse }
                    guard !concerned.isEmpty, var list = episodes[key] else { continue }
                    for offset in FaultEpisodes.attach(concerned.map { all[$0].problem }, to: &list) { covered.insert(concerned[offset]) }
                    episodes[key] = list
                }
                for (offset, item) in all.enumerated() where !covered.contains(offset) && item.problem.start >= from {
                    let key = episodes.keys.filter { $0.evse == item.evse }.min { $0.connector < $1.connector }
                        ?? before.keys.filter { $0.evse == item.evse }.min { $0.connector < $1.connector }
                        ?? ConnectorKey(evse: item.evse, connector: item.evse == 0 ? 0 : 1)
                    episodes[key, default: []].append(FaultEpisodes.Episode(start: item.problem.start, recovered: item.problem.cleared,
                                                                            ocppErrorCode: item.problem.code,
                                                                            vendorErrorCode: item.problem.vendorErrorCode))
                }
            }
            for (key, list) in episodes.sorted(by: { ($0.key.evse, $0.key.connector) < ($1.key.evse, $1.key.connector) }) {
                let inRange = list.filter { $0.start < to }.sorted { $0.start < $1.start }
                guard !inRange.isEmpty else { continue }
                result.append(ConnectorFaults(station: record, evse: key.evse, connector: key.connector, episodes: inRange))
            }
        }
        return result
    }

    /// A 2.0.1 station's monitored-variable problems (NotifyEvent), by EVSE, raised from a day
    /// before `from` (one still raised when a fault in the range began names it) up to
    /// `recoveryHorizon` after `to`, each with its clear when one followed — from the event log
    /// (kept `eventRetention`, 14 days by default: older 2.0.1 faults keep the status report's
    /// `Faulted`).
    func problems(station: String, from: Date, to: Date) throws -> [Int: [FaultEpisodes.Problem]] {
        let events = try faultEvents(station: station, from: StoreTime.format(from.addingTimeInterval(-86_400)),
                                     to: StoreTime.format(to.addingTimeInterval(Self.recoveryHorizon)), limit: 100_000)
        var problems: [Int: [FaultEpisodes.Problem]] = [:]
        var open: [String: Int] = [:]   // "evse|code" → its index in problems[evse]
        for (_, event) in events {
            guard case .string(let code)? = event.value(of: "ocppErrorCode") else { continue }
            let evse = event.evse ?? 0
            let key = "\(evse)|\(code)"
            if event.kind == .statusChanged {
                guard open[key] == nil else { continue }   // raised again while raised: the same problem
                var techCode: String?
                if case .string(let text)? = event.value(of: "vendorErrorCode"), !text.isEmpty { techCode = text }
                problems[evse, default: []].append(FaultEpisodes.Problem(start: event.time, cleared: nil, code: code, vendorErrorCode: techCode))
                open[key] = (problems[evse]?.count ?? 1) - 1
            } else if let index = open.removeValue(forKey: key) {
                problems[evse]?[index].cleared = event.time
            }
        }
        return problems
    }
}
