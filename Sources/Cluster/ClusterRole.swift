import Foundation
import ServiceLog
import Store

/// A role one node holds for the whole deployment (`cluster_roles`): the remediation — the rule
/// runner, the executor and the other event-log consumers — runs on one node at a time, which
/// reads every node's events from the shared log (`EventLog.Source.shared`), so rule windows,
/// ladders, fleet breakers and budgets are one state whichever node a station is connected to.
///
/// The holder renews the role every `ttl / 3`; another node takes it only once it has expired.
/// A holder that cannot renew it for two thirds of `ttl` stops acting (`keep` returns false)
/// before another node may take it over, and the executor reads `stillHeld` before every
/// command; `serve` exits then (fencing by exit) and its supervisor restarts it as a standby. A holder stopping gracefully releases the role, so a standby takes over within
/// `retryInterval`.
public actor ClusterRole {
    public nonisolated let role: String
    public nonisolated let node: String
    public nonisolated let ttl: Duration
    public nonisolated let retryInterval: Duration
    private let host: any DatabaseHost
    private let log: LogLine
    private let clock: @Sendable () -> Int
    private var epoch: Int?
    private var lastRenewal = 0

    public init(role: String, node: String, host: any DatabaseHost, ttl: Duration = .seconds(15), retryInterval: Duration = .seconds(2),
                log: @escaping LogLine, clock: @escaping @Sendable () -> Int = ClusterTime.now) {
        self.role = role
        self.node = node
        self.host = host
        self.ttl = ttl
        self.retryInterval = retryInterval
        self.log = log
        self.clock = clock
    }

    private var ttlMilliseconds: Int { ttl.milliseconds }

    /// Takes the role if it is free or expired; returns whether this node holds it. A live hold
    /// under this node's own name that this process did not take is not taken over either: it
    /// is a run of this node that was killed (its hold expires within `ttl`), or another
    /// process started with the same `--node-id` — taking it would let two processes act on
    /// the fleet until the other noticed (`heldUnderOwnName` says so, for the log).
    public func tryTake() async throws -> Bool {
        let (node, now, ttl) = (self.node, clock(), ttlMilliseconds)
        let role = self.role
        let ownEpoch = epoch
        // The epoch taken, or (nil) who holds it: one read decides both.
        let (taken, holder): (Int?, String?) = try await host.committing(schema: ClusterSchema.track) { database in
            let row = try database.rows("SELECT node, epoch, expires_at FROM cluster_roles WHERE role = ?", role).first
            if let row, (row[2].int ?? 0) > now, row[0].text != node || row[1].int != ownEpoch { return (nil, row[0].text) }
            let epoch = row.map { ($0[1].int ?? 0) + 1 } ?? 1   // every take a new epoch, the same node's too
            try database.run("""
                INSERT INTO cluster_roles (role, node, epoch, expires_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (role) DO UPDATE SET node = excluded.node, epoch = excluded.epoch, expires_at = excluded.expires_at
                """, role, node, epoch, now + ttl)
            return (epoch, node)
        }
        heldUnderOwnName = taken == nil && holder == node
        if let taken {
            if epoch != taken { log(.info, "this node holds the cluster role", ["role": role, "node": node, "epoch": String(taken)]) }
            epoch = taken
            lastRenewal = now
        }
        return taken != nil
    }

    /// The last `tryTake` found the role held under this node's own name by another run.
    public private(set) var heldUnderOwnName = false

    /// Extends the role this node took, only under the epoch it took it with — expired or not,
    /// it is still this node's if nobody took it since. False when another node took it (even
    /// if that one released it again): this node's state is stale then and it must stop.
    public func renew() async throws -> Bool {
        guard let epoch else { return false }
        let (role, node, now, ttl) = (self.role, self.node, clock(), ttlMilliseconds)
        let renewed: Bool = try await host.committing(schema: ClusterSchema.track) { database in
            guard try database.rows("SELECT 1 FROM cluster_roles WHERE role = ? AND node = ? AND epoch = ?", role, node, epoch)
                .first != nil else { return false }
            try database.run("UPDATE cluster_roles SET expires_at = ? WHERE role = ? AND node = ? AND epoch = ?", now + ttl, role, node, epoch)
            return true
        }
        if renewed { lastRenewal = now } else { self.epoch = nil }
        return renewed
    }

    /// Waits until this node holds the role (trying every `retryInterval`); false when cancelled.
    public func acquire() async -> Bool {
        var reported = false
        while !Task.isCancelled {
            do {
                if try await tryTake() { return true }
                if !reported {
                    if heldUnderOwnName {
                        log(.warning, "the cluster role is held under this node's own name: waiting for that hold to expire (a run of "
                            + "this node that was killed), or another process runs with the same --node-id (give each node its own)",
                            ["role": role, "node": node])
                    } else {
                        log(.info, "another node holds the cluster role; standing by", ["role": role, "node": node])
                    }
                    reported = true
                }
            } catch {
                log(.error, "cannot read the cluster role", ["role": role, "error": "\(error)"])
            }
            try? await Task.sleep(for: retryInterval)
        }
        return false
    }

    /// Renews every `ttl / 3` while this node holds the role; returns when it is lost (another
    /// node took it since, or no renewal succeeded for two thirds of `ttl`) or when cancelled
    /// (then it is released).
    public func keep() async -> Bool {
        while !Task.isCancelled {
            try? await Task.sleep(for: ttl / 3)
            if Task.isCancelled { break }
            do {
                if try await !renew() {
                    log(.error, "the cluster role was taken by another node", ["role": role, "node": node])
                    return false
                }
            } catch {
                let silent = clock() - lastRenewal
                log(.error, "cannot renew the cluster role", ["role": role, "error": "\(error)", "sinceLastRenewal": "\(silent) ms"])
                // Two renewals missed: give up a third of the lease early, before another node may take it.
                if silent >= ttlMilliseconds * 2 / 3 { return false }
            }
        }
        await release()
        return true
    }

    /// Gives the role up if this node holds it (a graceful stop).
    public func release() async {
        guard let epoch else { return }
        let (role, node) = (self.role, self.node)
        do {
            _ = try await host.committing(schema: ClusterSchema.track) { database in
                try database.run("UPDATE cluster_roles SET expires_at = 0 WHERE role = ? AND node = ? AND epoch = ?", role, node, epoch)
            }
            self.epoch = nil
            log(.info, "cluster role released", ["role": role, "node": node])
        } catch {
            log(.error, "cannot release the cluster role; it expires on its own", ["role": role, "error": "\(error)"])
        }
    }

    /// Whether this node still holds the role under the epoch it took, unexpired — read from
    /// the store, so a node that was paused (or cut off) past the role's expiry learns it before
    /// it acts (the executor's first gate). Throws when the store cannot be read (fail closed).
    public func stillHeld() async throws -> Bool {
        guard let epoch else { return false }
        let (role, node, now) = (self.role, self.node, clock())
        return try await host.withDatabase(schema: ClusterSchema.track) { database in
            try database.rows("SELECT 1 FROM cluster_roles WHERE role = ? AND node = ? AND epoch = ? AND expires_at > ?",
                              role, node, epoch, now).first != nil
        }
    }

    /// The check `stillHeld` makes, as a statement to run inside another write's transaction
    /// (the rule runner's decisions: `DecisionStore.appendDecisions`): nil when this node holds
    /// no epoch at all. On PostgreSQL the row is locked FOR SHARE, so a takeover waits for the
    /// write to finish instead of slipping between the check and it.
    public func fence() -> (@Sendable (any SQLDatabase) throws -> Bool)? {
        guard let epoch else { return nil }
        let (role, node, now) = (self.role, self.node, clock())
        return { database in
            let lock = database.engine == .postgresql ? " FOR SHARE" : ""
            return try database.rows("SELECT 1 FROM cluster_roles WHERE role = ? AND node = ? AND epoch = ? AND expires_at > ?\(lock)",
                                     role, node, epoch, now).first != nil
        }
    }

    /// Publishes the backlog of this node's event-log consumers (the longest queue) while it
    /// holds the role, for the other nodes' backpressure (`sharedBacklog`).
    public func publishBacklog(_ backlog: Int) async throws {
        guard let epoch else { return }
        let (role, node, now) = (self.role, self.node, clock())
        _ = try await host.committing(schema: ClusterSchema.track) { database in
            try database.run("UPDATE cluster_roles SET backlog = ?, backlog_at = ? WHERE role = ? AND node = ? AND epoch = ?",
                             backlog, now, role, node, epoch)
        }
    }

    /// The backlog the holder of `role` published within `freshness` milliseconds; nil when no
    /// node holds the role or its figure is older (a node that died holds nobody back).
    public static func sharedBacklog(of role: String, host: any DatabaseHost, now: Int, freshness: Int = 2_000) async throws -> Int? {
        try await host.withDatabase(schema: ClusterSchema.track) { database in
            try database.rows("SELECT backlog FROM cluster_roles WHERE role = ? AND expires_at > ? AND backlog_at > ?",
                              role, now, now - freshness).first?.first?.int
        }
    }

    /// The node holding `role` now, if any.
    public static func holder(of role: String, host: any DatabaseHost, now: Int) async throws -> String? {
        try await host.withDatabase(schema: ClusterSchema.track) { database in
            try database.rows("SELECT node FROM cluster_roles WHERE role = ? AND expires_at > ?", role, now).first?.first?.text
        }
    }
}
