import Foundation
import Store

/// Sessions and their meter samples. Every change commits before the charger is answered
/// (the handler awaits these calls), so an acknowledged start or stop survives a crash.
extension StationStore {
    /// Starts a session, or returns the existing one when the charger retries the same
    /// start (same station and transaction reference). Returns the session id. A station the
    /// registry does not know yet (its first message a start or a stop, no BootNotification
    /// before it) is registered with `registrationForUnknown`, as a status report registers it.
    public nonisolated func startSession(station: String, evse: Int, connector: Int, transactionRef: String?, idToken: String?,
                             authorization: String, startTime: String, meterStartWh: Double?, registrationForUnknown: String? = nil,
                             now: String) async throws -> Int {
        try await committed { store in
            if let transactionRef, let existing = try store.sessionId(station: station, transactionRef: transactionRef) { return existing }
            return try store.database.transaction {
                if let registrationForUnknown {
                    try store.database.run("INSERT INTO stations (id, registration, first_seen) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
                                           station, registrationForUnknown, now)
                }
                // 1.6 chargers learn the id from us: insert with a placeholder reference, then use the row id.
                let id = try store.database.insert("""
                    INSERT INTO sessions (station, evse, connector, transaction_ref, id_token, "authorization", start_time, meter_start,
                                          status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)
                    """, station, evse, connector, transactionRef ?? "pending-\(now)-\(evse)-\(connector)", idToken, authorization,
                    startTime, meterStartWh, now, now)
                if transactionRef == nil { try store.database.run("UPDATE sessions SET transaction_ref = ? WHERE id = ?", String(id), id) }
                try store.noteSuperseded(by: id, ref: transactionRef ?? String(id), station: station, evse: evse, startTime: startTime)
                return id
            }
        }
    }

    /// An EVSE runs one transaction at a time: a session still open there that began before
    /// `startTime` lost its stop (the charger never sent it). It stays as recorded — its energy
    /// is not guessed — with a note saying so; the live-session gate no longer counts it
    /// (`hasActiveSession(station:evse:)`).
    func noteSuperseded(by id: Int, ref: String, station: String, evse: Int, startTime: String) throws {
        try noteEVSEUnknownSuperseded(by: id, ref: ref, station: station, startTime: startTime)
        guard evse > 0 else { return }   // no EVSE chosen yet (2.0.1, authorized first): nothing follows anything
        let open = try database.rows("""
            SELECT s.id, s.anomalies FROM sessions AS s WHERE s.station = ? AND s.evse = ? AND s.status = 'active' AND s.id <> ?
              AND \(StoreTime.seconds("s.start_time")) <= \(StoreTime.seconds("?"))
            """, station, evse, id, startTime)
        try noteSuperseded(open, "superseded: transaction \(ref) started on the same EVSE at \(startTime) and no stop was received for this one")
    }

    /// How long a 2.0.1 session may wait for its EVSE (authorized first, the cable not plugged
    /// in yet) before a later session of the station means it was lost: well past the
    /// connection timeout chargers give a driver to plug in.
    static let evseUnknownFor: Double = 600

    /// Sessions of `station` still on no EVSE that began more than `evseUnknownFor` before
    /// `startTime` are noted superseded by the session `id` starting then (see
    /// `supersededCondition`).
    func noteEVSEUnknownSuperseded(by id: Int, ref: String, station: String, startTime: String) throws {
        let before = StoreTime.shifted(startTime, by: -Self.evseUnknownFor)
        let open = try database.rows("""
            SELECT s.id, s.anomalies FROM sessions AS s WHERE s.station = ? AND s.evse = 0 AND s.status = 'active' AND s.id <> ?
              AND \(StoreTime.seconds("s.start_time")) < \(StoreTime.seconds("?"))
            """, station, id, before)
        try noteSuperseded(open, "superseded: transaction \(ref) started at \(startTime), more than 10 minutes after this one, which never named its EVSE")
    }

