import Cluster
import CPMS
import ServiceLog
import Store

/// What `serve` runs when several nodes may share its PostgreSQL database: the station leases
/// (`StationLeases`) and the listener that hears another node take a station over.
struct ClusterNode {
    let leases: StationLeases
    let listener: PostgresListener
    /// The renewals and the takeover notifications, run until shutdown.
    let background: [@Sendable () async -> Void]

    /// Stops the listener's thread (at shutdown).
    func stop() { listener.stop() }
}

extension ServeCommand {
    /// On PostgreSQL: this node's leases, started (its earlier run's leases given up) and
    /// listened for. On SQLite, nil: one node owns the file.
    func startCluster(store: StationStore, connections: ConnectionRegistry) async throws -> ClusterNode? {
        guard case .postgres(let location) = database else { return nil }
        let name = nodeId ?? NodeName.standard(ocppPort: ocppAddress.port)
        let leaseStore = StationLeaseStore(host: store)
        let leases = StationLeases(node: name, store: leaseStore, connections: connections, log: log.line)
        try await leases.start(schema: try await leaseStore.currentSchema())
        // Bounded: a notification that does not fit is caught by the next renewal's reconciliation
        // (10 s), as is everything sent while the listener reconnects (its `connected` asks for one now).
        let (notifications, feed) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(10_000))
        let log = self.log
        let listener = PostgresListener(location: location, channels: [StationLeaseStore.channel],
                                        connected: { feed.yield("") },
                                        failed: { reason in
                                            log(.warning, "lease notifications: no connection to PostgreSQL; retrying", ["error": reason])
                                        },
                                        deliver: { feed.yield($0.payload) })
        listener.start()
        let follow: @Sendable () async -> Void = {
            for await payload in notifications {
                if payload.isEmpty { await leases.renew() } else { await leases.notified(payload) }
            }
        }
        let renew: @Sendable () async -> Void = { await leases.run() }
        log(.info, "station leases on", ["node": name, "ttl": "\(leases.settings.ttl)", "renew": "\(leases.settings.renewInterval)"])
        return ClusterNode(leases: leases, listener: listener, background: [follow, renew])
    }
}
