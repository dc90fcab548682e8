import Store

/// The executor's durable switches (`settings`: the kill switch `remediation.paused`, each
/// station's reboot-loop breaker `breaker.<station>`), with who set them and when — a table this
/// module owns, run on the process's `DatabaseHost` (the gates read it through the read-only
/// connection). The table predates schema tracks (the CPMS list made it); changes from now on
/// are this module's "remediation-settings" track.
public struct RemediationSettings: Sendable {
    let host: any DatabaseHost

    public init(host: any DatabaseHost) {
        self.host = host
    }

    public static let schema = SchemaTrack(name: "remediation-settings", migrations: [])

    public func setting(_ key: String) async throws -> String? {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("SELECT value FROM settings WHERE key = ?", key).first?.first?.text
        }
    }

    public func setSetting(_ key: String, _ value: String, by person: String, now: String) async throws {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.run("""
                INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by
                """, key, value, now, person)
        }
    }
}
