@testable import Audit
import Foundation
import Store
import StoreTesting
import Testing
@testable import CPMS

/// The hash chain over a real SQLite store: an intact history verifies; editing, deleting,
/// reordering or truncating it is caught at the first bad entry.
@Suite struct AuditChainTests {
    let key = Array("test-key-0123456789".utf8)
    /// One minute after the histories below were written (their entries fall within 00:00:00–00:00:59).
    static let minuteLater = "2026-01-01T00:01:00.000Z"

    /// `count` entries, a checkpoint every 100 (the store's cadence), and, with `signHead`,
    /// the head signed at `minuteLater` as serve does at shutdown.
    func history(_ engine: TestEngine, entries count: Int, signHead: Bool = true) async throws -> (StationStore, TestDatabase) {
        let test = try TestDatabase(engine, name: "audit")
        let store = try StationStore(location: test.location)
        for index in 1...count {
            try await AuditStore(host: store).appendAudit([AuditRecord(kind: index % 2 == 0 ? "command" : "decision", actor: "rules", station: "CP-\(index % 3)",
                                                     rule: "stuck", action: "reset soft", outcome: "accepted",
                                                     details: "entry \(index)\nwith a second line, a \\ and \"quotes\"")],
                                        key: key, now: "2026-01-01T00:00:\(String(format: "%02d", index % 60)).000Z")
        }
        if signHead { try await AuditStore(host: store).checkpointAudit(key: key, now: Self.minuteLater) }
        return (store, test)
    }

    func verdict(_ store: StationStore, key: [UInt8]? = nil, now: String = minuteLater, anchor: [AuditCheckpoint]? = nil) async throws -> AuditChain.Verdict {
        AuditChain.verify(entries: try await AuditStore(host: store).auditPage(afterId: 0, limit: 10_000), checkpoints: try await AuditStore(host: store).auditCheckpoints(),
                          key: key ?? self.key, now: AuditChain.parseTime(now), anchor: anchor)
    }

    /// The store's checkpoints as the anchor file would hold them (written and parsed back).
    func anchor(of store: StationStore) async throws -> [AuditCheckpoint] {
        try AuditAnchor.parse(try await AuditStore(host: store).auditCheckpoints().map { AuditAnchor.line($0) }.joined(separator: "\n") + "\n")
    }

