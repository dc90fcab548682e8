import CPMS
import Foundation
import ServiceLog
import Store

/// `vigil backup --db PATH --output FILE [--force]`: a consistent copy of the database, taken
/// while `vigil serve` runs and writes (SQLite's online backup API, `SQLiteBackup.copy`), as
/// one file of mode 0600. The audit key is not in it, on purpose: whoever holds the key can
/// re-sign a rewritten history, so it is backed up separately (docs/deployment.md).
struct BackupCommand {
    let arguments: Arguments

    init(arguments: [String]) throws(UsageError) {
        self.arguments = Arguments(arguments, flagNames: ["force"])
        try self.arguments.rejectUnknown(allowed: ["db", "output", "force", "audit-key"])
        guard self.arguments.positional.isEmpty else { throw UsageError("backup takes no argument \(self.arguments.positional[0].debugDescription)") }
        guard self.arguments.value("output") != nil else { throw UsageError("backup needs --output FILE") }
    }

    func run() async throws -> Int32 {
        guard case .sqlite(let source) = try arguments.database else {
            throw CommandFailure(description: "vigil backup copies a SQLite database; back up PostgreSQL with pg_dump (docs/deployment.md)")
        }
        guard let output = arguments.value("output") else { return 2 }
        let started = Date()
        let summary: SQLiteBackup.Summary
        do { summary = try SQLiteBackup.copy(from: source, to: output, replacing: arguments.has("force")) } catch {
            throw CommandFailure(description: "cannot back up: \(error)")
        }
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        printLine("backed up \(source) to \(output): \(summary.pages) pages, \(summary.bytes) bytes, schema version \(summary.schemaVersion), \(seconds) s")
        let key = AuditKey.path(option: arguments.value("audit-key"), database: .sqlite(path: source))
        printLine("the audit key \(key) is not in the backup: keep a copy of it separately (docs/deployment.md)")
        return 0
    }
}
