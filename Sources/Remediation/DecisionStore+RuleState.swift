import CPMS
import Foundation
import RuleEngine
import Store

/// The rule engine's saved state (`rule_state`). A state larger than a piece is written in
/// pieces (`rule_state_pieces`), each in a group commit of its own, and only then made the
/// current one — in one small write with its cursor — so a big fleet's state (≈ 1.4 MB per
/// thousand stations with the shipped rules) never lands on the store as one write: that write
/// held every charger answer of its commit while tens of megabytes went to the WAL and were
/// synced (seconds 5–8 of every `bench scale` run at 15,000 chargers). The pieces of older
/// saves are deleted after the switch, one small write each. A save that stops half-way (a
/// crash, a failed write) leaves the current state as it was.
extension DecisionStore {
    /// The largest piece of a saved state: 64 pages of WAL in a commit.
    public static let stateSavePiece = 256 * 1_024

    /// Saves the engine's state with the cursor it was taken at; the position is also recorded as
    /// an event-log cursor (`savedStateConsumer`) in the same transaction as the switch to it.
    public func saveRuleState(_ json: String, cursor: EventCursor?, engineTime: String?, now: String,
                              pieceBytes: Int = DecisionStore.stateSavePiece) async throws {
        let pieces = json.utf8.count > pieceBytes ? Self.pieces(of: json, bytes: pieceBytes) : []
        let save = try await host.withDatabase(schema: Self.schema) { database in
            (try database.rows("SELECT max(save) FROM rule_state_pieces").first?.first?.int ?? 0) + 1
        }
        for (index, piece) in pieces.enumerated() {
            try await host.committing(schema: Self.schema) { database in
                if index == 0 { try database.run("DELETE FROM rule_state_pieces WHERE save = ?", save) }   // a stopped save's
                try database.run("INSERT INTO rule_state_pieces (save, piece, text) VALUES (?, ?, ?)", save, index, piece)
            }
        }
        try await host.committing(schema: Self.schema) { database in
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
        try await deletePieces(except: pieces.isEmpty ? nil : save)
    }

    /// The saved state, put together from its pieces when it was saved in pieces.
    public func ruleState() async throws -> SavedRuleState? {
        try await host.withDatabase(schema: Self.schema) { database in
            guard let row = try database.rows("SELECT json, position, ahead, engine_time, save, pieces FROM rule_state WHERE id = 1").first else {
                return nil
            }
            var cursor: EventCursor?
            if let position = row[1].int {
                guard let ahead = EventCursor.ahead(from: row[2].text ?? "") else {
                    throw StationStore.UnreadableEvent(sequence: position, error: "the rule state's cursor is damaged")
                }
                cursor = EventCursor(position: position, ahead: ahead)
            }
            var json = row[0].text ?? ""
            if let count = row[5].int, count > 0 {
                let texts = try database.rows("SELECT text FROM rule_state_pieces WHERE save = ? ORDER BY piece", row[4].int ?? 0)
                guard texts.count == count else {
                    throw StationStore.UnreadableEvent(sequence: cursor?.position ?? 0,
                                                       error: "the rule state has \(texts.count) of its \(count) pieces")
                }
                json = texts.map { $0[0].text ?? "" }.joined()
            }
            return SavedRuleState(json: json, cursor: cursor, engineTime: row[3].text)
        }
    }

    /// Deletes the pieces of every save but `current` (nil: of every save), one piece per write.
    private func deletePieces(except current: Int?) async throws {
        let stale = try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("SELECT save, piece FROM rule_state_pieces WHERE save <> ? ORDER BY save, piece", current ?? -1)
                .map { ($0[0].int ?? 0, $0[1].int ?? 0) }
        }
        for (save, piece) in stale {
            try await host.committing(schema: Self.schema) { database in
                try database.run("DELETE FROM rule_state_pieces WHERE save = ? AND piece = ?", save, piece)
            }
        }
    }

    /// `json` cut into pieces of at most `bytes` UTF-8 bytes, never inside a character's bytes.
    static func pieces(of json: String, bytes: Int) -> [String] {
        let utf8 = Array(json.utf8)
        var pieces: [String] = []
        var start = 0
        while start < utf8.count {
            var end = min(utf8.count, start + max(4, bytes))
            // Back off continuation bytes (10xxxxxx): the cut goes before a character's first byte.
            while end < utf8.count, end > start + 1, utf8[end] & 0xC0 == 0x80 { end -= 1 }
            pieces.append(String(decoding: utf8[start..<end], as: UTF8.self))
            start = end
        }
        return pieces
    }
}