    /// Adds `note` to each session of `rows` (id, anomalies) that has no `superseded: ` note yet.
    func noteSuperseded(_ rows: [[SQLValue]], _ note: String) throws {
        for row in rows {
            var anomalies = (row[1].text ?? "").split(separator: ";").map(String.init)
            guard !anomalies.contains(where: { $0.hasPrefix("superseded: ") }) else { continue }
            anomalies.append(note.replacingOccurrences(of: ";", with: ","))
            try database.run("UPDATE sessions SET anomalies = ? WHERE id = ?", anomalies.joined(separator: ";"), row[0].int ?? 0)
        }
    }

    /// A 2.0.1 session begun before an EVSE was chosen (authorized first: stored on EVSE 0)
    /// learns its EVSE and connector from the first later event that names one; a session
    /// already on an EVSE keeps it. Earlier sessions still open on that EVSE are superseded by it.
    public nonisolated func placeSession(id: Int, evse: Int, connector: Int, ref: String, now: String) async throws {
        guard evse > 0 else { return }
        try await committed { store in
            guard let row = try store.database.rows("SELECT station, start_time FROM sessions WHERE id = ? AND evse = 0", id).first,
                  let station = row[0].text, let start = row[1].text else { return }
            try store.database.run("UPDATE sessions SET evse = ?, connector = ?, updated_at = ? WHERE id = ?", evse, connector, now, id)
            try store.noteSuperseded(by: id, ref: ref, station: station, evse: evse, startTime: start)
        }
    }

    /// Fills in what a running session's first event did not say (2.0.1): the token presented
    /// after the start (`Authorized` in an Updated) with Vigil's verdict on it, when the session
    /// has none; and from a Started that arrives after another event of its transaction (the
    /// charger's queue after an outage), the earlier start time and the meter start. A value
    /// the session has is kept; an ended session does not change.
    public nonisolated func completeSessionStart(id: Int, idToken: String?, authorization: String?, startTime: String?,
                                                 meterStartWh: Double?, now: String) async throws {
        try await committed { store in
            try store.database.run("""
                UPDATE sessions SET
                    "authorization" = CASE WHEN id_token IS NULL AND CAST(? AS TEXT) IS NOT NULL THEN CAST(? AS TEXT) ELSE "authorization" END,
                    id_token = COALESCE(id_token, CAST(? AS TEXT)),
                    start_time = CASE WHEN CAST(? AS TEXT) IS NOT NULL AND \(StoreTime.seconds("CAST(? AS TEXT)")) < \(StoreTime.seconds("start_time"))
                                      THEN CAST(? AS TEXT) ELSE start_time END,
                    meter_start = COALESCE(meter_start, CAST(? AS DOUBLE PRECISION)),
                    updated_at = ?
                WHERE id = ? AND status = 'active'
                """, idToken, authorization, idToken, startTime, startTime, startTime, meterStartWh, now, id)
        }
    }

    /// The 1.6 duplicate check: a StartTransaction retried after a lost answer carries the
    /// same connector (stored as the EVSE), token, start time and meter start.
    public func findRetriedStart(station: String, evse: Int, idToken: String, startTime: String, meterStartWh: Double) throws -> Int? {
        try database.rows("""
            SELECT id FROM sessions WHERE station = ? AND evse = ? AND id_token = ? AND start_time = ? AND meter_start = ?
            """, station, evse, idToken, startTime, meterStartWh).first?.first?.int
    }

    public func sessionId(station: String, transactionRef: String) throws -> Int? {
        try database.rows("SELECT id FROM sessions WHERE station = ? AND transaction_ref = ?", station, transactionRef).first?.first?.int
    }

    /// A transaction's session in one read: its id, whether it has ended (an ended session's
    /// record no longer changes: a retried stop is not applied twice, a late report is noted as
    /// an anomaly instead) and its stop time.
    public func session(station: String, transactionRef: String) throws -> TransactionSession? {
        guard let row = try database.rows("""
            SELECT id, status, stop_time, CASE WHEN id_token IS NULL THEN 0 ELSE 1 END,
                   CASE WHEN meter_start IS NULL THEN 0 ELSE 1 END, start_time, evse FROM sessions
            WHERE station = ? AND transaction_ref = ?
            """, station, transactionRef).first, let id = row[0].int else { return nil }
        return TransactionSession(id: id, evse: row[6].int ?? 0, hasEnded: row[1].text == "completed", stopTime: row[2].text,
                                  hasToken: row[3].int == 1, hasMeterStart: row[4].int == 1, startTime: row[5].text ?? "")
    }

