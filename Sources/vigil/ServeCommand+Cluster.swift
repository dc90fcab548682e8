import Cluster
import CPMS
import ServiceLog
import Store

/// What `serve` runs when several nodes may share its PostgreSQL database: the station leases
/// (`StationLeases`) and the listener that hears another node take a station over.
struct ClusterNode {
    let leases: StationLeases
    /// Commands for stations another node serves, and those other nodes send this one.
    let requests: NodeRequests
    let listener: PostgresListener
    /// The renewals and the takeover notifications, run until shutdown.
    let background: [@Sendable () async -> Void]

    /// Stops the listener's thread (at shutdown).
    func stop() { listener.stop() }
}

extension ServeCommand {
    /// On PostgreSQL: this node's leases, started (its earlier run's leases given up) and
    /// listened for. On SQLite, nil: one node owns the file.
    func startCluster(store: StationStore, connections: ConnectionRegistry, commands: CommandService) async throws -> ClusterNode? {
        guard case .postgres(let location) = database else { return nil }
        let name = nodeId ?? NodeName.standard(ocppPort: ocppAddress.port)
        let leaseStore = StationLeaseStore(host: store)
        let leases = StationLeases(node: name, store: leaseStore, connections: connections, log: log.line)
        let schema = try await leaseStore.currentSchema()
        try await leases.start(schema: schema)
        let requests = NodeRequests(node: name, host: store, local: commands, log: log.line)
        await requests.start(schema: schema)
        // Bounded: a notification that does not fit is caught by the next renewal's reconciliation
        // (10 s), as is everything sent while the listener reconnects (its `connected` asks for one now).
        let (notifications, feed) = AsyncStream.makeStream(of: PostgresListener.Notification?.self, bufferingPolicy: .bufferingOldest(10_000))
        let log = self.log
        let channels = [StationLeaseStore.channel, NodeRequestStore.requestChannel, NodeRequestStore.answerChannel]
        let listener = PostgresListener(location: location, channels: channels,
                                        connected: { feed.yield(nil) },
                                        failed: { reason in
                                            log(.warning, "lease notifications: no connection to PostgreSQL; retrying", ["error": reason])
                                        },
                                        deliver: { feed.yield($0) })
        listener.start()
        let follow: @Sendable () async -> Void = {
            for await notification in notifications {
                switch notification?.channel {
                case nil:
                    await leases.renew()
                    await requests.drain()
                case StationLeaseStore.channel?: await leases.notified(notification?.payload ?? "")
                case let channel?: await requests.notified(channel: channel, payload: notification?.payload ?? "")
                }
            }
        }
        let renew: @Sendable () async -> Void = { await leases.run() }
        let serveRequests: @Sendable () async -> Void = { await requests.run() }
        log(.info, "station leases on", ["node": name, "ttl": "\(leases.settings.ttl)", "renew": "\(leases.settings.renewInterval)"])
        return ClusterNode(leases: leases, requests: requests, listener: listener, background: [follow, renew, serveRequests])
    }
}
