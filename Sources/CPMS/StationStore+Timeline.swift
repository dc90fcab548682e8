import DomainEvents
import Foundation
import Store

/// The CPMS rows of one station within a time range, for `vigil stations timeline`
/// (`StationTimeline` in Remediation merges them with the other modules' records).
///
/// Times are compared to the second in SQL (`StoreTime.seconds`: rows written before the clock
/// read milliseconds carry whole seconds, and `…:00Z` does not sort as text against
/// `…:00.000Z`), so a bound's own second is taken in whole; the caller filters to the
/// millisecond. Each read returns the newest `limit` rows of the range, oldest first.
extension StationStore {
    /// One status report as `connector_status_history` keeps it.
    public struct StatusReportRow: Sendable, Equatable {
        public var id: Int
        public var evse: Int
        public var connector: Int
        public var status: String
        public var errorCode: String?
        public var vendorId: String?
        public var vendorErrorCode: String?
        public var info: String?
        /// The charger's own time for the report, as it sent it; nil when it gave none.
        public var chargerTime: String?
        /// When Vigil received it (its clock, the store's form).
        public var receivedAt: String
        /// Sent late, after the station was offline (its time far behind what its clock skew explains).
        public var queuedOffline: Bool

        public init(id: Int, evse: Int, connector: Int, status: String, errorCode: String? = nil, vendorId: String? = nil,
                    vendorErrorCode: String? = nil, info: String? = nil, chargerTime: String? = nil, receivedAt: String,
                    queuedOffline: Bool = false) {
            (self.id, self.evse, self.connector, self.status, self.errorCode) = (id, evse, connector, status, errorCode)
            (self.vendorId, self.vendorErrorCode, self.info, self.chargerTime) = (vendorId, vendorErrorCode, info, chargerTime)
            (self.receivedAt, self.queuedOffline) = (receivedAt, queuedOffline)
        }
    }

    /// One frame of the raw log.
    public struct FrameRow: Sendable, Equatable {
        public var id: Int
        public var incoming: Bool
        /// When it was received or sent: milliseconds since serve's clock reads them, whole
        /// seconds in older rows.
        public var at: String
        public var text: String

        public init(id: Int, incoming: Bool, at: String, text: String) {
            (self.id, self.incoming, self.at, self.text) = (id, incoming, at, text)
        }
    }

    /// One change of the station's connection, as `station_connectivity` keeps it.
    public struct ConnectivityRow: Sendable, Equatable {
        public var id: Int
        /// When: for coming online, when the station connected (its first message); for going
        /// offline, the last time it was heard from.
        public var at: String
        public var online: Bool

        public init(id: Int, at: String, online: Bool) {
            (self.id, self.at, self.online) = (id, at, online)
        }
    }

    /// Which frames a read takes.
    public enum FrameSelection: Sendable {
        /// Vigil's own calls to the station (CALLs out) and the station's answers to them
        /// (CALLRESULT and CALLERROR in), and the station's BootNotifications: few, and what was
        /// done to the station and when it started.
        case vigilsCalls
        /// Every frame, both ways.
        case all
    }

    /// The columns of a status report row `statusReports` reads (besides `id`).
    static let statusReportColumns = ["evse", "connector", "status", "error_code", "vendor_id", "vendor_error_code", "info",
                                      "charger_time", "received_at", "queued_offline"]

    /// Status reports of `station` received within `from…to` (either may be nil), through the
    /// station index (`stationRows`).
    public func statusReports(station: String, from: String?, to: String?, limit: Int) throws -> [StatusReportRow] {
        let window = """
            (? IS NULL OR \(StoreTime.seconds("received_at")) >= \(StoreTime.seconds("?")))
            AND (? IS NULL OR \(StoreTime.seconds("received_at")) <= \(StoreTime.seconds("?")))
            """
        let rows = Self.stationRows("connector_status_history", Self.statusReportColumns, where: window, newestFirst: true)
        return try database.rows("""
            SELECT id, evse, connector, status, error_code, vendor_id, vendor_error_code, info, charger_time, received_at, queued_offline
            FROM (SELECT * FROM (\(rows)) AS station_rows ORDER BY id DESC LIMIT ?) AS recent
            ORDER BY id
            """, Self.stationRowsValues(station: station, condition: [from, from, to, to], limit: limit) + [limit]).map { row in
            StatusReportRow(id: row[0].int ?? 0, evse: row[1].int ?? 0, connector: row[2].int ?? 0, status: row[3].text ?? "",
                            errorCode: row[4].text, vendorId: row[5].text, vendorErrorCode: row[6].text, info: row[7].text,
                            chargerTime: row[8].text, receivedAt: row[9].text ?? "", queuedOffline: row[10].int == 1)
        }
    }

