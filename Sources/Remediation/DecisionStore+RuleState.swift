import CPMS
import Foundation
import RuleEngine
import Store

/// The rule engine's saved state (`rule_state`). A state larger than a piece is written in
/// pieces (`rule_state_pieces`), each in a group commit of its own, and only then made the
/// current one — in one small write with its cursor — so a big fleet's state (≈ 0.2 MB per
/// thousand stations with the shipped rules, ≈ 20 MB with `bench rules`' 500) never lands on
/// the store as one write: such a write would hold every charger answer of its commit while
/// megabytes went to the WAL and were synced. The pieces of other
/// saves are deleted after the switch, one small write each, never those of the current one.
/// A save that stops half-way (a crash, a failed write) leaves the current state as it was.
///
/// Several nodes may save (one paused past its role's expiry, the one that took over): each
/// save is numbered at random, so two saves never share pieces; the switch checks that all of
/// its pieces are there (another node's clean-up may have taken some: the save then fails and
/// the previous state stays current); the reader takes the row and its pieces in one
/// statement (one snapshot) and checks them piece by piece.
extension DecisionStore {
    /// The largest piece of a saved state: 64 pages of WAL in a commit.
    public static let stateSavePiece = 256 * 1_024

    /// The saved state cannot be put together: a piece is missing or the row contradicts itself.
    public struct RuleStateDamaged: Error, CustomStringConvertible {
        public var problem: String
        public var description: String { "the saved rule state is damaged: \(problem)" }
    }

    /// Saves the engine's state with the cursor it was taken at; the position is also recorded as
    /// an event-log cursor (`savedStateConsumer`) in the same transaction as the switch to it.
    /// Older pieces are deleted afterwards (`deleteOtherPieces`): a failure there leaves the
    /// new state current and is thrown as `PiecesLeftBehind`.
    public func saveRuleState(_ json: String, cursor: EventCursor?, engineTime: String?, now: String,
                              pieceBytes: Int = DecisionStore.stateSavePiece) async throws {
        try await saveRuleState(json, cursor: cursor, engineTime: engineTime, now: now, pieceBytes: pieceBytes, pause: nil)
    }

    /// Where a save may be paused, so a test can act as another node would meanwhile.
    enum SaveStep: Sendable {
        /// The pieces are written; the switch comes next.
        case piecesWritten
        /// The pieces to delete are listed; the deletes come next.
        case staleListed
    }

    /// `saveRuleState`, calling `pause` at each `SaveStep` (tests).
    func saveRuleState(_ json: String, cursor: EventCursor?, engineTime: String?, now: String, pieceBytes: Int,
                       pause: (@Sendable (SaveStep) async throws -> Void)?) async throws {
        let pieces = json.utf8.count > pieceBytes ? Self.pieces(of: json, bytes: pieceBytes) : []
        let save = Int.random(in: 1...Int.max)
        for (index, piece) in pieces.enumerated() {
            try await host.committing(schema: Self.schema) { database in
                try database.run("INSERT INTO rule_state_pieces (save, piece, text) VALUES (?, ?, ?)", save, index, piece)
            }
        }
        try await pause?(.piecesWritten)
        try await host.committing(schema: Self.schema) { database in
            if !pieces.isEmpty {
                let stored = try database.rows("SELECT count(*) FROM rule_state_pieces WHERE save = ?", save).first?.first?.int ?? 0
                guard stored == pieces.count else { throw SaveLostPieces(stored: stored, written: pieces.count) }
            }
            if let cursor {
                try StationStore.writeEventCursor(consumer: Self.savedStateConsumer, .init(cursor: cursor, tickedThrough: engineTime),
                                                  now: now, in: database)
            }
            try database.run("""
                INSERT INTO rule_state (id, saved_at, json, position, ahead, engine_time, save, pieces) VALUES (1, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET saved_at = excluded.saved_at, json = excluded.json, position = excluded.position,
                    ahead = excluded.ahead, engine_time = excluded.engine_time, save = excluded.save, pieces = excluded.pieces
                """, now, pieces.isEmpty ? json : "", cursor?.position, cursor?.aheadText ?? "", engineTime,
                pieces.isEmpty ? nil : save, pieces.count)
        }
        do {
            try await deleteOtherPieces(pause: pause)
        } catch {
            throw PiecesLeftBehind(error: "\(error)")
        }
    }

