import Store
import VendorCatalog

/// One station's alerts, their deliveries and the silences that cover it, within a time range
/// (`vigil stations timeline`). Times are the store's form (UTC, milliseconds), inclusive.
extension AlertStore {
    /// Alerts about `station` that were raised, repeated or resolved within `from…to` (either
    /// may be nil): the newest `limit`, oldest first.
    public func alerts(station: String, from: String?, to: String?, limit: Int) async throws -> [AlertRow] {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("SELECT * FROM (" + AlertStore.alertColumns + """
                 WHERE station = ? AND (? IS NULL OR last_seen >= ? OR resolved_at >= ?) AND (? IS NULL OR first_seen <= ?)
                 ORDER BY id DESC LIMIT ?) AS recent ORDER BY id
                """, station, from, from, from, to, to, limit).map(AlertStore.alertRow)
        }
    }

    /// Every delivery of the alerts `ids`, oldest first.
    public func deliveries(alertIds ids: [Int]) async throws -> [OutboxRow] {
        guard !ids.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        return try await host.withDatabase(schema: Self.schema) { database in
            try database.rows(AlertStore.outboxColumns + " WHERE alert_id IN (\(marks)) ORDER BY id", ids.map { $0 as any SQLBindable })
                .map(AlertStore.outboxRow)
        }
    }

    /// Silences whose scope takes in `station` — named, its `site` named, or neither named (a
    /// rule's or a severity's silence, fleet-wide) — and whose time overlaps `from…to`.
    public func silences(covering station: String, site: String?, from: String?, to: String?) async throws -> [SilenceRow] {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("""
                SELECT id, rule, station, site, severity, starts_at, ends_at, created_by, reason FROM silences
                WHERE (station = ? OR (station IS NULL AND (site IS NULL OR site = ?)))
                  AND (? IS NULL OR ends_at >= ?) AND (? IS NULL OR starts_at <= ?)
                ORDER BY id
                """, station, site, from, from, to, to).map { row in
                SilenceRow(id: row[0].int ?? 0, rule: row[1].text, station: row[2].text, site: row[3].text,
                           severity: row[4].text.flatMap(Severity.init(rawValue:)), startsAt: row[5].text ?? "", endsAt: row[6].text ?? "",
                           createdBy: row[7].text ?? "", reason: row[8].text ?? "")
            }
        }
    }
}
