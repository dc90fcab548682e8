import Foundation
import Store

/// Trust that does not downgrade: once a station has authenticated (a client certificate
/// naming it, or its password), it is refused without credentials from then on, whatever the
/// global `--station-auth` mode. An operator ends that explicitly (clearing its password).
extension StationStore {
    /// Records that `id` just authenticated (first time: when).
    public func markAuthenticated(id: String, now: String) throws {
        try database.run("UPDATE stations SET authenticated_at = coalesce(authenticated_at, ?) WHERE id = ?", now, id)
    }

    /// When `id` first authenticated, nil when it never did.
    public func authenticatedSince(id: String) throws -> String? {
        try database.rows("SELECT authenticated_at FROM stations WHERE id = ?", id).first?.first?.text
    }

    /// The operator lets the station connect without credentials again.
    public func forgetAuthentication(id: String) throws {
        try database.run("UPDATE stations SET authenticated_at = NULL WHERE id = ?", id)
    }

    /// Records the security profile `id` connected with just now (`stations show`, the API): a
    /// station that reconnects without a BootNotification keeps the profile it really uses.
    public func recordSecurityProfile(id: String, _ profile: Int) throws {
        try database.run("UPDATE stations SET security_profile = ? WHERE id = ? AND (security_profile IS NULL OR security_profile <> ?)", profile, id, profile)
    }
}
