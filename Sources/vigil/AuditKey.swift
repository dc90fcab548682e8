import Audit
import Digests
import Foundation

/// The key that signs audit checkpoints: `--audit-key FILE`, else `VIGIL_AUDIT_KEY` (a file
/// path), else `audit.key` next to the database. `vigil serve` creates a random one (mode 0600)
/// when the file does not exist; the other commands only read it.
enum AuditKey {
    static func path(option: String?, databasePath: String) -> String {
        if let option { return option }
        if let variable = ProcessInfo.processInfo.environment["VIGIL_AUDIT_KEY"] { return variable }
        return ((databasePath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("audit.key")
    }

    static func load(path: String, create: Bool) throws -> [UInt8]? {
        if let data = FileManager.default.contents(atPath: path) {
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw CommandFailure(description: "the audit key \(path) is empty") }
            return Array(text.utf8)
        }
        guard create else { return nil }
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
