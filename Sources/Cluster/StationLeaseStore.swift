import Store

/// The `station_leases` table: which node serves each station's connection. A lease is taken
/// when a station connects (a station connecting to a second node takes it over: the epoch goes
/// up by one and the previous holder is told with `pg_notify`), renewed by its node while the
/// connection lives, and released when it ends. A released lease keeps its row (no node, expired)
/// so that a station's epochs only ever grow: a late notification of an old takeover can never
/// look newer than the lease a node holds now. Times are milliseconds since 1970 on the
/// nodes' clocks (a lease lasts 30 s; nodes keep NTP time, seconds apart at worst).
///
/// Runs on the process's `DatabaseHost` in its own schema track ("cluster"); every write is
/// one group commit, so on PostgreSQL it is serialized with the other writers by the schema's
/// advisory lock and a takeover's notification goes out when it commits.
public struct StationLeaseStore: Sendable {
    /// One lease.
    public struct Lease: Sendable, Equatable {
        public var station: String
        public var node: String
        public var epoch: Int
        public var expiresAt: Int

        public init(station: String, node: String, epoch: Int, expiresAt: Int) {
            (self.station, self.node, self.epoch, self.expiresAt) = (station, node, epoch, expiresAt)
        }
    }

    /// What taking a lease did: the new epoch, and the lease it replaced (another node's,
    /// live or expired, or this node's own from an earlier connection; nil when released).
    public struct Taken: Sendable, Equatable {
        public var epoch: Int
        public var previous: Lease?

        public init(epoch: Int, previous: Lease?) {
            (self.epoch, self.previous) = (epoch, previous)
        }
    }

    /// The channel a takeover is announced on; the payload is `schema epoch node station`.
    public static let channel = "vigil_station_leases"

    public static let schema = ClusterSchema.track

    let host: any DatabaseHost

    public init(host: any DatabaseHost) {
        self.host = host
    }

    /// Takes `station`'s lease for `node` until `now + ttl` whoever held it, and (on PostgreSQL)
    /// announces a takeover from another node on `channel`.
    public func take(_ station: String, node: String, now: Int, ttlMilliseconds: Int) async throws -> Taken {
        try await host.committing(schema: Self.schema) { database in
            let row = try database.rows("SELECT node, epoch, expires_at FROM station_leases WHERE station = ?", station).first
            let epoch = (row?[1].int ?? 0) + 1
            let previous = row.flatMap { row -> Lease? in
                guard let holder = row[0].text, !holder.isEmpty else { return nil }   // released
                return Lease(station: station, node: holder, epoch: row[1].int ?? 0, expiresAt: row[2].int ?? 0)
            }
            try database.run("""
                INSERT INTO station_leases (station, node, epoch, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (station) DO UPDATE SET node = excluded.node, epoch = excluded.epoch,
                    acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
                """, station, node, epoch, now, now + ttlMilliseconds)
            if let previous, previous.node != node, database.engine == .postgresql {
                _ = try database.rows("SELECT pg_notify(?, current_schema() || ' ' || ?)", Self.channel, "\(epoch) \(node) \(station)")
            }
            return Taken(epoch: epoch, previous: previous)
        }
    }

    /// Extends every lease `node` holds to `now + ttl`; returns them (station → epoch).
    public func renew(node: String, now: Int, ttlMilliseconds: Int) async throws -> [String: Int] {
        try await host.committing(schema: Self.schema) { database in
            try database.run("UPDATE station_leases SET expires_at = ? WHERE node = ?", now + ttlMilliseconds, node)
            var held: [String: Int] = [:]
            for row in try database.rows("SELECT station, epoch FROM station_leases WHERE node = ?", node) {
                if let station = row[0].text, let epoch = row[1].int { held[station] = epoch }
            }
            return held
        }
    }

    /// Gives up `station`'s lease if `node` still holds it at `epoch`; returns whether it did.
    @discardableResult
    public func release(_ station: String, node: String, epoch: Int) async throws -> Bool {
        try await host.committing(schema: Self.schema) { database in
            let held = try database.rows("SELECT 1 FROM station_leases WHERE station = ? AND node = ? AND epoch = ?", station, node, epoch)
            guard !held.isEmpty else { return false }
            try database.run("UPDATE station_leases SET node = '', expires_at = 0 WHERE station = ? AND node = ? AND epoch = ?",
                             station, node, epoch)
            return true
        }
    }

    /// Gives up every lease `node` holds (a node starting: its earlier run's leases); returns how many.
    @discardableResult
    public func releaseAll(node: String) async throws -> Int {
        try await host.committing(schema: Self.schema) { database in
            let count = try database.rows("SELECT count(*) FROM station_leases WHERE node = ?", node).first?.first?.int ?? 0
            try database.run("UPDATE station_leases SET node = '', expires_at = 0 WHERE node = ?", node)
            return count
        }
    }

    /// The node each station's lease names, expired or not (a node that stopped cleanly
    /// released its leases; one that crashed still names its stations).
    public func holders() async throws -> [String: String] {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("SELECT station, node FROM station_leases WHERE node <> ''").reduce(into: [:]) { map, row in
                if let station = row[0].text, let node = row[1].text { map[station] = node }
            }
        }
    }

    /// The lease on `station`, live or expired, unless it was released.
    public func lease(of station: String) async throws -> Lease? {
        try await host.withDatabase(schema: Self.schema) { database in
            try database.rows("SELECT node, epoch, expires_at FROM station_leases WHERE station = ? AND node <> ''", station).first.map {
                Lease(station: station, node: $0[0].text ?? "", epoch: $0[1].int ?? 0, expiresAt: $0[2].int ?? 0)
            }
        }
    }

    /// The database's current schema on PostgreSQL (what a takeover's notification names), nil on SQLite.
    public func currentSchema() async throws -> String? {
        try await host.withDatabase(schema: Self.schema) { database in
            guard database.engine == .postgresql else { return nil }
            return try database.rows("SELECT current_schema()").first?.first?.text
        }
    }

    /// The stations other nodes hold live leases on at `now`.
    public func leasedElsewhere(than node: String, now: Int) async throws -> Set<String> {
        try await host.withDatabase(schema: Self.schema) { database in
            Set(try database.rows("SELECT station FROM station_leases WHERE node <> ? AND expires_at > ?", node, now).compactMap { $0[0].text })
        }
    }

    /// Live leases per node at `now`, for the health view.
    public func liveLeaseCounts(now: Int) async throws -> [String: Int] {
        try await host.withDatabase(schema: Self.schema) { database in
            var counts: [String: Int] = [:]
            for row in try database.rows("SELECT node, count(*) FROM station_leases WHERE expires_at > ? GROUP BY node", now) {
                if let node = row[0].text { counts[node] = row[1].int ?? 0 }
            }
            return counts
        }
    }
}