    /// A transaction's session as its messages need it: whether it has ended (and when), and
    /// what its first event may not have said (`completeSessionStart`).
    public struct TransactionSession: Sendable {
        public var id: Int
        /// The EVSE it runs on (0 when its first event named none).
        public var evse: Int = 0
        public var hasEnded: Bool
        public var stopTime: String?
        public var hasToken: Bool
        public var hasMeterStart: Bool
        public var startTime: String
    }

    /// Ends a session. A meter that went backwards is recorded as an anomaly and counts
    /// as zero energy; a start or stop reading no meter can show (`MeterReading`) is recorded
    /// as an anomaly and leaves the energy unknown. False when the session is unknown or had already ended (its record is
    /// left as it was).
    @discardableResult
    public nonisolated func stopSession(id: Int, stopTime: String, meterStopWh: Double?, reason: String?, now: String) async throws -> Bool {
        try await committed { store in
            guard let row = try store.database.rows("SELECT meter_start, anomalies, start_time FROM sessions WHERE id = ? AND status <> 'completed'", id)
                .first else { return false }
            var anomalies = (row[1].text ?? "").split(separator: ";").map(String.init)
            if let superseded = anomalies.firstIndex(where: { $0.hasPrefix("superseded: ") }) {
                anomalies[superseded] = anomalies[superseded].hasSuffix("which never named its EVSE")
                    ? "stop received after a later transaction began on the station (this one never named its EVSE)"
                    : "stop received after a later transaction began on the same EVSE"
            }
            if let start = row[2].text.flatMap(StoreTime.parse), let stop = StoreTime.parse(stopTime), stop < start {
                anomalies.append("stopped before it started (\(stopTime) < \(row[2].text ?? "")): the charger's clock")
            }
            // A stop without a register reading (2.0.1 Ended's meter value is optional) ends at the
            // session's last register sample, and a start without one at its first — as billing
            // prices it, so the record and the CDR agree; the anomaly says where the figure came from.
            var meterStop = meterStopWh, meterStart = row[0].real
            if meterStop == nil, let last = try store.registerSample(session: id, last: true) {
                meterStop = last.value
                anomalies.append("no meter reading at the stop: the last register sample (\(Self.wattHours(last.value)) Wh at \(last.at)) taken")
            }
            if meterStart == nil, meterStop != nil, let first = try store.registerSample(session: id, last: false) {
                meterStart = first.value
                anomalies.append("no meter reading at the start: the first register sample (\(Self.wattHours(first.value)) Wh at \(first.at)) taken")
                try store.database.run("UPDATE sessions SET meter_start = ? WHERE id = ?", first.value, id)
            }
            var energy: Double?
            if let start = meterStart, let stop = meterStop {
                if let bogus = [start, stop].first(where: { !MeterReading.isPlausible($0) }) {
                    // As billing: such a reading measures nothing, so neither do reports that sum energies.
                    anomalies.append("meter reading \(bogus) Wh is not a meter's (0 to 10^12 Wh): energy not known")
                } else if stop < start {
                    // As billing prices it (the register held at its highest reading so far), so the
                    // record, the session reports and the CDR agree: a session whose meter was reset
                    // after 5 kWh showed 0 Wh beside a CDR for 5 kWh. What came after the reset counts
                    // for neither (the register cannot tell a reset from a bad reading).
                    let highest = try store.highestRegisterSample(session: id, from: row[2].text, to: stopTime)
                    if let highest, highest > start {
                        energy = highest - start
                        anomalies.append("meter went backwards (\(start) Wh → \(stop) Wh): counted to its highest reading, "
                                         + "\(Self.wattHours(highest)) Wh, as billed")
                    } else {
                        anomalies.append("meter went backwards (\(start) Wh → \(stop) Wh)")
                        energy = 0
                    }
                } else {
                    energy = stop - start
                }
            }
            try store.database.run("""
                UPDATE sessions SET stop_time = ?, meter_stop = ?, energy_wh = ?, stop_reason = ?, status = 'completed', anomalies = ?,
                                    updated_at = ? WHERE id = ?
                """, stopTime, meterStop, energy, reason, anomalies.isEmpty ? nil : anomalies.joined(separator: ";"), now, id)
            return true
        }
    }

