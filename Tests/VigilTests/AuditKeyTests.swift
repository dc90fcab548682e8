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
        let key = try await AuditKey.loadForServe(path: path, audit: AuditStore(host: store))
        #expect(key.count == 64)
        #expect(try await AuditKey.loadForServe(path: path, audit: AuditStore(host: store)) == key)   // read back, not replaced
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
            _ = try await AuditKey.loadForServe(path: path, audit: audit)
            Issue.record("a new key was made for a signed trail")
        } catch let failure as CommandFailure {
            #expect(failure.description.contains(path) && failure.description.contains("--audit-key")
                    && failure.description.contains("VIGIL_AUDIT_KEY"), "\(failure.description)")
        }
        #expect(!FileManager.default.fileExists(atPath: path))
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
