extension AuditStore {
    /// The export of the entries `query` selects (docs/audit.md): every checkpoint, read first
    /// (so a checkpoint signed meanwhile never names an entry the export lacks); the selected
    /// entries; and, for a filtered export (`filter` not empty), the entries that link each
    /// selected one to the next checkpoint (`AuditExport.linkRanges`) unless `selectedOnly`.
    /// Returns the export and how many entries the query selected.
    public func export(_ query: AuditQuery, filter: [String: String], selectedOnly: Bool,
                       exportedAt: String) async throws -> (export: AuditExport, selected: Int) {
        let checkpoints = try await auditCheckpoints()
        let selected = try await auditEntries(query)
        var entries = selected.map { AuditExport.Entry(entry: $0) }
        if !filter.isEmpty && !selectedOnly {
            entries = try await withLinks(selected, heads: checkpoints.map(\.entryId))
        }
        let export = AuditExport(header: AuditExport.Header(exportedAt: exportedAt, isComplete: filter.isEmpty, filter: filter),
                                 entries: entries, checkpoints: checkpoints)
        return (export, selected.count)
    }

    /// The selected entries and those between each and the next checkpoint's entry, in id order.
    func withLinks(_ selected: [AuditEntry], heads: [Int]) async throws -> [AuditExport.Entry] {
        let chosen = Set(selected.map(\.id))
        var entries: [AuditExport.Entry] = []
        for range in AuditExport.linkRanges(selected: selected.map(\.id), heads: heads) {
            var after = range.lowerBound - 1
            while after < range.upperBound {
                let page = try await auditPage(afterId: after, limit: min(10_000, range.upperBound - after))
                guard let last = page.last else { break }
                entries += page.map { AuditExport.Entry(entry: $0, isSelected: chosen.contains($0.id)) }
                after = last.id
            }
        }
        return entries
    }

    /// The filters of `query` as applied, in the store's form, for an export's header (empty:
    /// unfiltered).
    public static func filterText(_ query: AuditQuery, limited: Bool) -> [String: String] {
        var filter: [String: String] = [:]
        for (name, value) in [("from", query.from), ("to", query.to), ("station", query.station), ("site", query.site),
                              ("rule", query.rule), ("action", query.action), ("outcome", query.outcome),
                              ("actor", query.actor), ("kind", query.kind)] {
            if let value { filter[name] = value }
        }
        if limited { filter["limit"] = String(query.limit) }
        return filter
    }
}
