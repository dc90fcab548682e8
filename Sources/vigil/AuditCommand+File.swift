import Audit
import Foundation
import ServiceLog

extension AuditCommand {
    /// `vigil audit verify --file EXPORT [--key FILE] [--anchor FILE] [--as-of T]`: checks a
    /// JSONL export without the database and prints every problem (`BROKEN at entry N: …`,
    /// `BROKEN at checkpoint S: …`, `INCOMPLETE: …`, `UNVERIFIED: …`), then what the export
    /// proves. Exit 0 when intact, 1 otherwise. The key is `--key` (or `--audit-key`), else the
    /// file `VIGIL_AUDIT_KEY` names; there is no database to find one beside.
    func verifyFile() throws -> Int32 {
        let path = arguments.value("file") ?? ""
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure(description: "cannot read the export \(path)") }
        let keyPath = arguments.value("key") ?? arguments.value("audit-key") ?? ProcessInfo.processInfo.environment["VIGIL_AUDIT_KEY"]
        var key: [UInt8]?
        if let keyPath {
            guard FileManager.default.fileExists(atPath: keyPath) else { throw CommandFailure(description: "cannot read the audit key \(keyPath)") }
            key = try AuditKey.load(path: keyPath, create: false)
        }
        let export: AuditExport
        let anchor: [AuditCheckpoint]?
        do {
            export = try AuditExport.parse(String(decoding: data, as: UTF8.self))
            anchor = try readAnchor()
        } catch let error as AuditExport.ParseError {
            printLine("audit export UNREADABLE: \(path) \(error.description)")
            return 1
        } catch let problem as AnchorProblem {
            printLine("audit export UNVERIFIED: \(problem.description)")
            return 1
        }
        let now = try arguments.instant("as-of")?.date
        let report = export.verify(key: key, now: now, anchor: anchor)
        for problem in report.problems {
            switch problem {
            case .entry(let id, let reason): printLine("audit export BROKEN at entry \(id): \(reason)")
            case .checkpoint(let sequence, let reason): printLine("audit export BROKEN at checkpoint \(sequence): \(reason)")
            case .incomplete(let reason): printLine("audit export INCOMPLETE: \(reason)")
            case .unverified(let reason): printLine("audit export UNVERIFIED: \(reason)\(key == nil ? " (give the key with --key FILE)" : "")")
            }
        }
        for line in Self.summary(report, export: export, keyed: key != nil, anchored: anchor?.count) { printLine(line) }
        let unsealed = AuditChain.unsealed(entries: export.entries.map(\.entry), checkpoints: export.checkpoints)
        if key != nil, !unsealed.isEmpty { printLine("NOTE " + Self.describeUnsealed(unsealed)) }
        return report.isIntact ? 0 : 1
    }

    /// What the export proves, whatever else failed: the intact line or the proved runs.
    static func summary(_ report: AuditExportReport, export: AuditExport, keyed: Bool, anchored: Int?) -> [String] {
        let scope = report.isComplete
            ? "complete export"
            : "filtered export (\(export.header.filter.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))"
              + (report.selected < report.entries ? "; \(report.selected) selected, \(report.entries - report.selected) linking" : "") + ")"
        let anchorText = anchored.map { ", \($0) anchored" } ?? ""
        var lines: [String] = []
        if report.isIntact {
            lines.append("audit export intact: \(report.entries) entries, \(scope), \(report.validCheckpoints) signed checkpoints\(anchorText)")
        } else {
            let checked = keyed ? "\(report.validCheckpoints) of \(export.checkpoints.count) checkpoints valid" : "\(export.checkpoints.count) checkpoints not checked (no key)"
            lines.append("audit export NOT intact: \(report.entries) entries, \(scope), \(checked)")
        }
        lines.append("  hashes and links hold: entries \(report.runs.isEmpty ? "none" : AuditExport.describe(report.runs))")
        lines.append("  signed by a checkpoint: entries \(report.signed.isEmpty ? "none" : AuditExport.describe(report.signed))")
        if !report.isComplete {
            lines.append("  a filtered export can show that its entries are authentic, not that no other entry matched its filter")
        }
        return lines
    }
}
