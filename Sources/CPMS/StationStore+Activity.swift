import Foundation
import Store

/// What the registry and sessions say about activity, for the executor's gates and breakers and
/// for authorization: how many stations there are, and whether a session is live.
extension StationStore {
    /// How many stations the registry knows (the fleet breaker's denominator).
    public func stationCount() throws -> Int {
        try database.rows("SELECT count(*) FROM stations").first?.first?.int ?? 0
    }

    /// Whether a transaction is active on a station (on one EVSE when given). A session whose
    /// stop never arrived but that a later session on the same EVSE has superseded
    /// (`supersededCondition`: an EVSE runs one transaction at a time) is not running, and does
    /// not hold the station's resets back for good.
    public func hasActiveSession(station: String, evse: Int?) throws -> Bool {
        !(try database.rows("""
            SELECT 1 FROM sessions AS s WHERE s.station = ? AND s.status = 'active' AND (? IS NULL OR s.evse = ?)
              AND NOT \(Self.supersededCondition("s")) LIMIT 1
            """, station, evse, evse).isEmpty)
    }

    /// SQL true when the session row `alias` has a later session on its station's same EVSE —
    /// recorded after it (a later row: Vigil heard of it later) and started no earlier by the
    /// charger's clock — and no meter sample of its own after that start (a reading says it
    /// still runs). Both orders, because a charger's clock alone can lie: a session stamped two
    /// hours ahead by a clock set wrong, then ended, made the open session that followed it look
    /// superseded (its card passed as not charging, its resets were no longer held). EVSE 0 is
    /// no EVSE: a 2.0.1 transaction begun before an EVSE was chosen (authorized first) is stored
    /// there, and two of them are not one after the other. One that never learns its EVSE (`placeSession`) is superseded once a
    /// session of the station starts more than `evseUnknownFor` after it (`noteSuperseded` notes
    /// it on the record) and it has no reading since a later session began: a lost transaction
    /// does not hold the station's resets and its card back for good, a charging one does.
    static func supersededCondition(_ alias: String) -> String {
        """
        ((\(alias).evse > 0 OR ';' || COALESCE(\(alias).anomalies, '') || ';' LIKE '%;superseded: %')
         AND EXISTS (SELECT 1 FROM sessions AS later WHERE later.station = \(alias).station AND (\(alias).evse = 0 OR later.evse = \(alias).evse)
                AND later.id > \(alias).id AND \(StoreTime.seconds("later.start_time")) >= \(StoreTime.seconds("\(alias).start_time"))
                AND NOT EXISTS (SELECT 1 FROM meter_samples AS m WHERE m.session = \(alias).id
                                AND \(StoreTime.seconds("m.at")) > \(StoreTime.seconds("later.start_time")))))
        """
    }
}

extension StationStore {
    /// Whether `token` has a session running now that counts against a new one at `station`
    /// (on its EVSE `evse`, 1.6: connector, when the request names one). Not counted:
    /// `excludingRef` (the session being started or continued); a session still open after a
    /// day (taken for one whose end was never reported: a charger that lost it); and a session
    /// the asking station itself can no longer be running — one on the same EVSE (a connector
    /// holds one transaction: the new start supersedes it), one superseded already
    /// (`supersededCondition`), or one that began before the
    /// station's last boot (it rebooted since; the driver presents the card again there); nor
    /// a session whose EVSE has reported every connector Available since it began (its stop
    /// was lost: nothing charges there; an Available from before the start — a 2.0.1
    /// transaction begun at authorization, before the cable — still counts).
    public func hasActiveSession(token: String, excludingRef: String? = nil, station: String, evse: Int? = nil, now: String) throws -> Bool {
        !(try database.rows("""
            SELECT 1 FROM sessions WHERE lower(id_token) = lower(?) AND status = 'active'
              AND \(StoreTime.seconds("created_at")) > \(StoreTime.seconds("?"))
              AND NOT (CAST(? AS TEXT) IS NOT NULL AND station = ? AND transaction_ref = ?)
              AND NOT (station = ? AND CAST(? AS INTEGER) IS NOT NULL AND evse = ?)
              AND NOT \(Self.supersededCondition("sessions"))
              AND NOT (station = ? AND \(StoreTime.seconds("created_at")) <
                       coalesce((SELECT \(StoreTime.seconds("last_boot")) FROM stations WHERE id = ?), ''))
              AND NOT (EXISTS (SELECT 1 FROM connectors c WHERE c.station = sessions.station AND c.evse = sessions.evse AND c.connector <> 0)
                       AND NOT EXISTS (SELECT 1 FROM connectors c WHERE c.station = sessions.station AND c.evse = sessions.evse
                                       AND c.connector <> 0 AND (c.status <> 'Available'
                                            OR \(StoreTime.seconds("c.updated_at")) <= \(StoreTime.seconds("sessions.created_at")))))
              LIMIT 1
            """, token, StoreTime.shifted(now, by: -86_400), excludingRef, station, excludingRef, station, evse, evse,
            station, station).isEmpty)
    }
}
