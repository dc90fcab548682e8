import Store

/// The `node_requests` table: a command for a station another node serves, written by the node
/// that was asked (the origin) for the node holding the station's lease (the target), claimed
/// by the target, answered there, read back by the origin. States: `pending` → `running` →
/// `answered`; or `expired` (its deadline passed before the target took it: never sent late).
/// Each change is announced with `pg_notify` on PostgreSQL; both sides also look again on a
/// timer, so a lost notification only costs time.
public struct NodeRequestStore: Sendable {
    /// A request waiting for its target.
    public struct Pending: Sendable, Equatable {
        public var id: Int
        public var station: String
        public var request: String
        /// The node that wrote it.
        public var origin: String

        public init(id: Int, station: String, request: String, origin: String = "") {
            (self.id, self.station, self.request, self.origin) = (id, station, request, origin)
        }
    }

    /// What a claimed request's text becomes: its target has read it, and a command's secret
    /// value (sealed as it is) need not stay in the table for the day the rows are kept.
    public static let takenRequest = "(taken by the target node)"

    /// Announces requests; the payload is `schema target-node`.
    public static let requestChannel = "vigil_node_requests"
    /// Announces answers; the payload is `schema origin-node id`.
    public static let answerChannel = "vigil_node_answers"

    let host: any DatabaseHost

    /// A request could not be sealed (OpenSSL failed): nothing is written.
    struct SealingFailed: Error, CustomStringConvertible {
        var description: String { "the request could not be sealed" }
    }

    public init(host: any DatabaseHost) {
        self.host = host
    }

    /// Writes a request for `target` and announces it; returns its id. `sealed` gives the text
    /// to store for the row's id (sealing binds it to its row), in the same transaction; nil
    /// fails the write.
    public func submit(station: String, origin: String, target: String, request: String, now: Int, deadline: Int,
                       sealed: (@Sendable (Int) -> String?)? = nil) async throws -> Int {
        try await host.committing(schema: ClusterSchema.track) { database in
            let id = try database.insert("""
                INSERT INTO node_requests (station, origin_node, target_node, request, state, created_at, deadline)
                VALUES (?, ?, ?, ?, 'pending', ?, ?)
                """, [station, origin, target, sealed == nil ? request : "", now, deadline])
            if let sealed {
                guard let text = sealed(id) else { throw SealingFailed() }
                try database.run("UPDATE node_requests SET request = ? WHERE id = ?", text, id)
            }
            if database.engine == .postgresql {
                _ = try database.rows("SELECT pg_notify(?, current_schema() || ' ' || ?)", Self.requestChannel, target)
            }
            return id
        }
    }

    /// Claims up to `limit` of `node`'s pending requests (they become `running`); those whose
    /// deadline has passed become `expired` instead and are not returned.
    public func claim(node: String, now: Int, limit: Int = 64) async throws -> [Pending] {
        try await host.committing(schema: ClusterSchema.track) { database in
            let rows = try database.rows("""
                SELECT id, station, request, deadline, origin_node FROM node_requests WHERE target_node = ? AND state = 'pending'
                ORDER BY id LIMIT ?
                """, node, limit)
            var claimed: [Pending] = []
            for row in rows {
                guard let id = row[0].int, let station = row[1].text, let request = row[2].text else { continue }
                let late = (row[3].int ?? 0) <= now
                try database.run("UPDATE node_requests SET state = ?, request = ? WHERE id = ? AND state = 'pending'",
                                 late ? "expired" : "running", Self.takenRequest, id)
                if !late { claimed.append(Pending(id: id, station: station, request: request, origin: row[4].text ?? "")) }
            }
            return claimed
        }
    }

    /// Records the target's answer to request `id` and announces it to the origin.
    public func answer(_ id: Int, _ answer: String, now: Int) async throws {
        try await host.committing(schema: ClusterSchema.track) { database in
            guard let origin = try database.rows("SELECT origin_node FROM node_requests WHERE id = ?", id).first?.first?.text else { return }
            try database.run("UPDATE node_requests SET state = 'answered', answer = ?, answered_at = ? WHERE id = ?", answer, now, id)
            if database.engine == .postgresql {
                _ = try database.rows("SELECT pg_notify(?, current_schema() || ' ' || ? || ' ' || ?)", Self.answerChannel, origin, String(id))
            }
        }
    }

    /// Request `id`'s state and answer.
    public func state(of id: Int) async throws -> (state: String, answer: String?)? {
        try await host.withDatabase(schema: ClusterSchema.track) { database in
            try database.rows("SELECT state, answer FROM node_requests WHERE id = ?", id).first.map { ($0[0].text ?? "", $0[1].text) }
        }
    }

    /// Gives up request `id` if its target has not taken it yet; returns whether it did.
    public func expire(_ id: Int) async throws -> Bool {
        try await host.committing(schema: ClusterSchema.track) { database in
            guard try database.rows("SELECT 1 FROM node_requests WHERE id = ? AND state = 'pending'", id).first != nil else { return false }
            try database.run("UPDATE node_requests SET state = 'expired' WHERE id = ?", id)
            return true
        }
    }

    /// Deletes requests older than `before` (kept a day for the operator's questions).
    public func prune(before: Int) async throws {
        _ = try await host.committing(schema: ClusterSchema.track) { database in
            try database.run("DELETE FROM node_requests WHERE created_at < ?", before)
        }
    }
}
