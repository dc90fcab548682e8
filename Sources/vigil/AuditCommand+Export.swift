import Audit
import CPMS
import Foundation
import ServiceLog

extension AuditCommand {
    /// `vigil audit export`: the entries the filters select with their hashes, every checkpoint,
    /// and, when filtered, the entries that link each selected one to the next checkpoint
    /// (`AuditExport.linkRanges`) unless `--selected-only`. Checkpoints are read before entries,
    /// so a checkpoint serve signs meanwhile never names an entry the export lacks.
    func export(_ store: StationStore) async throws -> Int32 {
        let format = arguments.value("format") ?? "jsonl"
        guard format == "csv" || format == "jsonl" else { throw UsageError("--format must be csv or jsonl, got \(format.debugDescription)") }
        if arguments.has("bom") && format != "csv" { throw UsageError("--bom is for --format csv (a byte order mark would break JSON lines)") }
        var query = try await query(store)
        if arguments.value("limit") == nil { query.limit = Int.max }
        let filter = Self.filterText(query, limited: arguments.value("limit") != nil)
        let audit = AuditStore(host: store)
        let checkpoints = try await audit.auditCheckpoints()
        let selected = try await audit.auditEntries(query)
        var entries = selected.map { AuditExport.Entry(entry: $0) }
        if !filter.isEmpty && !arguments.has("selected-only") {
            entries = try await withLinks(selected, heads: checkpoints.map(\.entryId), audit)
        }
        let export = AuditExport(header: AuditExport.Header(exportedAt: StoreTime.format(Date()), isComplete: filter.isEmpty, filter: filter),
                                 entries: entries, checkpoints: checkpoints)
        let text = format == "csv" ? export.csv(bom: arguments.has("bom")) : export.jsonLines()
        if let output = arguments.value("output") {
            guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
                throw CommandFailure(description: "cannot write \(output)")
            }
            let linking = entries.count - selected.count
            printLine("wrote \(selected.count) entries\(linking > 0 ? " and \(linking) linking entries" : "") and \(checkpoints.count) checkpoints to \(output)")
        } else {
            printText(text)
        }
        return 0
    }

    /// The selected entries and those between each and the next checkpoint's entry, in id order.
    func withLinks(_ selected: [AuditEntry], heads: [Int], _ audit: AuditStore) async throws -> [AuditExport.Entry] {
        let chosen = Set(selected.map(\.id))
        var entries: [AuditExport.Entry] = []
        for range in AuditExport.linkRanges(selected: selected.map(\.id), heads: heads) {
            var after = range.lowerBound - 1
            while after < range.upperBound {
                let page = try await audit.auditPage(afterId: after, limit: min(10_000, range.upperBound - after))
                guard let last = page.last else { break }
                entries += page.map { AuditExport.Entry(entry: $0, isSelected: chosen.contains($0.id)) }
                after = last.id
            }
        }
        return entries
    }

    /// The filters as applied, in the store's form, for the export's header (empty: unfiltered).
    static func filterText(_ query: AuditQuery, limited: Bool) -> [String: String] {
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
