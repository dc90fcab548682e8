@testable import CPMS
import DomainEvents
import Foundation
@testable import Remediation
import Store
import StoreTesting
import Synchronization
import Testing
import Transport

/// A rule state larger than a piece is saved in pieces, each in its own commit, and read back
/// whole; a save that stopped half-way leaves the previous state current; older pieces go.
@Suite struct RuleStatePiecesTests {
    static let now = "2026-12-07T00:00:00.000Z"

    /// A JSON text of `count` entries with multi-byte characters, so cuts fall near them.
    static func state(_ count: Int, tag: String) -> String {
        "{" + (0..<count).map { #""\#(tag)-\#($0)":"Ladesäule ⚡ 🔌 \#($0)""# }.joined(separator: ",") + "}"
    }

    @Test(arguments: TestEngine.all) func aLargeStateIsSavedInPiecesAndReadBackWhole(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "state-pieces")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let decisions = DecisionStore(host: store)
        let large = Self.state(400, tag: "a")
        try await decisions.saveRuleState(large, cursor: EventCursor(position: 7), engineTime: nil, now: Self.now, pieceBytes: 1_000)
        let saved = try await decisions.ruleState()
        #expect(saved?.json == large)
        #expect(saved?.cursor == EventCursor(position: 7))
        let pieces = try await store.withDatabase(schema: DecisionStore.schema) { try $0.rows("SELECT count(*) FROM rule_state_pieces") }
        #expect((pieces.first?.first?.int ?? 0) > large.utf8.count / 1_000)

        // A second large save replaces the first; its pieces are all that is left.
        let second = Self.state(300, tag: "b")
        try await decisions.saveRuleState(second, cursor: EventCursor(position: 9), engineTime: nil, now: Self.now, pieceBytes: 1_000)
        #expect(try await decisions.ruleState()?.json == second)
        let saves = try await store.withDatabase(schema: DecisionStore.schema) { try $0.rows("SELECT DISTINCT save FROM rule_state_pieces") }
        #expect(saves.count == 1)

        // A small state is kept inline, and no piece stays behind.
        try await decisions.saveRuleState("{}", cursor: EventCursor(position: 11), engineTime: nil, now: Self.now, pieceBytes: 1_000)
        #expect(try await decisions.ruleState()?.json == "{}")
        let left = try await store.withDatabase(schema: DecisionStore.schema) { try $0.rows("SELECT count(*) FROM rule_state_pieces") }
        #expect(left.first?.first?.int == 0)
    }