    /// A reading as text: whole watt-hours without a fraction.
    static func wattHours(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// The session's last (or first) whole-meter energy register sample, in Wh: the
    /// `Energy.Active.Import.Register` reading without a phase.
    /// The session's highest energy register sample a meter can show (0 to 10^12 Wh) taken
    /// between `from` and `to` (whole seconds; either nil: open), as billing's curve admits it.
    func highestRegisterSample(session: Int, from: String?, to: String) throws -> Double? {
        try database.rows("""
            SELECT max(value) FROM meter_samples WHERE session = ? AND measurand = 'Energy.Active.Import.Register' AND phase IS NULL
                AND (unit IS NULL OR unit = 'Wh') AND value >= 0 AND value <= ?
                AND (CAST(? AS TEXT) IS NULL OR \(StoreTime.seconds("at")) >= \(StoreTime.seconds("?")))
                AND \(StoreTime.seconds("at")) <= \(StoreTime.seconds("?"))
            """, session, MeterReading.plausibleWh.upperBound, from, from, to).first?.first?.real
    }

    func registerSample(session: Int, last: Bool) throws -> (value: Double, at: String)? {
        let order = last ? "DESC" : "ASC"
        guard let row = try database.rows("""
            SELECT value, at FROM meter_samples WHERE session = ? AND measurand = 'Energy.Active.Import.Register' AND phase IS NULL
                AND (unit IS NULL OR unit = 'Wh') ORDER BY at \(order), id \(order) LIMIT 1
            """, session).first, let value = row[0].real, let at = row[1].text else { return nil }
        return (value, at)
    }

    public nonisolated func addSamples(session: Int, _ samples: [MeterSample]) async throws {
        try await committed { store in
            // A reading that is not a finite number (a 2.0.1 value scaled past the largest
            // double) is not kept: no meter shows it, and the column cannot hold it.
            let fresh = samples.map(\.normalised).filter(\.value.isFinite)
            guard let first = fresh.map(\.at).min(), let last = fresh.map(\.at).max() else { return }
            try store.database.transaction {
                // A sample the session already has — the same time, measurand, value, unit, phase
                // and context — is a charger's retry (a TransactionEvent or MeterValues resent
                // after a lost answer, an offline queue replayed): kept once. One read over the
                // batch's time range, through the (session, at) index.
                var seen = Set(try store.database.rows("""
                    SELECT at, measurand, value, unit, phase, context FROM meter_samples WHERE session = ? AND at >= ? AND at <= ?
                    """, session, first, last).map {
                    MeterSample(at: $0[0].text ?? "", measurand: $0[1].text ?? "", value: $0[2].real ?? 0, unit: $0[3].text,
                                phase: $0[4].text, context: $0[5].text)
                })
                for sample in fresh where seen.insert(sample).inserted {
                    try store.database.run("""
                        INSERT INTO meter_samples (session, at, measurand, value, unit, phase, context) VALUES (?, ?, ?, ?, ?, ?, ?)
                        """, session, sample.at, sample.measurand, sample.value, sample.unit, sample.phase, sample.context)
                }
            }
        }
    }

    static let sessionColumns = """
        SELECT id, station, evse, connector, transaction_ref, id_token, "authorization", start_time, stop_time, meter_start,
               meter_stop, energy_wh, stop_reason, status, anomalies, errors FROM sessions
        """

    public func sessions(station: String? = nil, limit: Int = 100) throws -> [SessionRecord] {
        let rows: [[SQLValue]]
        if let station {
            rows = try database.rows(Self.sessionColumns + " WHERE station = ? ORDER BY id DESC LIMIT ?", station, limit)
        } else {
            rows = try database.rows(Self.sessionColumns + " ORDER BY id DESC LIMIT ?", limit)
        }
        return rows.map(Self.sessionRecord)
    }

    public func session(_ id: Int) throws -> SessionRecord? {
        try database.rows(Self.sessionColumns + " WHERE id = ?", id).first.map(Self.sessionRecord)
    }

    static func sessionRecord(_ row: [SQLValue]) -> SessionRecord {
        SessionRecord(id: row[0].int ?? 0, station: row[1].text ?? "", evse: row[2].int ?? 0, connector: row[3].int ?? 0,
                      transactionRef: row[4].text ?? "", idToken: row[5].text, authorization: row[6].text,
                      startTime: row[7].text ?? "", stopTime: row[8].text, meterStartWh: row[9].real, meterStopWh: row[10].real,
                      energyWh: row[11].real, stopReason: row[12].text, isActive: row[13].text == "active",
                      anomalies: (row[14].text ?? "").split(separator: ";").map(String.init),
                      errors: (row[15].text ?? "").split(separator: "\n").map(String.init))
    }

    public func samples(session: Int) throws -> [MeterSample] {
        try database.rows("SELECT at, measurand, value, unit, phase, context FROM meter_samples WHERE session = ? ORDER BY at, id", session)
            .map { MeterSample(at: $0[0].text ?? "", measurand: $0[1].text ?? "", value: $0[2].real ?? 0, unit: $0[3].text,
                               phase: $0[4].text, context: $0[5].text) }
    }
}

extension SQLValue {
    var real: Double? {
        switch self {
        case .real(let value): return value
        case .integer(let value): return Double(value)
        default: return nil
        }
    }
}

extension StationStore {
    /// Seconds by which a report of something that happened at `chargerTime` came late,
    /// after correcting for the station's measured clock skew; nil when it came on time
    /// (within 120 s) or the skew is not measured yet. Messages a charger queued while
    /// offline arrive this way.
    public func reportDelay(station: String, chargerTime: Date, now: Date) throws -> Double? {
        guard let skew = try clockSkew(of: station) else { return nil }   // set with the first sample
        let delay = now.timeIntervalSince(chargerTime) + skew
        return delay > 120 ? delay : nil
    }