    /// A save's pieces went missing before its switch (another node's clean-up deleted them):
    /// the save failed and the previous state stays current and whole.
    public struct SaveLostPieces: Error, CustomStringConvertible {
        public var stored: Int
        public var written: Int
        public var description: String {
            "\(stored) of the new save's \(written) pieces are still stored (another node's clean-up deleted the rest); the previous state stays current"
        }
    }

    /// The new state is current, but the pieces of older saves could not all be deleted (the
    /// next save tries again).
    public struct PiecesLeftBehind: Error, CustomStringConvertible {
        public var error: String
        public var description: String { "the rule state is saved, but older pieces could not be deleted: \(error)" }
    }

    /// The saved state, put together from its pieces when it was saved in pieces. An inline
    /// text wins over pieces (a build before pieces writes the text and leaves the pieces'
    /// columns as they were); pieces are used when the text is empty.
    public func ruleState() async throws -> SavedRuleState? {
        try await host.withDatabase(schema: Self.schema) { database in
            // One statement, so the row and its pieces come from one snapshot.
            let rows = try database.rows("""
                SELECT s.json, s.position, s.ahead, s.engine_time, s.pieces, p.piece, p.text
                FROM rule_state s LEFT JOIN rule_state_pieces p ON p.save = s.save AND s.json = ''
                WHERE s.id = 1 ORDER BY p.piece
                """)
            guard let row = rows.first else { return nil }
            var cursor: EventCursor?
            if let position = row[1].int {
                guard let ahead = EventCursor.ahead(from: row[2].text ?? "") else {
                    throw RuleStateDamaged(problem: "its cursor (at \(position)) cannot be read")
                }
                cursor = EventCursor(position: position, ahead: ahead)
            }
            var json = row[0].text ?? ""
            let count = row[4].int ?? 0
            if json.isEmpty && count > 0 {
                let numbers = rows.map { $0[5].int }
                guard numbers == (0..<count).map({ Optional($0) }) else {
                    let present = numbers.compactMap { $0 }
                    throw RuleStateDamaged(problem: "it was saved in \(count) pieces, \(present.count) are stored (numbers \(present.prefix(8).map(String.init).joined(separator: ", "))\(present.count > 8 ? " …" : ""))")
                }
                json = rows.map { $0[6].text ?? "" }.joined()
            }
            return SavedRuleState(json: json, cursor: cursor, engineTime: row[3].text)
        }
    }

    /// Deletes the pieces of every save but the current one, one piece per write; the current
    /// save is looked up in each delete, so a save that became current meanwhile (another
    /// node's) keeps its pieces.
    private func deleteOtherPieces(pause: (@Sendable (SaveStep) async throws -> Void)?) async throws {
        let current = "coalesce((SELECT save FROM rule_state WHERE id = 1 AND json = ''), -1)"
        let stale = try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("SELECT save, piece FROM rule_state_pieces WHERE save <> \(current) ORDER BY save, piece")
                .map { ($0[0].int ?? 0, $0[1].int ?? 0) }
        }
        try await pause?(.staleListed)
        for (save, piece) in stale {
            try await host.committing(schema: Self.schema) { database in
                try database.run("DELETE FROM rule_state_pieces WHERE save = ? AND piece = ? AND save <> \(current)", save, piece)
            }
        }
    }

    /// `json` cut into pieces of at most `bytes` UTF-8 bytes, never inside a character's bytes.
    static func pieces(of json: String, bytes: Int) -> [String] {
        var json = json
        return json.withUTF8 { utf8 in
            var pieces: [String] = []
            var start = 0
            while start < utf8.count {
                var end = min(utf8.count, start + max(4, bytes))
                // Back off continuation bytes (10xxxxxx): the cut goes before a character's first byte.
                while end < utf8.count, end > start + 1, utf8[end] & 0xC0 == 0x80 { end -= 1 }
                pieces.append(String(decoding: UnsafeBufferPointer(rebasing: utf8[start..<end]), as: UTF8.self))
                start = end
            }
            return pieces
        }
    }
}
