import CPMS
import Foundation
import ServiceLog
import Store

/// `vigil restore --from FILE --db PATH [--force]`: puts a `vigil backup` in place of the
/// database. Refuses a database another process holds (a running serve) whatever `--force`
/// says, and an existing one without `--force`; checks the backup's integrity and schema
/// version before it changes anything (`SQLiteBackup.restore`).
struct RestoreCommand {
    let arguments: Arguments

    init(arguments: [String]) throws(UsageError) {
        self.arguments = Arguments(arguments, flagNames: ["force"])
        try self.arguments.rejectUnknown(allowed: ["db", "from", "force"])
        guard self.arguments.positional.isEmpty else { throw UsageError("restore takes no argument \(self.arguments.positional[0].debugDescription)") }
        guard self.arguments.value("from") != nil else { throw UsageError("restore needs --from FILE") }
    }

    func run() async throws -> Int32 {
        guard let backup = arguments.value("from") else { return 2 }
        // The database first: with PostgreSQL no file backup applies, whatever --from names.
        guard case .sqlite(let destination) = try arguments.database else {
            throw CommandFailure(description: "vigil restore puts back a SQLite backup; restore PostgreSQL with pg_restore (docs/deployment.md)")
        }
        guard FileManager.default.fileExists(atPath: backup) else {
            throw CommandFailure(description: "no backup at \(backup): \(unreadableReason(backup)) (vigil backup --output FILE makes one)")
        }
        let directory = (destination as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let summary: SQLiteBackup.Summary
        do {
            summary = try SQLiteBackup.restore(from: backup, to: destination, supportedSchemaVersion: StationStore.latestSchemaVersion,
                                               replacing: arguments.has("force"))
        } catch {
            throw CommandFailure(description: "cannot restore: \(error)")
        }
        printLine("restored \(backup) to \(destination): integrity ok, \(summary.pages) pages, schema version \(summary.schemaVersion)"
                  + (summary.schemaVersion < StationStore.latestSchemaVersion
                     ? " (this vigil migrates it to \(StationStore.latestSchemaVersion) at the next start)" : ""))
        printLine("next: put back the audit key the backup was signed with, then `vigil audit verify --db \(destination)`")
        return 0
    }
}
