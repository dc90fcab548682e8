import CPMS
import Foundation
import ServiceLog
import Store
import Transport

/// One node's side of the station leases (several `vigil serve` nodes on one PostgreSQL): it
/// takes a station's lease when the station connects, releases it when that connection ends,
/// renews what it holds every `renewInterval`, and closes its own connection to a station
/// another node has taken over — at once when the takeover's notification arrives, at the
/// latest at the next renewal, which compares what the table says with what this node holds.
///
/// Fails closed: a station whose lease cannot be taken is not served (the charger is told to
/// come back), and when renewals have failed for longer than a lease lasts, this node can no
/// longer know that no other node serves its stations: it closes their connections, and the
/// chargers reconnect wherever the deployment sends them.
public actor StationLeases {
    /// Timing of the leases.
    public struct Settings: Sendable {
        /// How long a lease lasts without renewal.
        public var ttl: Duration = .seconds(30)
        /// How often a node renews its leases (a third of `ttl`: two renewals may fail).
        public var renewInterval: Duration = .seconds(10)
        public init() {}
    }

    /// This node's name in the lease table.
    public nonisolated let node: String
    public nonisolated let settings: Settings
    private let store: StationLeaseStore
    private let connections: ConnectionRegistry
    private let log: LogLine
    private let clock: @Sendable () -> Int
    /// The stations this node serves, with the epoch of the lease their live connection took.
    private var held: [String: Int] = [:]
    /// Stations whose lease is being taken right now (a renewal must not call them stale).
    private var taking: [String: Int] = [:]
    private var lastRenewal: Int
    /// The schema the notifications must name (another deployment's share the channel).
    private var schema: String?

    /// `clock` gives milliseconds since 1970 (the system clock by default).
    public init(node: String, store: StationLeaseStore, connections: ConnectionRegistry, settings: Settings = Settings(),
                log: @escaping LogLine, clock: @escaping @Sendable () -> Int = ClusterTime.now) {
        self.node = node
        self.store = store
        self.connections = connections
        self.settings = settings
        self.log = log
        self.clock = clock
        lastRenewal = clock()
    }

    private var ttlMilliseconds: Int { settings.ttl.milliseconds }

    /// At start-up: the leases an earlier run of this node left (killed before releasing them)
    /// are given up — this node holds no connection yet; and the schema notifications must name.
    public func start(schema: String?) async throws {
        self.schema = schema
        let dropped = try await store.releaseAll(node: node)
        if dropped > 0 { log(.info, "released the leases an earlier run of this node left", ["node": node, "leases": String(dropped)]) }
        lastRenewal = clock()
    }

    /// Takes `station`'s lease for a connection that has just been accepted; returns its epoch.
    /// Throws when the lease cannot be written: the connection must then not be served.
    public func take(_ station: String) async throws -> Int {
        let ticket = (taking[station] ?? 0) + 1
        taking[station] = ticket
        defer { if taking[station] == ticket { taking[station] = nil } }
        let taken = try await store.take(station, node: node, now: clock(), ttlMilliseconds: ttlMilliseconds)
        if let previous = taken.previous, previous.node != node {
            log(.info, "station taken over from another node", ["station": station, "from": previous.node,
                                                                 "epoch": String(taken.epoch),
                                                                 "previousLease": previous.expiresAt > clock() ? "live" : "expired"])
        }
        if let current = held[station], current > taken.epoch { return taken.epoch }   // a later connection already took it
        held[station] = taken.epoch
        return taken.epoch
    }

    /// The connection that took `epoch` has ended: gives the lease up if this node still holds
    /// it. Returns false when another node has taken the station over since (the station is not
    /// offline: it is served elsewhere) or a later connection here holds it.
    public func release(_ station: String, epoch: Int) async -> Bool {
        guard held[station] == epoch else { return false }
        held[station] = nil
        do {
            return try await store.release(station, node: node, epoch: epoch)
        } catch {
            // The row stays until the next renewal finds it stale (not held) and removes it.
            log(.error, "cannot release a station's lease", ["station": station, "error": "\(error)"])
            return true
        }
    }

    /// Whether this node serves `station` now.
    public func holds(_ station: String) -> Bool { held[station] != nil }

    /// How many stations this node holds.
    public var count: Int { held.count }

    /// The stations other nodes hold live leases on: online there, never this node's to mark offline.
    public func servedElsewhere() async throws -> Set<String> {
        try await store.leasedElsewhere(than: node, now: clock())
    }

    /// A takeover announced by another node (`StationLeaseStore.channel`): if it is newer than
    /// this node's lease, the local connection is closed (1001) without marking the station offline.
    public func notified(_ payload: String) async {
        let parts = payload.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, let epoch = Int(parts[1]) else {
            log(.warning, "unreadable lease notification ignored", ["payload": String(payload.prefix(200))])
            return
        }
        guard String(parts[0]) == schema else { return }   // another deployment on the same database
        let (newNode, station) = (String(parts[2]), String(parts[3]))
        guard newNode != node, let mine = held[station], mine < epoch else { return }
        await lose(station, to: newNode)
    }

    /// Renews this node's leases and reconciles: a station held here whose lease another node
    /// has taken is closed here; a lease the table gives this node that no connection here
    /// holds (a release that failed, an earlier run's) is given up.
    public func renew() async {
        let before = held
        let renewed: [String: Int]
        do {
            renewed = try await store.renew(node: node, now: clock(), ttlMilliseconds: ttlMilliseconds)
        } catch {
            let silentFor = clock() - lastRenewal
            log(.error, "cannot renew station leases", ["node": node, "error": "\(error)", "sinceLastRenewal": "\(silentFor) ms"])
            if silentFor >= ttlMilliseconds, !held.isEmpty {
                // Another node may serve these stations by now: stop serving them here.
                log(.error, "station leases expired without renewal; closing this node's charger connections",
                    ["node": node, "stations": String(held.count)])
                let stations = Array(held.keys)
                held = [:]
                for station in stations { await close(station, reason: "this node lost contact with the database") }
            }
            return
        }
        lastRenewal = clock()
        for (station, epoch) in before where held[station] == epoch && renewed[station] != epoch {
            let owner = (try? await store.lease(of: station))?.node ?? "none"
            held[station] = nil
            log(.warning, "station's lease is no longer this node's; closing its connection here",
                ["station": station, "holder": owner])
            await close(station, reason: "station connected to another node")
        }
        for (station, epoch) in renewed where held[station] != epoch && taking[station] == nil {
            do { try await store.release(station, node: node, epoch: epoch) } catch {
                log(.error, "cannot release a stale station lease", ["station": station, "error": "\(error)"])
            }
        }
    }

    /// Renews every `renewInterval` until cancelled.
    public func run() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: settings.renewInterval) } catch { return }
            await renew()
        }
    }

    private func lose(_ station: String, to newNode: String) async {
        held[station] = nil
        log(.info, "station connected to another node; closing its connection here", ["station": station, "node": newNode])
        await close(station, reason: "station connected to another node")
    }

    private func close(_ station: String, reason: String) async {
        await connections.connection(for: station)?.socket.beginClose(code: .goingAway, reason: reason)
    }
}
