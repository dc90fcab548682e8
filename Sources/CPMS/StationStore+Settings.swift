import Store

/// Operator settings the executor reads (the kill switch `remediation.paused`), with who set
/// them and when.
extension StationStore {
    public func setting(_ key: String) throws -> String? {
        try database.rows("SELECT value FROM settings WHERE key = ?", key).first?.first?.text
    }

    public func setSetting(_ key: String, _ value: String, by person: String, now: String) throws {
        try database.run("""
            INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by
            """, key, value, now, person)
    }
}