    @Test(arguments: TestEngine.all) func aSaveStoppedHalfWayLeavesThePreviousState(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "state-pieces-stopped")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let decisions = DecisionStore(host: store)
        let first = Self.state(200, tag: "a")
        try await decisions.saveRuleState(first, cursor: EventCursor(position: 3), engineTime: nil, now: Self.now, pieceBytes: 1_000)
        // The next save wrote two pieces, then the process stopped.
        try await store.committing(schema: DecisionStore.schema) { database in
            let next = (try database.rows("SELECT max(save) FROM rule_state_pieces").first?.first?.int ?? 0) + 1
            try database.run("INSERT INTO rule_state_pieces (save, piece, text) VALUES (?, 0, 'x'), (?, 1, 'y')", next, next)
        }
        #expect(try await decisions.ruleState()?.json == first)
        #expect(try await decisions.ruleState()?.cursor == EventCursor(position: 3))
        // The save after the restart writes its own pieces and deletes the stopped save's.
        let later = Self.state(250, tag: "c")
        try await decisions.saveRuleState(later, cursor: EventCursor(position: 5), engineTime: nil, now: Self.now, pieceBytes: 1_000)
        #expect(try await decisions.ruleState()?.json == later)
        let saves = try await store.withDatabase(schema: DecisionStore.schema) { try $0.rows("SELECT DISTINCT save FROM rule_state_pieces") }
        #expect(saves.count == 1)
    }

    /// A fresh database holding a state of 200 entries saved in pieces of 1,000 bytes, cursor 3.
    static func savedInPieces(_ engine: TestEngine, name: String) async throws -> (TestDatabase, StationStore, DecisionStore) {
        let test = try TestDatabase(engine, name: name)
        let store = try StationStore(location: test.location)
        let decisions = DecisionStore(host: store)
        try await decisions.saveRuleState(Self.state(200, tag: "a"), cursor: EventCursor(position: 3), engineTime: nil,
                                          now: Self.now, pieceBytes: 1_000)
        return (test, store, decisions)
    }

    @Test(arguments: TestEngine.all) func aMissingPieceIsReportedNotGuessed(engine: TestEngine) async throws {
        let (test, store, decisions) = try await Self.savedInPieces(engine, name: "state-pieces-missing")
        defer { test.remove() }
        try await store.committing(schema: DecisionStore.schema) { database in
            try database.run("DELETE FROM rule_state_pieces WHERE piece = 2")
        }
        await #expect(throws: DecisionStore.RuleStateDamaged.self) { try await decisions.ruleState() }
    }

    @Test(arguments: TestEngine.all) func anInlineStateWinsOverPieces(engine: TestEngine) async throws {
        let (test, store, decisions) = try await Self.savedInPieces(engine, name: "state-pieces-inline")
        defer { test.remove() }
        // A build from before pieces saves later: it writes the text and leaves the pieces' columns.
        try await store.committing(schema: DecisionStore.schema) { database in
            try database.run("UPDATE rule_state SET json = ?, position = 8 WHERE id = 1", #"{"older":"build"}"#)
        }
        let saved = try await decisions.ruleState()
        #expect(saved?.json == #"{"older":"build"}"#)
        #expect(saved?.cursor?.position == 8)
    }

    @Test func aSaveStillEncodingIsAbandonedOnceAndOnlyThen() {
        let encoding = StateSaveTicket()
        #expect(encoding.abandon())
        #expect(!encoding.startWriting())
        #expect(!encoding.abandon())
        let writing = StateSaveTicket()
        #expect(writing.startWriting())
        #expect(!writing.abandon())
        let awaited = StateSaveTicket(abandonable: false)   // someone waits for it to be stored
        #expect(!awaited.abandon())
        #expect(awaited.startWriting())
    }

    @Test(arguments: TestEngine.all) func aSaveWhosePiecesAnotherNodeDeletedFailsAndLeavesThePreviousState(engine: TestEngine) async throws {
        let (test, store, decisions) = try await Self.savedInPieces(engine, name: "state-pieces-lost")
        defer { test.remove() }
        let next = Self.state(300, tag: "b")
        await #expect(throws: DecisionStore.SaveLostPieces.self) {
            try await decisions.saveRuleState(next, cursor: EventCursor(position: 9), engineTime: nil, now: Self.now, pieceBytes: 1_000) { step in
                guard step == .piecesWritten else { return }
                // Another node's clean-up, between this save's pieces and its switch.
                try await store.committing(schema: DecisionStore.schema) { database in
                    try database.run("DELETE FROM rule_state_pieces WHERE piece = 1 AND save <> (SELECT save FROM rule_state WHERE id = 1)")
                }
            }
        }
        let saved = try await decisions.ruleState()
        #expect(saved?.json == Self.state(200, tag: "a"))
        #expect(saved?.cursor == EventCursor(position: 3))
    }

    @Test(arguments: TestEngine.all) func cleanUpNeverDeletesTheCurrentSavesPieces(engine: TestEngine) async throws {
        let (test, store, decisions) = try await Self.savedInPieces(engine, name: "state-pieces-current")
        defer { test.remove() }
        // Another node has written the pieces of its save 42 and not switched to it yet.
        let other = Self.state(250, tag: "c")
        let otherPieces = DecisionStore.pieces(of: other, bytes: 1_000)
        try await store.committing(schema: DecisionStore.schema) { database in
            for (index, piece) in otherPieces.enumerated() {
                try database.run("INSERT INTO rule_state_pieces (save, piece, text) VALUES (42, ?, ?)", index, piece)
            }
        }
        // This node saves; its clean-up lists save 42's pieces as stale, then the other node switches to 42.
        try await decisions.saveRuleState(Self.state(300, tag: "b"), cursor: EventCursor(position: 9), engineTime: nil, now: Self.now,
                                          pieceBytes: 1_000) { step in
            guard step == .staleListed else { return }
            try await store.committing(schema: DecisionStore.schema) { database in
                try database.run("UPDATE rule_state SET json = '', save = 42, pieces = ?, position = 11 WHERE id = 1", otherPieces.count)
            }
        }
        let saved = try await decisions.ruleState()
        #expect(saved?.json == other)
        #expect(saved?.cursor?.position == 11)
    }

    @Test func aDetachedThreadRunsItsJobAtTheNicenessAndNameAsked() async throws {
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        // Read on the thread that starts the job (after the await the test may run on another).
        let callers = Mutex<(before: Int32, after: Int32)>((0, 0))
        let seen = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Int32, String), Error>) in
            let before = getpriority(which, 0)
            do {
                try DetachedThread.start(name: "vigil-test-thread-long", niceness: 3) {
                    continuation.resume(returning: (getpriority(which, 0), ThreadName.current() ?? ""))
                }
            } catch { continuation.resume(throwing: error) }
            callers.withLock { $0 = (before, getpriority(which, 0)) }
        }
        let (before, after) = callers.withLock { $0 }
        #expect(seen.0 == min(19, before + 3))
        #expect(seen.1 == "vigil-test-thre")   // the kernel keeps 15 bytes
        #expect(after == before)   // the caller's thread is unchanged
    }

    @Test func piecesNeverSplitACharacter() {
        let text = String(repeating: "a🔌ä", count: 50)
        for bytes in [1, 2, 3, 4, 5, 7, 64] {
            let pieces = DecisionStore.pieces(of: text, bytes: bytes)
            #expect(pieces.joined() == text, "piece size \(bytes)")
            #expect(pieces.allSatisfy { $0.utf8.count <= max(4, bytes) }, "piece size \(bytes)")
        }
    }
}