    /// Runs SQL against the file behind the store's back, as an attacker with file access would.
    func tamper(_ test: TestDatabase, _ sql: String) throws {
        let database = try test.connect()
        for statement in sql.split(separator: ";") where !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            try database.run(String(statement))
        }
    }

    /// Recomputes every hash from entry `from` on, as an attacker without the key would after an edit.
    func rechain(_ store: StationStore, _ test: TestDatabase, from: Int) async throws {
        let entries = try await AuditStore(host: store).auditPage(afterId: 0, limit: 10_000)
        var previous = entries[from - 2].hash
        var sql = ""
        for entry in entries where entry.id >= from {
            let hash = AuditChain.hash(id: entry.id, at: entry.at, record: entry.record, previousHash: previous)
            sql += "UPDATE audit_log SET previous_hash = '\(previous)', hash = '\(hash)' WHERE id = \(entry.id);"
            previous = hash
        }
        try tamper(test, sql)
    }

    // MARK: Intact

    /// The action filter is a prefix without regard to case, the same on both engines, and a
    /// `_` or `%` in it is a character, not a wildcard.
    @Test(arguments: TestEngine.all) func theActionFilterIsACaseBlindPrefixOnEveryEngine(engine: TestEngine) async throws {
        let (store, test) = try await history(engine, entries: 3, signHead: false)
        defer { test.remove() }
        let audit = AuditStore(host: store)
        #expect(try await audit.auditEntries(AuditQuery(action: "reset")).count == 3)
        #expect(try await audit.auditEntries(AuditQuery(action: "RESET S")).count == 3)
        #expect(try await audit.auditEntries(AuditQuery(action: "reset soft")).count == 3)
        #expect(try await audit.auditEntries(AuditQuery(action: "re_et")).isEmpty)
        #expect(try await audit.auditEntries(AuditQuery(action: "%")).isEmpty)
        #expect(try await audit.auditEntries(AuditQuery(action: "reset hard")).isEmpty)
    }

    @Test(arguments: TestEngine.all) func anIntactHistoryVerifiesWithItsCheckpoints(engine: TestEngine) async throws {
        let (store, test) = try await history(engine, entries: 120)
        defer { test.remove() }
        #expect(try await AuditStore(host: store).auditCheckpoints().map(\.entryId) == [100, 120])
        #expect(try await AuditStore(host: store).auditCheckpoints().map(\.sequence) == [1, 2])
        #expect(try await verdict(store) == .intact(entries: 120, checkpoints: 2))
        #expect(try await verdict(store, anchor: try await anchor(of: store)) == .intact(entries: 120, checkpoints: 2))
    }

    @Test(arguments: TestEngine.all) func aFreshUnsignedTailWithinTheCadenceVerifies(engine: TestEngine) async throws {
        let (store, test) = try await history(engine, entries: 60, signHead: false)
        defer { test.remove() }
        #expect(try await verdict(store) == .intact(entries: 60, checkpoints: 0))
    }

    @Test func anEmptyHistoryVerifiesEvenWithoutAKey() {
        #expect(AuditChain.verify(entries: [], checkpoints: [], key: nil, now: Date()) == .intact(entries: 0, checkpoints: 0))
    }

    // MARK: Entries

    @Test(arguments: TestEngine.all) func anEditedEntryIsNamed(engine: TestEngine) async throws {
        let (store, test) = try await history(engine, entries: 60)
        defer { test.remove() }
        try tamper(test, "UPDATE audit_log SET outcome = 'rejected' WHERE id = 17")
        #expect(try await verdict(store) == .broken(entryId: 17, reason: "its content does not match its hash (the entry was edited)"))
    }

    @Test(arguments: TestEngine.all) func anEditThatRecomputesTheHashBreaksTheNextLink(engine: TestEngine) async throws {
        let (store, test) = try await history(engine, entries: 60)
        defer { test.remove() }
        var entry = try #require(try await AuditStore(host: store).auditPage(afterId: 16, limit: 1).first)
        entry.record.outcome = "rejected"
        let forged = AuditChain.hash(id: entry.id, at: entry.at, record: entry.record, previousHash: entry.previousHash)
        try tamper(test, "UPDATE audit_log SET outcome = 'rejected', hash = '\(forged)' WHERE id = 17")
        #expect(try await verdict(store) == .broken(entryId: 18, reason: "its previous-hash does not match entry 17's hash (an entry before it was changed, removed or moved)"))
    }

    @Test(arguments: TestEngine.all) func anEditWithTheWholeChainRecomputedIsCaughtByTheSignedCheckpoint(engine: TestEngine) async throws {
        let (store, test) = try await history(engine, entries: 120)
        defer { test.remove() }
        try tamper(test, "UPDATE audit_log SET outcome = 'rejected' WHERE id = 17")
        try await rechain(store, test, from: 17)
        #expect(try await verdict(store) == .broken(entryId: 100, reason: "checkpoint 1 records another hash for this entry (the chain was rewritten)"))
    }

    @Test(arguments: TestEngine.all) func aRechainWithTheCheckpointsDeletedTooIsIncomplete(engine: TestEngine) async throws {
        let (store, test) = try await history(engine, entries: 120)
        defer { test.remove() }
        // Seals stripped too (a rechained entry's seal no longer matches its hash).
        try tamper(test, "UPDATE audit_log SET outcome = 'rejected' WHERE id = 17; DELETE FROM audit_checkpoints; UPDATE audit_log SET seal = NULL")
        try await rechain(store, test, from: 17)
        #expect(try await verdict(store) == .incomplete(reason: "no checkpoint covers any of the 120 entries; one is signed every 100 entries, so the checkpoints were deleted"))
    }

    /// The chain's hashes anyone can compute; the seal only a holder of the key. A rechained
    /// entry keeps a seal that no longer matches; one appended by hand, correctly chained, has
    /// none — and the next checkpoint serve signs does not make it Vigil's (the audit's case:
    /// a forged "kill switch on" verified intact, signed and anchored).
    @Test(arguments: TestEngine.all) func entriesWithoutTheKeysSealAreNotVigils(engine: TestEngine) async throws {
        let (store, test) = try await history(engine, entries: 120)
        defer { test.remove() }
        #expect(try await verdict(store) == .intact(entries: 120, checkpoints: 2))
        // A forged entry, chained by hand after the newest, then signed by serve's next checkpoint.
        let last = try #require(try await AuditStore(host: store).auditEntry(id: 120))
        let record = AuditRecord(kind: "operator", actor: "bob", action: "kill switch on", outcome: "done", details: "forged")
        let at = "2026-01-01T00:10:00.000Z"
        let hash = AuditChain.hash(id: 121, at: at, record: record, previousHash: last.hash)
        try tamper(test, """
            INSERT INTO audit_log (id, at, kind, actor, action, outcome, details, previous_hash, hash, encoding)
            VALUES (121, '\(at)', 'operator', 'bob', 'kill switch on', 'done', 'forged', '\(last.hash)', '\(hash)', 2)
            """)
        try await AuditStore(host: store).checkpointAudit(key: key, now: "2026-01-01T00:10:01.000Z")
        func unsealed() async throws -> [Int] {
            AuditChain.unsealed(entries: try await AuditStore(host: store).auditPage(afterId: 0, limit: 10_000),
                                checkpoints: try await AuditStore(host: store).auditCheckpoints())
        }
        // Signed, so the chain is intact; the entry is named as carrying no seal.
        #expect(try await verdict(store) == .intact(entries: 121, checkpoints: 3))
        #expect(try await unsealed() == [121])
        // A seal made up without the key does not match.
        try tamper(test, "UPDATE audit_log SET seal = '\(String(repeating: "0", count: 64))' WHERE id = 121")
        #expect(try await verdict(store) == .broken(entryId: 121, reason: "its seal does not match: it was written or changed without the audit key"))
        // Stripping a sealed entry's seal is seen too.
        try tamper(test, "UPDATE audit_log SET seal = NULL WHERE id IN (50, 121)")
        #expect(try await unsealed() == [50, 121])
    }

    /// A rolling upgrade on PostgreSQL: a node of the earlier release signs a version-2
    /// checkpoint after the upgraded one's version 3 — both hold the key; not a downgrade.
    @Test func aVersion2CheckpointAfterAVersion3OneIsANodeOfTheEarlierRelease() async throws {
        let (store, test) = try await history(.sqlite, entries: 120)
        defer { test.remove() }
        let head = try #require(try await AuditStore(host: store).auditEntry(id: 120))
        try tamper(test, """
            INSERT INTO audit_checkpoints (entry_id, hash, signature, at, sequence, version)
            VALUES (120, '\(head.hash)', '\(AuditChain.sign(sequence: 3, entryId: 120, hash: head.hash, at: Self.minuteLater, key: key))', '\(Self.minuteLater)', 3, 2)
            """)
        #expect(try await verdict(store) == .intact(entries: 120, checkpoints: 3))
    }

    @Test(arguments: TestEngine.all) func aDeletedEntryIsNamed(engine: TestEngine) async throws {
        let (store, test) = try await history(engine, entries: 60)
        defer { test.remove() }
        try tamper(test, "DELETE FROM audit_log WHERE id = 30")
        #expect(try await verdict(store) == .broken(entryId: 31, reason: "entry 30 is missing before it (deleted or reordered)"))
    }

    @Test(arguments: TestEngine.all) func reorderedEntriesAreCaught(engine: TestEngine) async throws {
        let (store, test) = try await history(engine, entries: 60)
        defer { test.remove() }
        // Swap the contents of entries 10 and 11 (ids stay in order, their texts move).
        try tamper(test, """
            UPDATE audit_log SET id = -10 WHERE id = 10; UPDATE audit_log SET id = 10 WHERE id = 11; UPDATE audit_log SET id = 11 WHERE id = -10;
            """)
        guard case .broken(let id, _) = try await verdict(store) else {
            Issue.record("a reordered history verified")
            return
        }
        #expect(id == 10)
    }

    // MARK: The tail and the checkpoints

    @Test(arguments: TestEngine.all) func truncatingTheNewestEntriesIsCaughtByACheckpoint(engine: TestEngine) async throws {
        let (store, test) = try await history(engine, entries: 60)
        defer { test.remove() }
        try tamper(test, "DELETE FROM audit_log WHERE id > 55")
        #expect(try await verdict(store) == .broken(entryId: 60, reason: "checkpoint 1 names entry 60, which is gone (the history was truncated)"))
    }

    @Test(arguments: TestEngine.all) func deletingEveryCheckpointIsIncomplete(engine: TestEngine) async throws {
        let (store, test) = try await history(engine, entries: 120)
        defer { test.remove() }
        try tamper(test, "DELETE FROM audit_checkpoints")
        #expect(try await verdict(store) == .incomplete(reason: "no checkpoint covers any of the 120 entries; one is signed every 100 entries, so the checkpoints were deleted"))
    }

    @Test(arguments: TestEngine.all) func deletingEveryCheckpointOfAShortHistoryIsCaughtByTime(engine: TestEngine) async throws {
        let (store, test) = try await history(engine, entries: 60)
        defer { test.remove() }
        try tamper(test, "DELETE FROM audit_checkpoints")
        #expect(try await verdict(store, now: "2026-01-01T01:00:00.000Z") == .incomplete(reason: "entries 1…60 have no checkpoint and the oldest was written 3599 s ago; serve signs within 60 s and at shutdown, so a checkpoint after them was deleted (or serve was killed before signing: starting it signs them, and records on the trail that it signed them late)"))
    }

    /// A time set back (`--as-of`, an export's unsigned `exportedAt`) before the newest entry
    /// does not make an old unsigned tail look fresh: the tail is judged no earlier than it.
    @Test(arguments: TestEngine.all) func aTimeSetBackBeforeTheNewestEntryDoesNotHideDeletedCheckpoints(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "audit")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        for minute in 0..<5 {   // five entries over four minutes, signed as they go
            try await AuditStore(host: store).appendAudit([AuditRecord(kind: "command", actor: "rules", station: "CP-1", details: "entry \(minute + 1)")],
                                                          key: key, now: "2026-01-01T00:0\(minute):00.000Z")
            try await AuditStore(host: store).checkpointAudit(key: key, now: "2026-01-01T00:0\(minute):00.000Z")
        }
        #expect(try await verdict(store, now: "2026-01-01T00:04:30.000Z") == .intact(entries: 5, checkpoints: 5))
        try tamper(test, "DELETE FROM audit_checkpoints")
        #expect(try await verdict(store, now: "2026-01-01T00:00:30.000Z") == .incomplete(reason: "entries 1…5 have no checkpoint and the oldest was written 240 s before entry 5 (the time it is judged at, 2026-01-01T00:00:30Z, is earlier than that entry); serve signs within 60 s and at shutdown, so a checkpoint after them was deleted (or serve was killed before signing: starting it signs them, and records on the trail that it signed them late)"))
    }

    /// An unsigned entry dated in the future cannot be dated: its checkpoint may have been
    /// deleted (the audit's case: the newest signed entry edited, dated 2030, its checkpoint
    /// removed, the chain recomputed — it verified intact for years).
    @Test func anUnsignedEntryFromTheFutureIsIncomplete() {
        let entries = (1...3).reduce(into: [AuditEntry]()) { list, id in
            let at = id == 3 ? "2030-01-01T00:00:00.000Z" : "2026-01-01T00:00:0\(id).000Z"
            let record = AuditRecord(kind: "command", actor: "rules", station: "CP-1", details: "entry \(id)")
            let previous = list.last?.hash ?? AuditChain.genesis
            list.append(AuditEntry(id: id, at: at, record: record, previousHash: previous,
                                   hash: AuditChain.hash(id: id, at: at, record: record, previousHash: previous, encoding: .v2), encoding: .v2))
        }
        let wallClock = AuditChain.parseTime("2026-06-01T00:00:00Z")!
        let verdict = AuditChain.verify(entries: entries, checkpoints: [], key: key, now: wallClock, wallClock: wallClock)
        #expect(verdict == .incomplete(reason: "entry 3 has no checkpoint and is dated 2030-01-01T00:00:00.000Z, 113184000 s after this check: an unsigned entry from the future cannot be dated, so the checkpoint that should cover it may have been deleted"))
        // The same history judged as of a past moment (--as-of) from a clock past its entries is not future.
        let later = AuditChain.parseTime("2030-01-01T00:00:30Z")!
        #expect(AuditChain.verify(entries: entries, checkpoints: [], key: key, now: AuditChain.parseTime("2026-01-01T00:00:05Z"), wallClock: later)
                != verdict)
    }

    @Test(arguments: TestEngine.all) func aDeletedCheckpointLeavesAGapInTheNumbering(engine: TestEngine) async throws {
        let (store, test) = try await history(engine, entries: 250)
        defer { test.remove() }
        #expect(try await AuditStore(host: store).auditCheckpoints().map(\.entryId) == [100, 200, 250])
        try tamper(test, "DELETE FROM audit_checkpoints WHERE sequence = 2")
        #expect(try await verdict(store) == .badCheckpoint(sequence: 3, reason: "checkpoint 2 is missing before it (deleted)"))
    }

    @Test(arguments: TestEngine.all) func moreEntriesThanTheCadenceAfterTheNewestCheckpointIsIncomplete(engine: TestEngine) async throws {
        let (store, test) = try await history(engine, entries: 250)
        defer { test.remove() }
        try tamper(test, "DELETE FROM audit_checkpoints WHERE sequence > 1")
        #expect(try await verdict(store) == .incomplete(reason: "150 entries (101…250) follow the newest checkpoint (1, at entry 100); one is signed every 100 entries, so later checkpoints were deleted"))
    }

    @Test(arguments: TestEngine.all) func deletingTheTailWithItsCheckpointsIsCaughtOnlyByTheAnchor(engine: TestEngine) async throws {
        let (store, test) = try await history(engine, entries: 120)
        defer { test.remove() }
        let anchored = try await anchor(of: store)
        try tamper(test, "DELETE FROM audit_log WHERE id > 100; DELETE FROM audit_checkpoints WHERE sequence > 1")
        // The limit, stated: what is left is a complete, signed history of 100 entries.
        #expect(try await verdict(store) == .intact(entries: 100, checkpoints: 1))
        #expect(try await verdict(store, anchor: anchored) == .incomplete(reason: "anchored checkpoint 2 (entry 120, 2026-01-01T00:01:00.000Z) is not in the database: it was deleted, with the history it signed"))
    }

    @Test(arguments: TestEngine.all) func aTailRewrittenAfterTheCutDiffersFromTheAnchor(engine: TestEngine) async throws {
        let (store, test) = try await history(engine, entries: 120)
        defer { test.remove() }
        let anchored = try await anchor(of: store)
        try tamper(test, "DELETE FROM audit_log WHERE id > 100; DELETE FROM audit_checkpoints WHERE sequence > 1")
        // serve carries on from the cut: new entries, and a new checkpoint 2 over them.
        try await AuditStore(host: store).appendAudit([AuditRecord(kind: "system", actor: "system", details: "after the cut")], key: key, now: Self.minuteLater)
        try await AuditStore(host: store).checkpointAudit(key: key, now: Self.minuteLater)
        #expect(try await verdict(store, anchor: anchored) == .incomplete(reason: "checkpoint 2 differs from its anchored copy (entry 101 in the database, 120 in the anchor): the database was rewritten"))
    }

    @Test(arguments: TestEngine.all) func aCheckpointMissingFromTheAnchorIsReported(engine: TestEngine) async throws {
        let (store, test) = try await history(engine, entries: 120)
        defer { test.remove() }
        let anchored = Array(try await anchor(of: store).prefix(1))
        // Written a moment ago (a CLI command's checkpoint serve has not copied yet): not a finding.
        #expect(try await verdict(store, anchor: anchored) == .intact(entries: 120, checkpoints: 2))
        // Still missing two minutes later: serve copies within one.
        #expect(try await verdict(store, now: "2026-01-01T00:05:00.000Z", anchor: anchored) == .incomplete(reason: "checkpoint 2 is in the database but not in the anchor file, which ends at 1 (the anchor was cut short, or serve could not write to it: see its log)"))
    }

    @Test(arguments: TestEngine.all) func aReplacedKeyFailsEverySignature(engine: TestEngine) async throws {
        let (store, test) = try await history(engine, entries: 120)
        defer { test.remove() }
        #expect(try await verdict(store, key: Array("another key".utf8)) == .badCheckpoint(sequence: 1, reason: "its signature does not match (forged, or signed with another key: is this the audit key the database was written with?)"))
    }

    @Test(arguments: TestEngine.all) func aMovedCheckpointFailsItsSignature(engine: TestEngine) async throws {
        let (store, test) = try await history(engine, entries: 120)
        defer { test.remove() }
        // Renumber checkpoint 2 as 1 after deleting 1: the number is signed.
        try tamper(test, "DELETE FROM audit_checkpoints WHERE sequence = 1; UPDATE audit_checkpoints SET sequence = 1 WHERE sequence = 2")
        #expect(try await verdict(store) == .badCheckpoint(sequence: 1, reason: "its signature does not match (forged, or signed with another key: is this the audit key the database was written with?)"))
    }

    @Test(arguments: TestEngine.all) func withoutAKeyNothingIsProven(engine: TestEngine) async throws {
        let (store, test) = try await history(engine, entries: 10)
        defer { test.remove() }
        let verdict = AuditChain.verify(entries: try await AuditStore(host: store).auditPage(afterId: 0, limit: 100), checkpoints: try await AuditStore(host: store).auditCheckpoints(),
                                        key: nil, now: AuditChain.parseTime(Self.minuteLater))
        #expect(verdict == .unverifiable(reason: "no audit key, so no checkpoint signature can be checked and the history's completeness cannot be shown"))
    }

    // MARK: Encoding

    @Test(arguments: TestEngine.all) func nullAndTheNullSymbolHashApart(engine: TestEngine) async throws {
        let null = AuditRecord(kind: "x", actor: "y", station: nil, details: "c")
        let symbol = AuditRecord(kind: "x", actor: "y", station: "\u{2400}", details: "c")
        // Encoding v1 could not tell them apart; v2 can.
        #expect(AuditEntry.canonical(id: 1, at: "t", record: null, previousHash: "p") == AuditEntry.canonical(id: 1, at: "t", record: symbol, previousHash: "p"))
        #expect(AuditChain.hash(id: 1, at: "t", record: null, previousHash: "p") != AuditChain.hash(id: 1, at: "t", record: symbol, previousHash: "p"))
        #expect(AuditChain.hash(id: 1, at: "t", record: AuditRecord(kind: "x", actor: "y", station: "", details: "c"), previousHash: "p")
                != AuditChain.hash(id: 1, at: "t", record: null, previousHash: "p"))

        let (store, test) = try await history(engine, entries: 3)
        defer { test.remove() }
        try await AuditStore(host: store).appendAudit([null], key: key, now: Self.minuteLater)
        try tamper(test, "UPDATE audit_log SET station = '\u{2400}' WHERE id = 4")
        #expect(try await verdict(store) == .broken(entryId: 4, reason: "its content does not match its hash (the entry was edited)"))
    }

    @Test func theCanonicalBytesKeepFieldsApart() {
        let a = AuditRecord(kind: "x", actor: "y", station: "a\nb", details: "c")
        let b = AuditRecord(kind: "x", actor: "y", station: "a", site: "b", details: "c")
        #expect(AuditChain.hash(id: 1, at: "t", record: a, previousHash: "p") != AuditChain.hash(id: 1, at: "t", record: b, previousHash: "p"))
        #expect(AuditChain.hash(id: 1, at: "t", record: a, previousHash: "p").count == 64)
        // the domain tag, then tag 1 (id), present, length 1 as 8 bytes big-endian, "1"
        let bytes = AuditEntry.canonicalBytes(id: 1, at: "t", record: a, previousHash: "p", encoding: .v2)
        #expect(bytes.starts(with: Array("vigil-audit-entry-v2".utf8) + [1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x31]))
    }

    /// A database written before encoding v2 (entries with encoding 1, a version-1 checkpoint
    /// numbered by the migration) keeps verifying once new entries follow with v2.
    @Test(arguments: TestEngine.all) func aHistoryAcrossTheEncodingSwitchVerifies(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "audit")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        var previous = AuditChain.genesis
        var sql = ""
        for id in 1...5 {
            let record = AuditRecord(kind: "decision", actor: "rules", station: id == 3 ? nil : "CP-1", details: "old \(id)")
            let at = "2026-01-01T00:00:0\(id).000Z"
            let hash = AuditChain.hash(id: id, at: at, record: record, previousHash: previous, encoding: .v1)
            sql += """
                INSERT INTO audit_log (id, at, kind, actor, station, details, previous_hash, hash, encoding)
                VALUES (\(id), '\(at)', 'decision', 'rules', \(record.station.map { "'\($0)'" } ?? "NULL"), '\(record.details)', '\(previous)', '\(hash)', 1);
                """
            previous = hash
        }
        sql += "INSERT INTO audit_checkpoints (entry_id, hash, signature, at, sequence, version) VALUES (5, '\(previous)', '\(AuditChain.sign(entryId: 5, hash: previous, key: key))', '2026-01-01T00:00:05.000Z', 1, 1)"
        try tamper(test, sql)
        try await AuditStore(host: store).appendAudit([AuditRecord(kind: "system", actor: "system", station: nil, details: "new")], key: key, now: "2026-01-01T00:00:30.000Z")
        try await AuditStore(host: store).checkpointAudit(key: key, now: Self.minuteLater)
        #expect(try await AuditStore(host: store).auditPage(afterId: 0, limit: 10).map(\.encoding) == [.v1, .v1, .v1, .v1, .v1, .v2])
        #expect(try await verdict(store) == .intact(entries: 6, checkpoints: 2))
        // A v2 entry relabelled v1 no longer matches its hash, and reads as a downgrade.
        try tamper(test, "UPDATE audit_log SET encoding = 1 WHERE id = 6")
        #expect(try await verdict(store) == .broken(entryId: 6, reason: "its content does not match its hash (the entry was edited)"))
        try tamper(test, "UPDATE audit_log SET encoding = 2 WHERE id = 6; UPDATE audit_log SET encoding = 2 WHERE id = 4")
        #expect(try await verdict(store) == .broken(entryId: 4, reason: "its content does not match its hash (the entry was edited)"))
    }

    /// The real upgrade: a database migrated only up to the schema before the audit migration,
    /// with v1 entries and an unnumbered checkpoint, then opened (migrated) and written to.
    @Test(arguments: TestEngine.all) func aDatabaseWrittenBeforeTheUpgradeVerifiesAfterIt(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "audit")
        defer { test.remove() }
        let audit = try #require(CPMSSchema.migrations.migrations.first { $0.name.hasPrefix("audit trail: entry encoding v2") })
        do {
            let database = try test.connect()
            try Migrator(CPMSSchema.migrations.migrations.filter { $0.version < audit.version }).migrate(database)
            var previous = AuditChain.genesis
            for id in 1...3 {
                let record = AuditRecord(kind: "decision", actor: "rules", station: id == 2 ? nil : "CP-1", details: "old \(id)")
                let at = "2026-01-01T00:00:0\(id).000Z"
                let hash = AuditChain.hash(id: id, at: at, record: record, previousHash: previous, encoding: .v1)
                try database.run("INSERT INTO audit_log (id, at, kind, actor, station, details, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                 id, at, record.kind, record.actor, record.station, record.details, previous, hash)
                previous = hash
            }
            try database.run("INSERT INTO audit_checkpoints (entry_id, hash, signature, at) VALUES (3, ?, ?, '2026-01-01T00:00:03.000Z')",
                             previous, AuditChain.sign(entryId: 3, hash: previous, key: key))
        }
        let store = try StationStore(location: test.location)
        #expect(try await AuditStore(host: store).auditCheckpoints().map { [$0.sequence, $0.version] } == [[1, 1]])
        try await AuditStore(host: store).appendAudit([AuditRecord(kind: "system", actor: "system", details: "after the upgrade")], key: key, now: "2026-01-01T00:00:30.000Z")
        try await AuditStore(host: store).checkpointAudit(key: key, now: Self.minuteLater)
        #expect(try await AuditStore(host: store).auditCheckpoints().map { [$0.sequence, $0.version] } == [[1, 1], [2, 3]])
        #expect(try await verdict(store) == .intact(entries: 4, checkpoints: 2))
    }

    @Test func anAnchorLineRoundTrips() throws {
        let checkpoint = AuditCheckpoint(id: 9, sequence: 3, entryId: 300, hash: String(repeating: "a", count: 64), signature: "s", at: "2026-01-01T00:00:00.000Z")
        #expect(AuditAnchor.line(checkpoint) == #"{"at":"2026-01-01T00:00:00.000Z","entryId":300,"hash":"\#(String(repeating: "a", count: 64))","sequence":3,"signature":"s","version":2}"#)
        #expect(try AuditAnchor.parse(AuditAnchor.line(checkpoint) + "\n\n") == [AuditCheckpoint(id: 0, sequence: 3, entryId: 300, hash: checkpoint.hash, signature: "s", at: checkpoint.at)])
        #expect(throws: AuditAnchor.ParseError(line: 2, problem: "not a checkpoint (expected sequence, entryId, hash, signature, at, version)")) {
            try AuditAnchor.parse(AuditAnchor.line(checkpoint) + "\n{\"sequence\": 4}\n")
        }
    }
}

