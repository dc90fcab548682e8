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
        let filter = AuditStore.filterText(query, limited: arguments.value("limit") != nil)
        let (export, selectedCount) = try await AuditStore(host: store).export(query, filter: filter, selectedOnly: arguments.has("selected-only"),
                                                                                exportedAt: StoreTime.format(Date()))
        let entries = export.entries, checkpoints = export.checkpoints
        let text = format == "csv" ? export.csv(bom: arguments.has("bom")) : export.jsonLines()
        if let output = arguments.value("output") {
            // Readable by its owner only, as backups and evidence packs: the trail names people and stations.
            guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CommandFailure(description: "cannot write \(output)")
            }
            let linking = entries.count - selectedCount
            printLine("wrote \(selectedCount) entries\(linking > 0 ? " and \(linking) linking entries" : "") and \(checkpoints.count) checkpoints to \(output)")
        } else {
            printText(text)
        }
        return 0
    }
}
