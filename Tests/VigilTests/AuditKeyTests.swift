import Audit
import CPMS
import Foundation
import StoreTesting
import Testing
@testable import vigil

/// serve never signs an existing audit trail with a new key: a missing key file is created only
/// while the trail has no signed checkpoint, and with PostgreSQL (no database file to keep the
/// key beside) serve requires the key's location.
@Suite struct AuditKeyTests {
    static let now = "2026-01-01T00:02:00.000Z"

    static func temporaryKeyPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vigil-key-\(UUID().uuidString)/audit.key").path
    }

    @Test(arguments: TestEngine.all) func aMissingKeyIsCreatedForATrailWithoutCheckpoints(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "auditkey")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        try await AuditStore(host: store).appendAudit([AuditRecord(kind: "system", actor: "system", details: "unsigned")],
                                                      key: nil, now: "2026-01-01T00:00:00.000Z")
        let path = Self.temporaryKeyPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let key = try await AuditKey.loadForServe(path: path, audit: AuditStore(host: store), now: Self.now)
        #expect(key.count == 64)
        #expect(try await AuditKey.loadForServe(path: path, audit: AuditStore(host: store), now: Self.now) == key)   // read back, not replaced
    }

    @Test(arguments: TestEngine.all) func aMissingKeyIsNotCreatedForASignedTrail(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "auditkey")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let audit = AuditStore(host: store)
        try await audit.appendAudit([AuditRecord(kind: "system", actor: "system", details: "signed")], key: Array("old-key".utf8),
                                    now: "2026-01-01T00:00:00.000Z")
        try await audit.checkpointAudit(key: Array("old-key".utf8), now: "2026-01-01T00:01:00.000Z")
        let path = Self.temporaryKeyPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        do {
            _ = try await AuditKey.loadForServe(path: path, audit: audit, now: Self.now)
            Issue.record("a new key was made for a signed trail")
        } catch let failure as CommandFailure {
            #expect(failure.description.contains(path) && failure.description.contains("--audit-key")
                    && failure.description.contains("VIGIL_AUDIT_KEY"), "\(failure.description)")
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        // A key file holding another key, for a trail signed before keys were claimed: refused
        // because the newest checkpoint does not verify with it.
        _ = try AuditKey.load(path: path, create: true)
        #expect(await Self.refusal(path: path, audit: audit)?.contains("did not sign this audit trail") == true)
    }

    /// A node whose key file holds another key is refused: with checkpoints, because the newest
    /// does not verify with it; before any, because the first serve's key fingerprint is stored
    /// (two nodes started with different keys on an empty trail) — and a node missing the file
    /// then does not make one of its own either.
    @Test(arguments: TestEngine.all) func aKeyThatIsNotTheTrailsIsRefused(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "auditkey")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let audit = AuditStore(host: store)
        let first = Self.temporaryKeyPath(), second = Self.temporaryKeyPath(), missing = Self.temporaryKeyPath()
        defer {
            for path in [first, second, missing] { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        }
        let key = try await AuditKey.loadForServe(path: first, audit: audit, now: Self.now)   // the first node makes and claims its key
        _ = try AuditKey.load(path: second, create: true)                                    // another node's own key
        func refused(_ path: String, _ words: String) async {
            let refusal = await Self.refusal(path: path, audit: audit)
            #expect(refusal?.contains(words) == true, "\(path): \(refusal ?? "accepted")")
        }
        await refused(second, "is not the key this database's audit trail was begun with")
        await refused(missing, "every node must sign with that same key")
        #expect(!FileManager.default.fileExists(atPath: missing))
        try await audit.appendAudit([AuditRecord(kind: "system", actor: "system", details: "signed")], key: key, now: Self.now)
        _ = try await audit.checkpointAudit(key: key, now: Self.now)
        await refused(second, "is not the key this database's audit trail was begun with")   // the claim decides now
        #expect(try await AuditKey.loadForServe(path: first, audit: audit, now: Self.now) == key)
    }

    /// A CLI command holding another key file cannot sign the claimed trail (its entries stay
    /// unsigned, no checkpoint is made) — else serve would then refuse every key — and a trail
    /// signed before keys were claimed (an upgrade) takes its own key and claims it.
    @Test(arguments: TestEngine.all) func aForeignKeyNeverSignsAndAnUpgradedTrailIsClaimed(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "auditkey")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let audit = AuditStore(host: store)
        let path = Self.temporaryKeyPath()
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let key = try #require(try AuditKey.load(path: path, create: true))
        try await audit.appendAudit([AuditRecord(kind: "system", actor: "system", details: "before claims")], key: key, now: Self.now)
        #expect(try await audit.checkpointAudit(key: key, now: Self.now))
        #expect(try await audit.auditKeyFingerprint() == nil)   // signed by an earlier version: nothing claimed
        #expect(try await AuditKey.loadForServe(path: path, audit: audit, now: Self.now) == key)
        #expect(try await audit.auditKeyFingerprint() == AuditChain.keyFingerprint(key))
        let checkpoints = try await audit.auditCheckpoints().count
        let foreign = Array("another-working-directory-key".utf8)
        try await audit.appendAudit([AuditRecord(kind: "operator", actor: "cli", details: "silence")], key: foreign, now: Self.now,
                                    cadence: AuditChain.Cadence(entries: 1, seconds: 0))
        #expect(try await audit.checkpointAudit(key: foreign, now: Self.now) == false)
        #expect(try await audit.auditCheckpoints().count == checkpoints)
        #expect(try await AuditKey.loadForServe(path: path, audit: audit, now: Self.now) == key)
        #expect(try await audit.checkpointAudit(key: key, now: Self.now))   // serve signs what the CLI left
    }

    /// Why serve refuses the key at `path` for `audit`'s trail; nil when it takes it.
    static func refusal(path: String, audit: AuditStore) async -> String? {
        do {
            _ = try await AuditKey.loadForServe(path: path, audit: audit, now: now)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func servePostgreSQLRequiresTheKeyLocation() throws {
        let url = "postgres://vigil:s3cret@localhost/vigil"
        do {
            _ = try ServeCommand(arguments: ["--db", url], environment: [:])
            Issue.record("serve on PostgreSQL started without an audit key location")
        } catch {
            #expect("\(error)".contains("--audit-key") && !"\(error)".contains("s3cret"), "\(error)")
        }
        #expect(try ServeCommand(arguments: ["--db", url, "--audit-key", "/etc/vigil/audit.key"], environment: [:]).auditKeyPath == "/etc/vigil/audit.key")
        #expect(try ServeCommand(arguments: ["--db", url], environment: ["VIGIL_AUDIT_KEY": "/k"]).auditKeyPath == "/k")
        #expect(try ServeCommand(arguments: ["--db", "./var/vigil.sqlite"], environment: [:]).auditKeyPath == nil)   // beside the file
    }
}