/// `AuditTimeOrder`: entry times that step back beyond the tolerance, or run ahead of now, are
/// noted; small differences between nodes' clocks are not.
@Suite struct AuditTimeOrderTests {
    func entry(_ id: Int, _ at: String) -> AuditEntry {
        AuditEntry(id: id, at: at, record: AuditRecord(kind: "system", actor: "serve", details: ""), previousHash: "", hash: "")
    }

    @Test func stepsBackBeyondTheToleranceAndTimesAheadAreNoted() throws {
        let now = try #require(ISO8601DateFormatter().date(from: "2026-12-07T12:00:00Z"))
        let entries = [entry(1, "2026-12-07T10:00:00Z"), entry(2, "2026-12-07T10:05:00.500Z"),
                       entry(3, "2026-12-07T10:04:30Z"),    // 30.5 s back: two nodes a little apart
                       entry(4, "2026-12-07T09:00:00Z"),    // an hour back
                       entry(5, "2026-12-07T10:06:00Z"), entry(6, "2026-12-07T13:00:00Z")]
        let found = AuditTimeOrder.findings(entries, now: now)
        #expect(found.map(\.id) == [4, 6])
        #expect(found.first?.latestBefore == "2026-12-07T10:05:00.500Z" && found.first?.seconds == 3_900)
        #expect(found.last?.latestBefore == nil && found.last?.seconds == 3_600)
        #expect(AuditTimeOrder.findings(Array(entries.prefix(3)), now: now).isEmpty)
    }
}
