import DomainEvents
import Store

/// The CPMS's durable state — registry, status and its history, sessions, tokens, and the
/// tables of the layers above — through the engine-neutral `SQLDatabase` (SQLite by default).
/// One actor owns the write connection and group-commits the hot writes; other processes
/// (the CLI) read the same file, which WAL allows while `vigil serve` writes.
public actor StationStore {
    let database: any SQLDatabase
    var group = GroupCommit()
    /// Copies the WAL into the database file off this thread, once `checkpointInBackground` started it.
    var checkpointer: WALCheckpointer?
    /// Raw OCPP frames waiting for the next group commit (`MessageLog` fills it).
    nonisolated let frameQueue = FrameQueue()
    /// Writes waiting for the next group commit (`committed` fills it from any executor).
    nonisolated let writeQueue = WriteQueue()
    /// Modules' schema tracks already brought up to date on this connection (`DatabaseHost`).
    var adoptedTracks: Set<String> = []
    /// A second, read-only connection (`init(readingFrom:)`): it never migrates.
    nonisolated let isReadOnly: Bool

    /// The thread the store's jobs run on, not the cooperative pool (`ThreadExecutor`).
    nonisolated let executor: ThreadExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// The schema version this build migrates a database to (`PRAGMA user_version`); a
    /// database above it is refused, one below it is migrated at open.
    public static var latestSchemaVersion: Int { CPMSSchema.migrations.latestVersion }

    /// Opens (and migrates) the SQLite database at `path`. Throws `MigrationError` for a
    /// database written by a newer Vigil.
    public init(path: String) throws {
        let database = try SQLiteDatabase(path: path)
        try CPMSSchema.migrations.migrate(database)
        self.database = database
        self.executor = .store
        isReadOnly = false
    }

    /// Opens (and migrates) the database at `location`, SQLite or PostgreSQL.
    public init(location: StoreLocation) throws {
        let database = try location.connect()
        try CPMSSchema.migrations.migrate(database)
        self.database = database
        self.executor = .store
        isReadOnly = false
    }

    /// A second, read-only connection to the database at `location` (already migrated by the
    /// writer), on a thread of its own: reads through it see every committed write and never
    /// wait behind the writer's group commit (SQLite's WAL; PostgreSQL's snapshots).
    public init(readingFrom location: StoreLocation) throws {
        self.database = try location.connect(readOnly: true)
        self.executor = .reads
        isReadOnly = true
    }

    /// Uses an open database of any engine, migrated with `migrations` (the schema in that
    /// engine's DDL; SQLite's by default).
    public init(database: sending any SQLDatabase, migrations: Migrator? = nil) throws {
        try (migrations ?? CPMSSchema.migrations).migrate(database)
        self.database = database
        self.executor = .store
        isReadOnly = false
    }

    /// A second, read-only connection to the SQLite database at `path` (already migrated by
    /// the writer), on a thread of its own: reads through it see every committed write and
    /// never wait behind the writer's group commit (WAL). Writing through it fails.
    public init(readingFrom path: String) throws {
        self.database = try SQLiteDatabase(path: path, readOnly: true)
        self.executor = .reads
        isReadOnly = true
    }

    /// The registration of a station, nil when it is unknown.
    public func registration(of id: String) throws -> String? {
        guard case .text(let value)? = try database.rows("SELECT registration FROM stations WHERE id = ?", id).first?.first else { return nil }
        return value
    }

    /// Records a boot; unknown stations are registered with `registration` unless it is nil. A
    /// station marked rejected is left as it is (its registration is returned).
    public nonisolated func recordBoot(id: String, vendor: String, model: String, serial: String?, firmware: String?, ocppVersion: String,
                                       reason: String?, registrationForUnknown: String?, securityProfile: Int? = nil,
                                       now: String) async throws -> String? {
        try await committed { store in
            switch try store.registration(of: id) {
            case nil:
                guard let registrationForUnknown else { return nil }
                try store.database.run("INSERT INTO stations (id, registration, first_seen) VALUES (?, ?, ?)", id, registrationForUnknown, now)
            case "rejected"?:
                return "rejected"   // nothing a rejected station says is stored (its frames stay in the raw log)
            default:
                break
            }
            try store.database.run("""
                UPDATE stations SET vendor = ?, model = ?, serial = ?, firmware = ?, ocpp_version = ?, last_boot = ?, boot_reason = ?,
                                    last_seen = ?, online = 1, security_profile = coalesce(?, security_profile) WHERE id = ?
                """, vendor, model, serial, firmware, ocppVersion, now, reason, now, securityProfile, id)
            return try store.registration(of: id)
        }
    }

    /// Pre-declares a station (operators do this when unknown stations are rejected or
    /// pending). False when it already exists.
    public func declareStation(id: String, registration: String = "accepted", site: String? = nil) throws -> Bool {
        guard try self.registration(of: id) == nil else { return false }
        try database.run("INSERT INTO stations (id, registration, declared, site) VALUES (?, ?, 1, ?)", id, registration, site)
        return true
    }

    /// Puts a known station on a site (nil takes it off). False when the station is unknown.
    public func setSite(id: String, _ site: String?) throws -> Bool {
        guard try registration(of: id) != nil else { return false }
        try database.run("UPDATE stations SET site = ? WHERE id = ?", site, id)
        return true
    }

    /// Sets a known station's registration (accept a pending one, or reject one).
    public func setRegistration(id: String, _ registration: String) throws -> Bool {
        guard try self.registration(of: id) != nil else { return false }
        try database.run("UPDATE stations SET registration = ? WHERE id = ?", registration, id)
        return true
    }

    /// Removes a station with its connectors, status history and sessions.
    public func removeStation(id: String) throws -> Bool {
        guard try registration(of: id) != nil else { return false }
        try database.transaction {
            try database.run("DELETE FROM stations WHERE id = ?", id)   // its status history goes with it (ON DELETE CASCADE)
            try database.run("DELETE FROM connector_status_history_by_station WHERE station = ?", id)
            try database.run("DELETE FROM charging_states WHERE station = ?", id)
        }
        try rowsRemoved(from: "connector_status_history")
        return true
    }

    /// A connector's last report (status and the fault codes it carried), nil when it never
    /// reported — or when its stored status is not one either OCPP version defines (only an
    /// edit of the database makes one), so the next report overwrites it instead of failing.
    public func lastReport(station: String, evse: Int, connector: Int) throws -> PreviousReport? {
        guard let row = try database.rows("""
            SELECT status, error_code, vendor_error_code, charger_time FROM connectors WHERE station = ? AND evse = ? AND connector = ?
            """, station, evse, connector).first,
              let status = ConnectorStatus(rawValue: row[0].text ?? "") else { return nil }
        return PreviousReport(status: status, errorCode: OCPPErrorCode(row[1].text), vendorErrorCode: row[2].text, chargerTime: row[3].text)
    }

    /// Records a station's connection ended at `at` — never before its last recorded message
    /// (`last_seen`): a broken connection ends when the charger was last heard, which may be a
    /// few milliseconds before that message's handling stamped it, and an end sorted before
    /// the online record would read as online through the whole outage.
    /// Returns whether the station was marked online until now.
    @discardableResult
    public nonisolated func recordDisconnect(id: String, at: String) async throws -> Bool {
        try await committed { store in
            // Compared as instants, to the millisecond (the SQL helpers compare whole seconds).
            let row = try store.database.rows("SELECT last_seen, online FROM stations WHERE id = ?", id).first
            let last = row?[0].text
            let ended = last.flatMap { last in StoreTime.parse(last).flatMap { seen in StoreTime.parse(at).map { $0 < seen ? last : at } } } ?? at
            try store.database.run("UPDATE stations SET last_seen = ?, online = 0 WHERE id = ?", ended, id)
            return row?[1].int != 0
        }
    }

    public nonisolated func recordSeen(id: String, online: Bool, now: String) async throws {
        try await committed { store in
            try store.database.run("UPDATE stations SET last_seen = ?, online = ? WHERE id = ?", now, online, id)
        }
    }

    /// `recordSeen` with `events` appended to the event log in the same write: durable together,
    /// handed to the log's consumers right after that commit.
    public nonisolated func recordSeen(id: String, online: Bool, now: String, appending events: [DomainEvent],
                                       to log: EventLog.InCommitAppend) async throws {
        _ = try await committed({ store in
            try store.database.run("UPDATE stations SET last_seen = ?, online = ? WHERE id = ?", now, online, id)
            return try store.insertEvents(events)
        }, published: { log.published($0) })
    }

    /// Updates a connector's live status and appends to its history, in one transaction.
    /// A station that reports status before it ever booted (a known firmware quirk) is
    /// registered with `registrationForUnknown`; with nil (policy reject) the report is not
    /// stored and false is returned.
    @discardableResult
    public nonisolated func recordStatus(id: String, _ report: StatusReport, registrationForUnknown: String? = nil, queuedOffline: Bool = false,
                             now: String) async throws -> Bool {
        try await recordStatusChange(id: id, report, registrationForUnknown: registrationForUnknown, queuedOffline: queuedOffline,
                                     now: now).stored
    }

    /// How long after a station (re)connects a report it queued while offline can be part of
    /// its replayed backlog: a report older than its connector's current one is superseded only
    /// then — later, a clock set back (an NTP correction, a DST step of firmware that sends local
    /// time) is the likelier reason, and the report is live.
    static let replayWindow: Double = 600

    /// Whether `station` came online within `replayWindow` of `now`.
    func replaying(station: String, now: String) throws -> Bool {
        guard let at = try database.rows("""
            SELECT at FROM station_connectivity WHERE station = ? AND online = 1 ORDER BY id DESC LIMIT 1
            """, station).first?.first?.text.flatMap(StoreTime.parse), let arrival = StoreTime.parse(now) else { return false }
        return arrival.timeIntervalSince(at) <= Self.replayWindow
    }

    /// A connector's report as the next one finds it: status and fault codes.
    public struct PreviousReport: Sendable, Equatable {
        public var status: ConnectorStatus
        public var errorCode: OCPPErrorCode?
        public var vendorErrorCode: String?
        /// The charger's own time of that report (nil when it gave none, or for a report
        /// stored before Vigil kept it).
        public var chargerTime: String? = nil

        /// Whether `report`, queued while the station was offline, is older by the charger's
        /// own clock than this one: it is history, not the connector's state. It goes into the
        /// status history; the live status, the open faults and the rules' view of the
        /// connector stay as the newer report left them (a replayed queue sent after a fresh
        /// Available must not leave an old Faulted as the connector's state). Both times come
        /// from the same clock, so its skew does not matter; a report Vigil did not find
        /// queued (the clock sample) is never superseded; nor is a safety fault
        /// (`recordStatusReport(safetyFault:)`), nor one sent long after the station reconnected
        /// (`replaying`: a clock set back is the likelier reason).
        public func isSuperseded(by report: StatusReport, queuedOffline: Bool) -> Bool {
            guard queuedOffline, let newer = chargerTime.flatMap(StoreTime.parse),
                  let reported = report.chargerTime.flatMap(StoreTime.parse) else { return false }
            return reported < newer
        }
    }

    /// The domain events a status write appends in its own transaction (`appending`): built
    /// from whether the report was stored, the report before it and whether it was queued
    /// while the station was offline (known only inside the write, from the clock sample).
    public struct StatusEvents: Sendable {
        public let make: @Sendable (_ stored: Bool, _ previous: PreviousReport?, _ queuedOffline: Bool, _ superseded: Bool) -> [DomainEvent]
        public let log: EventLog.InCommitAppend

        public init(log: EventLog.InCommitAppend,
                    make: @escaping @Sendable (_ stored: Bool, _ previous: PreviousReport?, _ queuedOffline: Bool, _ superseded: Bool) -> [DomainEvent]) {
            self.make = make
            self.log = log
        }
    }

    /// `recordStatus`, also returning the connector's report before this one (read in the same
    /// transaction: one trip to the store for a StatusNotification). With `appending`, the
    /// events the report gives rise to are appended to the event log in the same write, so
    /// they are durable exactly when the status is (one group commit, not two).
    public nonisolated func recordStatusChange(id: String, _ report: StatusReport, registrationForUnknown: String? = nil, queuedOffline: Bool = false,
                                   now: String, appending: StatusEvents? = nil) async throws -> (stored: Bool, previous: PreviousReport?) {
        let result = try await recordStatusReport(id: id, report, registrationForUnknown: registrationForUnknown, queuedOffline: queuedOffline,
                                                  now: now, appending: appending)
        return (result.stored, result.previous)
    }

    /// `recordStatusChange` with the report's clock sample (`clockOffset`: the charger's
    /// timestamp minus Vigil's clock, in seconds) taken in the same write — the sample decides
    /// whether the report was queued while offline (`recordClockSample`) — so a timestamped
    /// status costs one group commit, not two: a fault waits for one commit before the rules
    /// see it. Without an offset, `queuedOffline` is used as given.
    ///
    /// What a fault report also records goes into the same write, so the charger's answer (and
    /// any command a rule sends after it) waits for one commit, not three: `sessionError`, the
    /// line added to the errors of the session active on the report's EVSE (when the report is
    /// stored), and `catalogGap`, which, given the station's record, names a vendor code the
    /// catalogue cannot explain (counted by `vigil codes gaps`).
    ///
    /// `safetyFault`, given the station's record, says whether the report carries a fault that
    /// is never reset automatically (the catalogue's word; without a catalogue, any fault): such
    /// a report is never superseded — a ground fault, however late it arrives, is the
    /// connector's state and is acted on (fail closed).
    public nonisolated func recordStatusReport(id: String, _ report: StatusReport, registrationForUnknown: String? = nil,
                                               queuedOffline: Bool = false, clockOffset: Double? = nil, now: String,
                                               appending: StatusEvents? = nil, sessionError: String? = nil,
                                               catalogGap: (@Sendable (StationRecord?) -> CatalogGapKey?)? = nil,
                                               safetyFault: (@Sendable (StationRecord?) -> Bool)? = nil)
        async throws -> (stored: Bool, previous: PreviousReport?, queuedOffline: Bool, superseded: Bool) {
        let result = try await committed({ store in
            let queued = try clockOffset.map { try store.clockSample(id: id, offsetSeconds: $0, now: now) } ?? queuedOffline
            let (registration, previous) = try store.statusContext(station: id, evse: report.evse, connector: report.connector)
            // Without a classifier, any fault counts as a safety fault (fail closed).
            let superseded = try (previous?.isSuperseded(by: report, queuedOffline: queued) ?? false)
                && store.replaying(station: id, now: now)
                && !(safetyFault.map { try $0(store.station(id)) } ?? report.carriesFault)
            let stored = try store.writeStatus(id: id, report, registered: registration != nil, registrationForUnknown: registrationForUnknown,
                                               queuedOffline: queued, superseded: superseded, now: now)
            if stored, !superseded, let sessionError { try store.appendSessionError(station: id, evse: report.evse, sessionError) }
            if let catalogGap, let gap = catalogGap(try store.station(id)) { try store.countGap(gap, station: id, now: now) }
            let events = try appending.map { try store.insertEvents($0.make(stored, previous, queued, superseded)) } ?? []
            return (stored: stored, previous: previous, queued: queued, superseded: superseded, events: events)
        }, published: { result in appending?.log.published(result.events) })
        return (result.stored, result.previous, result.queued, result.superseded)
    }

    /// The station's registration and the connector's last report, in one read (a status
    /// report needs both).
    private func statusContext(station: String, evse: Int, connector: Int) throws -> (registration: String?, previous: PreviousReport?) {
        guard let row = try database.rows("""
            SELECT s.registration, c.status, c.error_code, c.vendor_error_code, c.charger_time FROM stations AS s
                LEFT JOIN connectors AS c ON c.station = s.id AND c.evse = ? AND c.connector = ?
                WHERE s.id = ?
            """, evse, connector, station).first else {
            return (nil, try lastReport(station: station, evse: evse, connector: connector))
        }
        let previous = ConnectorStatus(rawValue: row[1].text ?? "").map {
            PreviousReport(status: $0, errorCode: OCPPErrorCode(row[2].text), vendorErrorCode: row[3].text, chargerTime: row[4].text)
        }
        return (row[0].text, previous)
    }

    /// `superseded`: the report is history only (`PreviousReport.isSuperseded`): into the
    /// status history, not the live status nor the open faults.
    private func writeStatus(id: String, _ report: StatusReport, registered: Bool, registrationForUnknown: String?, queuedOffline: Bool,
                             superseded: Bool = false, now: String) throws -> Bool {
        if !registered {
            guard let registrationForUnknown else { return false }
            try database.run("INSERT INTO stations (id, registration, first_seen) VALUES (?, ?, ?)", id, registrationForUnknown, now)
        }
        // Inside the caller's write (`recordStatusReport`'s savepoint): no savepoint of its own.
        if !superseded {
            try database.run("""
                INSERT INTO connectors (station, evse, connector, status, error_code, vendor_id, vendor_error_code, info, updated_at, charger_time)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (station, evse, connector) DO UPDATE SET status = excluded.status, error_code = excluded.error_code,
                    vendor_id = excluded.vendor_id, vendor_error_code = excluded.vendor_error_code, info = excluded.info,
                    updated_at = excluded.updated_at, charger_time = excluded.charger_time
                """, id, report.evse, report.connector, report.status.rawValue, report.errorCode?.rawValue, report.vendorId,
                report.vendorErrorCode,
                report.info, now, report.chargerTime)
        }
        try database.run("""
            INSERT INTO connector_status_history (station, evse, connector, status, error_code, vendor_id, vendor_error_code,
                                                  info, charger_time, received_at, queued_offline)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, id, report.evse, report.connector, report.status.rawValue, report.errorCode?.rawValue, report.vendorId,
            report.vendorErrorCode,
            report.info, report.chargerTime, now, queuedOffline)
        if !superseded { try trackFault(station: id, report, now: now) }
        try database.run("UPDATE stations SET last_seen = ?, online = 1 WHERE id = ?", now, id)
        return true
    }

    static let stationColumns = """
        SELECT id, vendor, model, serial, firmware, ocpp_version, registration, online, first_seen, last_seen, last_boot, site,
               security_profile FROM stations
        """
    static let connectorColumns = """
        SELECT station, evse, connector, status, error_code, vendor_error_code, info, updated_at FROM connectors
        """

    /// Every station with its connectors, in two queries whatever the fleet's size.
    public func stations() throws -> [StationRecord] {
        var connectors: [String: [ConnectorRecord]] = [:]
        for row in try database.rows(Self.connectorColumns + " ORDER BY station, evse, connector") {
            connectors[row[0].text ?? "", default: []].append(try Self.connectorRecord(row))
        }
        return try database.rows(Self.stationColumns + " ORDER BY id").map { Self.stationRecord($0, connectors: connectors[$0[0].text ?? ""] ?? []) }
    }

    public func station(_ id: String) throws -> StationRecord? {
        guard let row = try database.rows(Self.stationColumns + " WHERE id = ?", id).first else { return nil }
        let connectors = try database.rows(Self.connectorColumns + " WHERE station = ? ORDER BY evse, connector", id).map(Self.connectorRecord)
        return Self.stationRecord(row, connectors: connectors)
    }

    static func stationRecord(_ row: [SQLValue], connectors: [ConnectorRecord]) -> StationRecord {
        StationRecord(id: row[0].text ?? "", vendor: row[1].text, model: row[2].text, serial: row[3].text, firmware: row[4].text,
                      ocppVersion: row[5].text, registration: row[6].text ?? "", isOnline: row[7].int == 1,
                      firstSeen: row[8].text, lastSeen: row[9].text, lastBoot: row[10].text, site: row[11].text,
                      securityProfile: row[12].int, connectors: connectors)
    }

    static func connectorRecord(_ row: [SQLValue]) throws -> ConnectorRecord {
        ConnectorRecord(evse: row[1].int ?? 0, connector: row[2].int ?? 0, status: try storedStatus(row[3].text),
                        errorCode: OCPPErrorCode(row[4].text), vendorErrorCode: row[5].text, info: row[6].text,
                        updatedAt: row[7].text ?? "")
    }

    /// A status as the store holds it; text neither OCPP version defines (only an edit of the
    /// database makes one) is reported, not shown as some other status.
    static func storedStatus(_ text: String?) throws -> ConnectorStatus {
        guard let text, let status = ConnectorStatus(rawValue: text) else {
            throw UnreadableStatus(text: text)
        }
        return status
    }

    /// A stored connector status that is not one of OCPP's.
    public struct UnreadableStatus: Error, CustomStringConvertible {
        public let text: String?
        public var description: String { "connector status \"\(text ?? "NULL")\" in the store is not an OCPP status" }
    }

    /// Counts a (vendor, code) the catalogue has no entry for; spellings of one code share
    /// `key` (the code normalised by the vendor's format) and are counted together.
    public nonisolated func recordGap(vendor: String, code: String, key: String, station: String, now: String) async throws {
        try await committed { store in try store.countGap(CatalogGapKey(vendor: vendor, code: code, key: key), station: station, now: now) }
    }

    /// `recordGap` inside a write already open.
    func countGap(_ gap: CatalogGapKey, station: String, now: String) throws {
        try database.run("""
            INSERT INTO catalog_gaps (vendor, code_key, code, count, first_seen, last_seen, example_station) VALUES (?, ?, ?, 1, ?, ?, ?)
            ON CONFLICT (vendor, code_key) DO UPDATE SET count = catalog_gaps.count + 1, last_seen = excluded.last_seen
            """, gap.vendor, gap.key, gap.code, now, now, station)
    }

    /// Catalogue gaps, most frequent first.
    public func gaps() throws -> [CatalogGap] {
        try database.rows("""
            SELECT vendor, code, count, first_seen, last_seen, example_station FROM catalog_gaps ORDER BY count DESC, vendor, code
            """).map { row in
            CatalogGap(vendor: row[0].text ?? "", code: row[1].text ?? "", count: row[2].int ?? 0,
                       firstSeen: row[3].text ?? "", lastSeen: row[4].text ?? "", exampleStation: row[5].text)
        }
    }

    // MARK: - Id tokens

    public func token(_ token: String) throws -> IdTokenRecord? {
        try database.rows("SELECT token, status, expiry, parent, note, sites FROM id_tokens WHERE token = ?", token).first.map(Self.tokenRecord)
    }

    public func tokens() throws -> [IdTokenRecord] {
        try database.rows("SELECT token, status, expiry, parent, note, sites FROM id_tokens ORDER BY token").map(Self.tokenRecord)
    }

    /// Adds `record` unless a token of that name (in any letter case: tokens compare without
    /// case, as OCPP's idTag does) exists; the existing one otherwise, unchanged.
    public func addToken(_ record: IdTokenRecord, now: String) throws -> IdTokenRecord? {
        try database.transaction {
            if let existing = try token(record.token) { return existing }
            try saveToken(record, now: now)
            return nil
        }
    }

    /// Changes the given fields of an existing token (nil: keep; an empty `expiry`, `parent`
    /// or `note`, or empty `sites`, clears it — `sites` nil keeps them); its status stays. The
    /// token as changed, nil when there is none.
    public func updateToken(_ token: String, expiry: String?, parent: String?, note: String?, sites: [String]?,
                            now: String) throws -> IdTokenRecord? {
        try database.transaction {
            guard var record = try self.token(token) else { return nil }
            if let expiry { record.expiry = expiry.isEmpty ? nil : expiry }
            if let parent { record.parent = parent.isEmpty ? nil : parent }
            if let note { record.note = note.isEmpty ? nil : note }
            if let sites { record.sites = sites }
            try saveToken(record, now: now)
            return record
        }
    }

    /// Adds a token, or replaces its status, expiry, parent and note.
    public func saveToken(_ record: IdTokenRecord, now: String) throws {
        try database.run("""
            INSERT INTO id_tokens (token, status, expiry, parent, note, sites, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (token) DO UPDATE SET status = excluded.status, expiry = excluded.expiry, parent = excluded.parent,
                note = excluded.note, sites = excluded.sites, updated_at = excluded.updated_at
            """, record.token, record.status.rawValue, record.expiry, record.parent, record.note,
            record.sites.isEmpty ? nil : record.sites.joined(separator: ","), now, now)
    }

    /// Changes a token's status; false when the token is unknown.
    public func setTokenStatus(_ token: String, _ status: IdTokenRecord.Status, now: String) throws -> Bool {
        guard try self.token(token) != nil else { return false }
        try database.run("UPDATE id_tokens SET status = ?, updated_at = ? WHERE token = ?", status.rawValue, now, token)
        return true
    }

    static func tokenRecord(_ row: [SQLValue]) -> IdTokenRecord {
        IdTokenRecord(token: row[0].text ?? "", status: IdTokenRecord.Status(rawValue: row[1].text ?? "") ?? .invalid,
                      expiry: row[2].text, parent: row[3].text, note: row[4].text,
                      sites: (row[5].text ?? "").split(separator: ",").map(String.init))
    }

    /// One entry of a connector's status history.
    public struct StatusHistoryEntry: Sendable, Equatable {
        public var chargerTime: String?
        public var receivedAt: String
        public var evse: Int
        public var connector: Int
        public var status: ConnectorStatus
        public var errorCode: OCPPErrorCode?
        public var vendorErrorCode: String?
        /// Sent from the charger's offline queue: its time is much older than its arrival.
        public var queuedOffline: Bool
    }

    /// Status history of one station, the newest `limit` entries oldest first, in the order the
    /// charger reported them: by its own time corrected for its clock skew (reports queued while
    /// offline and sent later fall into place), by arrival when it gave no time.
    public func history(_ id: String, limit: Int = 50) throws -> [StatusHistoryEntry] {
        let skew = try clockSkew(of: id) ?? 0
        // The newest arrivals hold the newest reports: a report queued offline arrives late with
        // an old time, never early with a new one. So a window of recent arrivals, sorted by
        // the corrected charger time, gives the newest `limit` reports.
        let window = limit * 2 + 50
        let recent = Self.stationRows("connector_status_history", ["charger_time", "received_at", "evse", "connector", "status", "error_code",
                                                                   "vendor_error_code", "queued_offline"], where: "1 = 1", newestFirst: true)
        let rows = try database.rows("""
            SELECT charger_time, received_at, evse, connector, status, error_code, vendor_error_code, queued_offline, id
            FROM (\(recent)) AS recent ORDER BY id DESC LIMIT ?
            """, Self.stationRowsValues(station: id, condition: [], limit: window) + [window])
        let entries = try rows.map { row -> (reported: Double, id: Int, entry: StatusHistoryEntry) in
            let entry = StatusHistoryEntry(chargerTime: row[0].text, receivedAt: row[1].text ?? "", evse: row[2].int ?? 0,
                                           connector: row[3].int ?? 0, status: try Self.storedStatus(row[4].text),
                                           errorCode: OCPPErrorCode(row[5].text),
                                           vendorErrorCode: row[6].text, queuedOffline: row[7].int == 1)
            let charger = entry.chargerTime.flatMap(StoreTime.parse).map { $0.timeIntervalSince1970 - skew }
            return (charger ?? StoreTime.parse(entry.receivedAt)?.timeIntervalSince1970 ?? 0, row[8].int ?? 0, entry)
        }
        return entries.sorted { ($0.reported, $0.id) < ($1.reported, $1.id) }.suffix(limit).map(\.entry)
    }

    /// The station's clock minus Vigil's, in seconds, as measured so far; nil before any sample.
    public func clockSkew(of id: String) throws -> Double? {
        try database.rows("SELECT clock_skew FROM stations WHERE id = ?", id).first?.first?.real
    }
}

extension StationStore: DatabaseHost {
    /// Runs another module's statements on the store's connection (`DatabaseHost`), its schema
    /// track migrated first (once): Alerts keeps its tables this way.
    public func withDatabase<T: Sendable>(schema: SchemaTrack, _ body: @Sendable (any SQLDatabase) throws -> T) throws -> T {
        try adopt(schema)
        return try body(database)
    }

    public func committing<T: Sendable>(schema: SchemaTrack, _ body: @escaping @Sendable (any SQLDatabase) throws -> T) async throws -> T {
        try adopt(schema)
        return try await committed { store in try body(store.database) }
    }

    /// Brings a module's track up to date once per connection. The read-only connection never
    /// migrates: the writer has (and a gate reading through it must not fail for want of a write).
    private func adopt(_ schema: SchemaTrack) throws {
        if !isReadOnly, !adoptedTracks.contains(schema.name) {
            try schema.migrate(database)
            adoptedTracks.insert(schema.name)
        }
    }
}
