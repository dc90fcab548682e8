import Audit
import Digests
import Foundation
import Store

/// The key that signs audit checkpoints: `--audit-key FILE`, else `VIGIL_AUDIT_KEY` (a file
/// path), else `audit.key` next to the SQLite database (`./var/audit.key` with PostgreSQL;
/// `vigil serve` on PostgreSQL requires the key named). `vigil serve` creates a random one
/// (mode 0600) when the file does not exist and the audit trail has no signed checkpoint yet
/// (`loadForServe`); the other commands only read it.
enum AuditKey {
    static func path(option: String?, database: StoreLocation) -> String {
        if let option { return option }
        if let variable = ProcessInfo.processInfo.environment["VIGIL_AUDIT_KEY"] { return variable }
        return (database.auditKeyDirectory as NSString).appendingPathComponent("audit.key")
    }

    /// serve's key: the file's, or a new one while the audit trail has no signed checkpoint.
    /// A trail that has some was signed with a key this path does not hold (a moved file, a
    /// different working directory): a new key would sign further checkpoints with another key,
    /// and `vigil audit verify` would then report the chain as forged. Refused, naming the fix.
    static func loadForServe(path: String, audit: AuditStore) async throws -> [UInt8] {
        if FileManager.default.fileExists(atPath: path), let key = try load(path: path, create: false) { return key }
        if let newest = try await audit.newestAuditCheckpoint() {
            throw CommandFailure(description: "the audit key \(path) does not exist, but the audit trail already has signed checkpoints "
                                 + "(the newest is number \(newest.sequence)): a new key would sign further ones with a different key and "
                                 + "`vigil audit verify` would report forgery. Give the key that signed them with --audit-key FILE "
                                 + "(or VIGIL_AUDIT_KEY, or auditKey: in the config file); see docs/deployment.md on restoring it")
        }
        guard let key = try load(path: path, create: true) else { throw CommandFailure(description: "cannot create the audit key \(path)") }
        return key
    }

    static func load(path: String, create: Bool) throws -> [UInt8]? {
        if let data = FileManager.default.contents(atPath: path) {
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw CommandFailure(description: "the audit key \(path) is empty") }
            return Array(text.utf8)
        }
        guard create else { return nil }
        // Its folder may not exist yet (`./var` beside a PostgreSQL database: no SQLite file made it).
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        guard let bytes = Digests.randomBytes() else { throw CommandFailure(description: "cannot generate an audit key") }
        let text = Digests.hex(bytes) + "\n"
        // Created 0600 from the first byte (FileManager writes, then changes the mode).
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CommandFailure(description: "cannot create the audit key \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let written = Array(text.utf8)
        guard write(descriptor, written, written.count) == written.count else {
            throw CommandFailure(description: "cannot write the audit key to \(path): \(String(cString: strerror(errno)))")
        }
        return Array(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
    }
}