    /// Adds a fault the station reported to the sessions running on `evse` (every running
    /// session of the station when `evse` is 0, the station as a whole).
    public nonisolated func recordSessionError(station: String, evse: Int, _ text: String) async throws {
        try await committed { store in try store.appendSessionError(station: station, evse: evse, text) }
    }

    /// `recordSessionError` inside a write already open.
    func appendSessionError(station: String, evse: Int, _ text: String) throws {
        try database.run("""
            UPDATE sessions SET errors = CASE WHEN errors IS NULL THEN ? ELSE errors || ? END
            WHERE station = ? AND status = 'active' AND (evse = ? OR ? = 0)
            """, text, "\n" + text, station, evse, evse)
    }

    /// Adds an anomaly to a session's record, once.
    /// `oncePer`: not added when an anomaly beginning with it is there already.
    public nonisolated func addAnomaly(session: Int, _ text: String, oncePer prefix: String? = nil) async throws {
        try await committed { store in
            try store.database.transaction {
                guard let row = try store.database.rows("SELECT anomalies FROM sessions WHERE id = ?", session).first else { return }
                var anomalies = (row[0].text ?? "").split(separator: ";").map(String.init)
                guard !anomalies.contains(text), !anomalies.contains(where: { prefix.map($0.hasPrefix) ?? false }) else { return }
                anomalies.append(text)
                try store.database.run("UPDATE sessions SET anomalies = ? WHERE id = ?", anomalies.joined(separator: ";"), session)
            }
        }
    }
}
