import CPMS
import Store

/// How one remedy fared for one vendor, model, firmware and code (`vigil remediation stats`):
/// every command recorded, counted by how it ended, and how many verification judged.
public struct RemedyRecord: Sendable, Equatable {
    public var vendor: String
    public var model: String
    public var firmware: String
    public var code: String
    /// The action and its argument: `reset Soft`, `triggerMessage StatusNotification`.
    public var action: String
    /// Commands by status; a status none ended in is absent.
    public var counts: [CommandStatus: Int]
    /// Commands verification said worked, and said did not.
    public var verified: Int
    public var notVerified: Int

    public init(vendor: String, model: String, firmware: String, code: String, action: String,
                counts: [CommandStatus: Int] = [:], verified: Int = 0, notVerified: Int = 0) {
        self.vendor = vendor
        self.model = model
        self.firmware = firmware
        self.code = code
        self.action = action
        self.counts = counts
        self.verified = verified
        self.notVerified = notVerified
    }

    /// Every command recorded, whatever became of it.
    public var total: Int { counts.values.reduce(0, +) }

    public func count(_ status: CommandStatus) -> Int { counts[status] ?? 0 }

    /// The share of judged commands that worked, nil when none was judged.
    public var successRate: Double? {
        verified + notVerified == 0 ? nil : Double(verified) / Double(verified + notVerified)
    }
}

extension CommandStore {
    /// Every command recorded, grouped by vendor, model, firmware, catalogue code and action,
    /// counted by status (refused, held and dry-run ones too: what was decided and not sent is
    /// part of how a remedy fares). Vendor, model and firmware are the command record's when it
    /// kept them, else the station registry's as it stands now; `-` when neither knows. Most
    /// used first, then by the grouping, so the order is stable.
    public func remediationStats() async throws -> [RemedyRecord] {
        try await host.withDatabase(schema: Self.schema) { database in
            let rows = try database.rows("""
                SELECT coalesce(c.vendor, s.vendor, '-'), coalesce(c.model, s.model, '-'), coalesce(s.firmware, '-'), coalesce(c.code, '-'),
                       c.action || coalesce(' ' || c.argument, ''), c.status, count(*),
                       sum(CASE WHEN c.verified = 1 THEN 1 ELSE 0 END), sum(CASE WHEN c.verified = 0 THEN 1 ELSE 0 END)
                FROM remediation_commands c LEFT JOIN stations s ON s.id = c.station
                GROUP BY 1, 2, 3, 4, 5, 6
                """)
            var records: [[String]: RemedyRecord] = [:]
            for row in rows {
                let key = (0..<5).map { row[$0].text ?? "-" }
                var record = records[key] ?? RemedyRecord(vendor: key[0], model: key[1], firmware: key[2], code: key[3], action: key[4])
                let status = row[5].text.flatMap(CommandStatus.init(rawValue:)) ?? .unknown
                record.counts[status, default: 0] += row[6].int ?? 0
                record.verified += row[7].int ?? 0
                record.notVerified += row[8].int ?? 0
                records[key] = record
            }
            return records.sorted { a, b in
                a.value.total != b.value.total ? a.value.total > b.value.total : a.key.lexicographicallyPrecedes(b.key)
            }.map(\.value)
        }
    }
}