    /// Frames of `station` within `from…to`: Vigil's calls and their answers, or every frame.
    /// A frame's kind is read from its first characters (`[2,` a CALL, `[3,` a CALLRESULT,
    /// `[4,` a CALLERROR), as Vigil and the usual charger libraries write them; a boot by its
    /// action's quoted name in an incoming CALL.
    public func frames(station: String, from: String?, to: String?, selection: FrameSelection, limit: Int) throws -> [FrameRow] {
        let which = selection == .all ? "" : """
             AND ((incoming = 0 AND ltrim(substr(text, 2, 3)) LIKE '2%')
                  OR (incoming = 1 AND (ltrim(substr(text, 2, 3)) LIKE '3%' OR ltrim(substr(text, 2, 3)) LIKE '4%'))
                  OR (incoming = 1 AND ltrim(substr(text, 2, 3)) LIKE '2%' AND text LIKE '%"BootNotification"%'))
            """
        let window = """
            (? IS NULL OR \(StoreTime.seconds("at")) >= \(StoreTime.seconds("?")))
            AND (? IS NULL OR \(StoreTime.seconds("at")) <= \(StoreTime.seconds("?")))\(which)
            """
        let rows = Self.stationRows("ocpp_messages", ["incoming", "at", "text"], where: window, newestFirst: true)
        return try database.rows("""
            SELECT id, incoming, at, text FROM (SELECT * FROM (\(rows)) AS station_rows ORDER BY id DESC LIMIT ?) AS recent
            ORDER BY id
            """, Self.stationRowsValues(station: station, condition: [from, from, to, to], limit: limit) + [limit]).compactMap { row in
            let frame = FrameRow(id: row[0].int ?? 0, incoming: row[1].int == 1, at: row[2].text ?? "", text: row[3].text ?? "")
            // The text match above also takes a call that merely mentions the name (a DataTransfer's vendorId).
            if selection == .vigilsCalls, frame.incoming, frame.text.dropFirst().drop(while: \.isWhitespace).hasPrefix("2"),
               Self.callAction(frame.text) != "BootNotification" { return nil }
            return frame
        }
    }

    /// A CALL's action (`[2,"id","Action",{…}]`), nil for anything else.
    static func callAction(_ text: String) -> String? {
        guard let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any], array.count >= 3,
              array[0] as? Int == 2 else { return nil }
        return array[2] as? String
    }

    /// The station's connections and disconnections within `from…to`, the newest `limit`, oldest first.
    public func connectivity(station: String, from: String?, to: String?, limit: Int) throws -> [ConnectivityRow] {
        try database.rows("""
            SELECT id, at, online FROM (SELECT id, at, online FROM station_connectivity
                WHERE station = ?
                  AND (? IS NULL OR \(StoreTime.seconds("at")) >= \(StoreTime.seconds("?")))
                  AND (? IS NULL OR \(StoreTime.seconds("at")) <= \(StoreTime.seconds("?")))
                ORDER BY id DESC LIMIT ?) AS recent
            ORDER BY id
            """, station, from, from, to, to, limit).map { ConnectivityRow(id: $0[0].int ?? 0, at: $0[1].text ?? "", online: $0[2].int == 1) }
    }

    /// The 2.0.1 faults (a monitored `Component/Variable` problem raised or cleared by
    /// NotifyEvent) of `station` within `from…to`, from the event log: the open-fault table
    /// keeps only what is open now, and these reports have no status-history row. Each comes
    /// with its sequence in the log.
    public func faultEvents(station: String, from: String?, to: String?, limit: Int) throws -> [(sequence: Int, event: DomainEvent)] {
        try database.rows("""
            SELECT id, json FROM (SELECT id, json FROM domain_events
                WHERE station = ? AND kind IN ('statusChanged', 'faultCleared') AND json LIKE '%"ocppErrorCode":"%/%'
                  AND (? IS NULL OR \(StoreTime.seconds("at")) >= \(StoreTime.seconds("?")))
                  AND (? IS NULL OR \(StoreTime.seconds("at")) <= \(StoreTime.seconds("?")))
                ORDER BY id DESC LIMIT ?) AS recent
            ORDER BY id
            """, station, from, from, to, to, limit).compactMap { row -> (Int, DomainEvent)? in
            // An event the log cannot read back is left out here; the rules' replay reports it.
            guard let json = row[1].text, let event = try? DomainEvent.decode(storageJSON: json),
                  case .string(let code)? = event.value(of: "ocppErrorCode"), code.contains("/") else { return nil }
            return (row[0].int ?? 0, event)
        }
    }
}
