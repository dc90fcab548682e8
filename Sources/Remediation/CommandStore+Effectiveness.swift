import CPMS
import Foundation

/// Remediation effectiveness over a range (`RemediationEffectiveness`), read from the command
/// records and the status history's fault episodes.
public struct RemediationEffectivenessReport: Sendable {
    public var from: Date
    public var to: Date
    public var figures: RemediationEffectiveness.Figures

    /// The JSON shape of `vigil metrics remediation --json` and `GET /api/v1/metrics/remediation`.
    public var jsonObject: [String: Any] {
        func optional(_ value: Double?) -> Any { value.map { $0 as Any } ?? NSNull() }
        func counts(_ row: RemediationEffectiveness.Row) -> [String: Any] {
            ["actions": row.actions, "verified": row.verified, "verifiedShare": optional(row.verifiedShare),
             "medianRecoverySeconds": optional(row.medianRecoverySeconds)]
        }
        return [
            "from": StoreTime.format(from), "to": StoreTime.format(to),
            "byRule": figures.byRule.map { row in counts(row).merging(["rule": row.key.first ?? ""]) { $1 } },
            "byModel": figures.byModel.map { row in
                counts(row).merging(["vendor": row.key.first ?? "-", "model": row.key.dropFirst().first ?? "-"]) { $1 }
            },
            "medianRecoveryWithActionSeconds": optional(figures.medianRecoveryWithActionSeconds),
            "medianRecoveryWithoutActionSeconds": optional(figures.medianRecoveryWithoutActionSeconds),
        ]
    }
}

extension CommandStore {
    /// Remediation effectiveness of the commands created in `from…to` and the faults begun in
    /// it, for every station or `site`'s. Vendor and model are the command record's when it
    /// kept them, else the station registry's, `-` when neither knows (as `remediationStats`).
    public func effectiveness(store: StationStore, site: String? = nil, from: Date, to: Date) async throws -> RemediationEffectivenessReport {
        let range = DateInterval(start: from, end: max(from, to))
        let start = StoreTime.format(range.start), end = StoreTime.format(range.end)
        // To the second in SQL (both bounds inclusive: a command in `to`'s own second is read),
        // to the millisecond in the calculation, which keeps only `from ≤ created < to`.
        let actions = try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("""
                SELECT c.rule, c.station, c.connector, coalesce(c.vendor, s.vendor, '-'), coalesce(c.model, s.model, '-'), c.created_at,
                       c.status, c.verified
                FROM remediation_commands c LEFT JOIN stations s ON s.id = c.station
                WHERE \(StoreTime.seconds("c.created_at")) >= \(StoreTime.seconds("?")) AND \(StoreTime.seconds("c.created_at")) <= \(StoreTime.seconds("?"))
                  AND (? IS NULL OR s.site = ?)
                ORDER BY c.id
                """, start, end, site, site).compactMap { row -> RemediationEffectiveness.Action? in
                guard let created = row[5].text.flatMap(StoreTime.parse) else { return nil }
                return RemediationEffectiveness.Action(rule: row[0].text ?? "", station: row[1].text ?? "", connector: row[2].int,
                                                       vendor: row[3].text ?? "-", model: row[4].text ?? "-", createdAt: created,
                                                       status: row[6].text.flatMap(CommandStatus.init(rawValue:)) ?? .unknown,
                                                       verified: row[7].int.map { $0 == 1 })
            }
        }
        let faults = try await store.faultEpisodes(site: site, from: range.start, to: range.end).map {
            RemediationEffectiveness.Faults(station: $0.station.id, evse: $0.evse, episodes: $0.episodes)
        }
        return RemediationEffectivenessReport(from: range.start, to: range.end,
                                              figures: RemediationEffectiveness.compute(actions: actions, faults: faults, range: range))
    }
}
