import Audit
import CPMS
import Foundation
import Testing
@testable import vigil

/// An operator's one-shot commands go on the audit trail, signed at once with the key they are
/// given: a token block or unblock (kind `token`, beside the rules' own blocks) and an alert
/// silence.
@Suite struct OneShotAuditTests {
    static func scratch() throws -> (directory: String, database: String, key: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-oneshot-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return (directory, directory + "/vigil.sqlite", directory + "/elsewhere.key")
    }

    @Test func aTokenUnblockedByAnOperatorIsAnAuditEntrySignedWithTheKeyGiven() async throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch.directory) }
        let key = try #require(try AuditKey.load(path: scratch.key, create: true))
        let store = try StationStore(location: .sqlite(path: scratch.database))
        _ = try await store.addToken(IdTokenRecord(token: "04A1B2C3", status: .accepted), now: "2026-12-01T00:00:00Z")
        _ = try await store.setTokenStatus("04A1B2C3", .blocked, now: "2026-12-01T00:00:00Z")

        let unblock = try TokensCommand(arguments: ["unblock", "04a1b2c3", "--db", scratch.database, "--by", "alice",
                                                    "--reason", "card holder cleared", "--audit-key", scratch.key])
        #expect(try await unblock.run() == 0)
        #expect(try await store.token("04A1B2C3")?.status == .accepted)
        let again = try TokensCommand(arguments: ["unblock", "04A1B2C3", "--db", scratch.database, "--by", "bob", "--audit-key", scratch.key])
        #expect(try await again.run() == 0)

        let audit = AuditStore(host: store)
        let entries = try await audit.auditEntries(AuditQuery(kind: "token", limit: 10))
        #expect(entries.map(\.record.actor) == ["alice", "bob"])
        #expect(entries.map(\.record.action) == ["unblock", "unblock"])
        #expect(entries.map(\.record.outcome) == ["unblocked", "unchanged"])
        #expect(entries.first?.record.details == "04A1B2C3: blocked → accepted — card holder cleared")
        // Signed at once with the key named, not the one beside the database (there is none).
        let checkpoint = try #require(try await audit.newestAuditCheckpoint())
        #expect(checkpoint.entryId == entries.last?.id)
        #expect(AuditChain.expectedSignature(checkpoint, key: key) == checkpoint.signature)
    }

    @Test func aSilenceTakesTheAuditKeyOption() async throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch.directory) }
        _ = try AuditKey.load(path: scratch.key, create: true)
        let store = try StationStore(location: .sqlite(path: scratch.database))
        let silence = try AlertsCommand(arguments: ["silence", "--station", "CP-1", "--for", "1h", "--reason", "site visit", "--by", "dana",
                                                    "--db", scratch.database, "--audit-key", scratch.key])
        #expect(try await silence.run() == 0)
        let entries = try await AuditStore(host: store).auditEntries(AuditQuery(kind: "operator", limit: 10))
        #expect(entries.map(\.record.actor) == ["dana"] && entries.first?.record.station == "CP-1")
        #expect(try await AuditStore(host: store).newestAuditCheckpoint()?.entryId == entries.first?.id)
    }

    /// Who changed the API's users and a station's password is on the trail (never a secret).
    @Test func apiUsersAndStationPasswordsChangedByAnOperatorAreAuditEntries() async throws {
        let scratch = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch.directory) }
        _ = try AuditKey.load(path: scratch.key, create: true)
        let store = try StationStore(location: .sqlite(path: scratch.database))
        _ = try await store.declareStation(id: "CP-1")
        for arguments in [["add", "wall", "--access", "viewer"], ["rotate", "wall"], ["remove", "wall"]] {
            let command = try UsersCommand(arguments: arguments + ["--db", scratch.database, "--by", "erin", "--audit-key", scratch.key])
            #expect(try await command.run() == 0)
        }
        let password = try StationsCommand(arguments: ["password", "CP-1", "--db", scratch.database, "--by", "erin", "--audit-key", scratch.key])
        #expect(try await password.run() == 0)
        let entries = try await AuditStore(host: store).auditEntries(AuditQuery(kind: "operator", limit: 10))
        #expect(entries.map { $0.record.action ?? "" } == ["api user add", "api user rotate", "api user remove", "station password set"])
        #expect(entries.allSatisfy { $0.record.actor == "erin" })
        #expect(entries[2].record.details == "wall removed; no API user is left: the HTTP API is open")
        #expect(entries[3].record.station == "CP-1" && entries[3].record.details == "HTTP Basic password set to a new generated password")
    }
}
