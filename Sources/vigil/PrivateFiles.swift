import Foundation

/// The files that hold secrets — the database (station password digests, the audit trail, the
/// message log), the audit key, the config file (webhook URLs and secrets, routing keys), the
/// TLS private key — must be readable by their owner only. Vigil creates the database and the
/// audit key with mode 0600; `vigil serve` warns at start about any such file that group or
/// others can read, with the command that fixes it.
enum PrivateFiles {
    /// The paths among `paths` (described by `what`) whose mode lets group or others read or
    /// write, each with a warning message; missing files are skipped.
    static func exposed(_ paths: [(what: String, path: String)]) -> [(path: String, message: String)] {
        paths.compactMap { what, path in
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 else { return nil }
            return (path, "the \(what) \(path) is readable by group or others (mode \(String(mode, radix: 8))); run `chmod 600 \(path)`")
        }
    }
}
