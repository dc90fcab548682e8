import Audit
import Digests
import Foundation
import Store

/// The key that signs audit checkpoints: `--audit-key FILE`, else `VIGIL_AUDIT_KEY` (a file
/// path), else `audit.key` next to the SQLite database (`./var/audit.key` with PostgreSQL;
/// `vigil serve` on PostgreSQL requires the key named). `vigil serve` creates a random one
/// (mode 0600) when the file does not exist and the audit trail has no signed checkpoint nor a
/// claimed key yet, and refuses a key that is not the trail's (`loadForServe`); the other
/// commands only read it.
enum AuditKey {
    static func path(option: String?, database: StoreLocation) -> String {
        if let option { return option }
        if let variable = ProcessInfo.processInfo.environment["VIGIL_AUDIT_KEY"], !variable.isEmpty { return variable }
        return (database.auditKeyDirectory as NSString).appendingPathComponent("audit.key")
    }

    /// serve's key: the file's, or a new one while the audit trail has no signed checkpoint and
    /// no key claimed. Every node signing one trail must hold the same key, or `vigil audit
    /// verify` reports the chain as forged from the first checkpoint another key signed — so a
    /// key is refused, naming the fix, when it is not the one the trail is signed with: the file
    /// is missing though checkpoints exist or a key was claimed (a moved file, another working
    /// directory, a second node without the copy); its HMAC does not verify the newest
    /// checkpoint; or its fingerprint is not the one the first serve stored (two nodes started
    /// with different keys before any checkpoint).
    static func loadForServe(path: String, audit: AuditStore, now: String) async throws -> [UInt8] {
        let newest = try await audit.newestAuditCheckpoint()
        let claimed = try await audit.auditKeyFingerprint()
        let key: [UInt8]
        if FileManager.default.fileExists(atPath: path), let existing = try load(path: path, create: false) {
            key = existing
        } else {
            if let newest {
                throw CommandFailure(description: "the audit key \(path) does not exist, but the audit trail already has signed checkpoints "
                                     + "(the newest is number \(newest.sequence)): a new key would sign further ones with a different key and "
                                     + "`vigil audit verify` would report forgery. Give the key that signed them with --audit-key FILE "
                                     + "(or VIGIL_AUDIT_KEY, or auditKey: in the config file); see docs/deployment.md on restoring it")
            }
            if claimed != nil {
                throw CommandFailure(description: "the audit key \(path) does not exist, but this database's audit trail was begun with a key "
                                     + "(another node or an earlier run made it): every node must sign with that same key. Copy it here, or "
                                     + "name it with --audit-key FILE (or VIGIL_AUDIT_KEY, or auditKey: in the config file)")
            }
            guard let created = try load(path: path, create: true) else { throw CommandFailure(description: "cannot create the audit key \(path)") }
            key = created
        }
        // The rule the store signs by (`AuditStore.signingKey`): once a key is claimed its
        // fingerprint decides; before, the newest checkpoint does.
        if claimed == nil, let newest, try await !audit.keyMaySign(key) {
            throw CommandFailure(description: "the audit key \(path) did not sign this audit trail: its newest checkpoint (number \(newest.sequence)) "
                                 + "does not verify with it, and checkpoints signed with it would be reported as forged. Give the key the "
                                 + "trail is signed with (the one the other nodes use) with --audit-key FILE, VIGIL_AUDIT_KEY or auditKey:")
        }
        let fingerprint = AuditChain.keyFingerprint(key)
        guard try await audit.claimAuditKey(fingerprint: fingerprint, now: now) == fingerprint else {
            throw CommandFailure(description: "the audit key \(path) is not the key this database's audit trail was begun with (another node "
                                 + "or an earlier run signs it with another): every node must sign with the same key. Give that key with "
                                 + "--audit-key FILE, VIGIL_AUDIT_KEY or auditKey:")
        }
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
