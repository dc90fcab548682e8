import Foundation
import Store

/// What the registry and sessions say about activity, for the executor's gates and breakers and
/// for authorization: how many stations there are, and whether a session is live.
extension StationStore {
    /// How many stations the registry knows (the fleet breaker's denominator).
    public func stationCount() throws -> Int {
        try database.rows("SELECT count(*) FROM stations").first?.first?.int ?? 0
    }

    /// Whether a transaction is active on a station (on one EVSE when given).
    public func hasActiveSession(station: String, evse: Int?) throws -> Bool {
        !(try database.rows("""
            SELECT 1 FROM sessions WHERE station = ? AND status = 'active' AND (? IS NULL OR evse = ?) LIMIT 1
            """, station, evse, evse).isEmpty)
    }
}

extension StationStore {
    /// Whether `token` has a session running now (other than `excludingRef` at `station`). A
    /// session still open after a day is taken for one whose end was never reported (a charger
    /// that lost it) and does not lock the card out.
    public func hasActiveSession(token: String, excludingRef: String? = nil, station: String? = nil, now: String) throws -> Bool {
        !(try database.rows("""
            SELECT 1 FROM sessions WHERE lower(id_token) = lower(?) AND status = 'active'
              AND \(StoreTime.seconds("created_at")) > \(StoreTime.seconds("?"))
              AND NOT (? IS NOT NULL AND station = ? AND transaction_ref = ?) LIMIT 1
            """, token, StoreTime.shifted(now, by: -86_400), excludingRef, station, excludingRef).isEmpty)
    }
}
