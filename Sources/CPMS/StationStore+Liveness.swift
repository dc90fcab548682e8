import Foundation
import Store

/// Which stations are online when no socket says so: the offline sweep's silent stations, every
/// station at start-up (no socket survives a restart or a crash), and each serve node's liveness
/// record, the bound a crash leaves for when those connections ended.
extension StationStore {
    /// Marks stations offline that have been silent since before `cutoff` (RFC 3339), except
    /// those in `answering` (a live connection that answers: late messages on it do not make a
    /// station offline); returns their ids. The exclusion is applied here, not in SQL, so a
    /// fleet of any size never meets an engine's limit on bound parameters.
    public func markSilentStationsOffline(before cutoff: String, excluding answering: Set<String>) throws -> [String] {
        let ids = try database.rows("""
            SELECT id FROM stations WHERE online = 1 AND (last_seen IS NULL OR \(StoreTime.seconds("last_seen")) < \(StoreTime.seconds("?")))
            """, cutoff).compactMap { $0.first?.text }.filter { !answering.contains($0) }
        for id in ids { try database.run("UPDATE stations SET online = 0 WHERE id = ?", id) }
        return ids
    }

    /// Marks every station offline (at start-up: no socket survives a restart).
    @discardableResult
    public func markAllOffline() throws -> [String] {
        try markAllOffline(except: [], aliveUntil: nil)
    }

    /// Marks every station offline but `served` (stations other nodes serve, when several nodes
    /// share the database: a node starting must not mark them offline). A station still marked
    /// online was connected when this node last ran; `aliveUntil` (this node's last liveness
    /// record, `nodesAlive`) is when its connection ended at the latest it can be known — a
    /// crash leaves no disconnect — so its offline spell starts then, not at its last message.
    /// `aliveUntilByStation`: for a station another node held (several nodes, one crashed), that
    /// node's last liveness record instead (nil: none known, its last message stands).
    /// Returns the stations it marked (their connection ended while no node served it: each
    /// gets its `disconnected` event from the caller, or the rules would go on taking it for
    /// connected).
    @discardableResult
    public func markAllOffline(except served: Set<String>, aliveUntil: String? = nil, aliveUntilByStation: [String: String?] = [:]) throws -> [String] {
        let bounded = """
            UPDATE stations SET online = 0, last_seen = CASE
                WHEN last_seen IS NULL OR \(StoreTime.seconds("last_seen")) < \(StoreTime.seconds("?")) THEN ? ELSE last_seen END
            WHERE id = ?
            """
        return try database.transaction {
            var marked: [String] = []
            for row in try database.rows("SELECT id FROM stations WHERE online = 1") {
                guard let id = row[0].text, !served.contains(id) else { continue }
                if let until = aliveUntilByStation[id] ?? aliveUntil {   // a nil entry: none, not this node's
                    try database.run(bounded, until, until, id)
                } else {
                    try database.run("UPDATE stations SET online = 0 WHERE id = ?", id)
                }
                marked.append(id)
            }
            return marked
        }
    }

    /// Every node's last liveness record (`recordNodeAlive`), by node.
    public func nodesAlive() throws -> [String: String] {
        try database.rows("SELECT node, alive_at FROM node_liveness").reduce(into: [:]) { map, row in
            if let node = row[0].text, let at = row[1].text { map[node] = at }
        }
    }

    /// Records that serve node `node` is up at `now` (its offline sweep does, every half
    /// minute): the bound `markAllOffline(aliveUntil:)` uses after a crash.
    public nonisolated func recordNodeAlive(_ node: String, now: String) async throws {
        try await committed { store in
            try store.database.run("""
                INSERT INTO node_liveness (node, alive_at) VALUES (?, ?) ON CONFLICT (node) DO UPDATE SET alive_at = excluded.alive_at
                """, node, now)
        }
    }
}
