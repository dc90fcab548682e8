import DomainEvents
import Foundation
import Store

/// Faults a station reported and has not cleared, per EVSE (1.6: connector). The remediation
/// executor reads them before every automatic reset: a station with a fault the catalogue
/// classes as never-reset open on any connector is not reset, whatever a rule says.
///
/// A fault opens with a 1.6 StatusNotification whose errorCode is not NoError (it replaces the
/// connector's earlier code: 1.6 reports one error at a time) or a 2.0.1 NotifyEvent raising a
/// monitored problem. It closes when the connector reports a usable status (anything but
/// Faulted and Unavailable: Unavailable is what Vigil's own disable produces, so it proves
/// nothing) or, in 2.0.1, when the variable clears.
extension StationStore {
    /// One open fault.
    public struct OpenFault: Sendable, Equatable {
        public var station: String
        public var evse: Int
        public var code: OCPPErrorCode
        public var vendorId: String?
        public var vendorErrorCode: String?
        public var info: String?
        public var raisedAt: String
    }

    /// Inside `recordStatus`'s transaction: opens, replaces or closes the connector's fault.
    /// Faulted and Unavailable prove nothing about a fault being gone.
    func trackFault(station: String, _ report: StatusReport, now: String) throws {
        if let code = report.errorCode?.rawValue, report.errorCode?.isFault == true {
            try database.run("DELETE FROM open_faults WHERE station = ? AND evse = ? AND code <> ? AND code NOT LIKE '%/%'",
                             station, report.evse, code)
            try database.run("""
                INSERT INTO open_faults (station, evse, code, vendor_id, vendor_error_code, info, raised_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (station, evse, code) DO UPDATE SET vendor_id = excluded.vendor_id,
                    vendor_error_code = excluded.vendor_error_code, info = excluded.info
                """, station, report.evse, code, report.vendorId, report.vendorErrorCode, report.info, now)
        } else if !report.status.isOutOfService {
            try database.run("DELETE FROM open_faults WHERE station = ? AND evse = ?", station, report.evse)
        }
    }

    /// A 2.0.1 monitored problem turned true (`raised`) or false. A station the registry does
    /// not know yet (a NotifyEvent before any BootNotification) is registered with
    /// `registrationForUnknown`, as a status report registers it; without one it is not stored.
    public nonisolated func recordFault(station: String, evse: Int, code: OCPPErrorCode, vendorErrorCode: String?, info: String?, raised: Bool,
                            registrationForUnknown: String? = nil, now: String) async throws {
        try await committed { store in
            if try store.registration(of: station) == nil {
                guard let registrationForUnknown else { return }
                try store.database.run("INSERT INTO stations (id, registration, first_seen) VALUES (?, ?, ?)", station, registrationForUnknown, now)
            }
            if raised {
                try store.database.run("""
                    INSERT INTO open_faults (station, evse, code, vendor_id, vendor_error_code, info, raised_at) VALUES (?, ?, ?, NULL, ?, ?, ?)
                    ON CONFLICT (station, evse, code) DO UPDATE SET vendor_error_code = excluded.vendor_error_code, info = excluded.info
                    """, station, evse, code.rawValue, vendorErrorCode, info, now)
            } else {
                try store.database.run("DELETE FROM open_faults WHERE station = ? AND evse = ? AND code = ?", station, evse, code.rawValue)
            }
        }
    }

    /// Every fault open at `station`, by EVSE then code.
    public func openFaults(station: String) throws -> [OpenFault] {
        try database.rows("""
            SELECT station, evse, code, vendor_id, vendor_error_code, info, raised_at FROM open_faults WHERE station = ?
            ORDER BY evse, code
            """, station).map { row in
            OpenFault(station: row[0].text ?? station, evse: row[1].int ?? 0, code: OCPPErrorCode(row[2].text ?? ""), vendorId: row[3].text,
                      vendorErrorCode: row[4].text, info: row[5].text, raisedAt: row[6].text ?? "")
        }
    }
}
