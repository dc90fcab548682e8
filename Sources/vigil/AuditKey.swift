import Audit
import Digests
import Foundation
import Store

/// The key that signs audit checkpoints: `--audit-key FILE`, else `VIGIL_AUDIT_KEY` (a file
/// path), else `audit.key` next to the SQLite database (`./var/audit.key` with PostgreSQL). `vigil serve` creates a random one (mode 0600)
/// when the file does not exist; the other commands only read it.
enum AuditKey {
    static func path(option: String?, database: StoreLocation) -> String {
        if let option { return option }
        if let variable = ProcessInfo.processInfo.environment["VIGIL_AUDIT_KEY"] { return variable }
        return (database.auditKeyDirectory as NSString).appendingPathComponent("audit.key")
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
