import Foundation
import Store

/// 2.0.1 charging states (TransactionEvent `chargingState`) per EVSE, kept as changes: the
/// utilisation figures' charging time for stations whose connector statuses say only
/// Occupied (`ConnectorAvailability.ChargingChange`).
extension StationStore {
    /// The states that mean energy flowing or paused mid-session, as 1.6's Charging,
    /// SuspendedEV and SuspendedEVSE statuses do.
    static let chargingStates: Set<String> = ["Charging", "SuspendedEV", "SuspendedEVSE"]

    /// Records `state` for the station's EVSE at `now` when it differs from the last one
    /// recorded (most TransactionEvents repeat it), or always for a transaction's first event
    /// (`starting`: a new transaction starts a new stretch, even after one whose end was lost).
    /// `Ended` marks the transaction's end.
    public nonisolated func recordChargingState(station: String, evse: Int, state: String, now: String, starting: Bool = false) async throws {
        try await committed { store in
            let last = try store.database.rows("""
                SELECT state FROM charging_states WHERE station = ? AND evse = ? ORDER BY id DESC LIMIT 1
                """, station, evse).first?.first?.text
            guard starting || last != state else { return }
            try store.database.run("INSERT INTO charging_states (station, evse, state, received_at) VALUES (?, ?, ?, ?)",
                                   station, evse, state, now)
        }
    }

    /// A station's charging changes per EVSE inside `from…to`, and for each EVSE whose last
    /// change before `from` said it was charging, when that was (`chargingCarriedOver` then
    /// says, per connector, whether it still held at `from`).
    func chargingChanges(station: String, from: String, to: String) throws
        -> (changes: [Int: [ConnectorAvailability.ChargingChange]], chargingSince: [Int: String]) {
        var since: [Int: String] = [:]
        for row in try database.rows("""
            SELECT evse, state, received_at FROM charging_states WHERE id IN (
                SELECT max(id) FROM charging_states WHERE station = ? AND \(StoreTime.seconds("received_at")) <= \(StoreTime.seconds("?")) GROUP BY evse)
            """, station, from) where Self.chargingStates.contains(row[1].text ?? "") {
            if let at = row[2].text { since[row[0].int ?? 0] = at }
        }
        var changes: [Int: [ConnectorAvailability.ChargingChange]] = [:]
        for row in try database.rows("""
            SELECT evse, state, received_at FROM charging_states WHERE station = ?
              AND \(StoreTime.seconds("received_at")) > \(StoreTime.seconds("?")) AND \(StoreTime.seconds("received_at")) < \(StoreTime.seconds("?"))
            ORDER BY id
            """, station, from, to) {
            guard let at = row[2].text.flatMap(StoreTime.parse) else { continue }
            changes[row[0].int ?? 0, default: []].append(.init(at: at, charging: Self.chargingStates.contains(row[1].text ?? "")))
        }
        return (changes, since)
    }

    /// Whether a connector whose EVSE was charging since `since` still was at `from`: no report
    /// of that connector other than Occupied came between (a transaction whose end was lost does
    /// not charge the next vehicle's spell, wherever the range starts; another connector of the
    /// EVSE reporting Unavailable while this one is in use does not end it).
    func chargingCarriedOver(station: String, evse: Int, connector: Int, since: String, until from: String) throws -> Bool {
        let condition = "evse = ? AND connector = ? AND status <> 'Occupied' AND \(StoreTime.seconds("received_at")) >= \(StoreTime.seconds("?")) "
            + "AND \(StoreTime.seconds("received_at")) <= \(StoreTime.seconds("?"))"
        return try database.rows("SELECT 1 FROM (\(Self.stationRows("connector_status_history", ["received_at"], where: condition, newestFirst: true))) AS ended LIMIT 1",
                                 Self.stationRowsValues(station: station, condition: [evse, connector, since, from], limit: 1)).isEmpty
    }
}
