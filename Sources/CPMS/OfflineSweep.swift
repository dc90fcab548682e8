import OCPP
import Transport

/// Decides which stations the store should mark offline beyond the ones whose socket closed.
///
/// A station is offline when its socket closes (the endpoint records that on disconnect) or
/// stops answering: the transport pings a socket silent for `pingInterval` and drops it when
/// nothing comes back within `pongTimeout`, which then takes the disconnect path. The sweep
/// catches what remains: a station recorded online, silent (no OCPP message) for two
/// heartbeat intervals, and without a live connection that has heard from it within
/// `answerWindow`. Late heartbeats on an open socket that answers pings never make a station
/// offline: firmware may keep its own interval whatever the Boot response said, and the
/// socket is the better witness. A connected station that says nothing useful is the
/// `silent-charger` rule's business, not this sweep's.
public struct OfflineSweep: Sendable {
    public let store: StationStore
    public let connections: ConnectionRegistry
    /// The heartbeat interval sent in the Boot response, in seconds; two of them without a
    /// message is "silent".
    public var heartbeatInterval: Int
    /// How recently a live connection must have received a frame (any frame: a pong to a
    /// keep-alive ping counts) to prove its station alive.
    public var answerWindow: Duration
    public var clock: @Sendable () -> OCPPDateTime
    /// The stations other nodes serve (several nodes on one database): never this node's to mark.
    public var servedElsewhere: @Sendable () async throws -> Set<String>
    /// This node's name, under which each sweep records it alive (`StationStore.recordNodeAlive`:
    /// after a crash, its stations were online until then); nil records nothing.
    public var node: String?
    /// Told when the liveness record could not be written (the sweep goes on).
    public var reportLiveness: @Sendable (any Error) -> Void = { _ in }

    /// `keepAlive` is the configuration of the stations' WebSocket connections: with pings,
    /// an open socket has heard from its charger within `pingInterval + pongTimeout`, so the
    /// window is that plus one more `pongTimeout` for timers firing late; without pings, an
    /// open socket proves nothing by itself and the window is the heartbeat cutoff.
    public init(store: StationStore, connections: ConnectionRegistry, heartbeatInterval: Int,
                keepAlive: WebSocketConfiguration, clock: @escaping @Sendable () -> OCPPDateTime,
                servedElsewhere: @escaping @Sendable () async throws -> Set<String> = { [] }) {
        self.servedElsewhere = servedElsewhere
        self.store = store
        self.connections = connections
        self.heartbeatInterval = heartbeatInterval
        answerWindow = keepAlive.pingInterval.map { $0 + keepAlive.pongTimeout * 2 } ?? .seconds(2 * heartbeatInterval)
        self.clock = clock
    }

    /// Marks offline the silent stations without an answering connection; returns their ids.
    public func sweep() async throws -> [String] {
        let now = clock()
        if let node {
            // Bookkeeping for after a crash: its failure must not stop the sweep itself.
            do { try await store.recordNodeAlive(node, now: now.rfc3339) } catch { reportLiveness(error) }
        }
        let cutoff = OCPPDateTime(secondsSinceEpoch: now.secondsSinceEpoch - Int64(2 * heartbeatInterval), nanoseconds: now.nanoseconds)
        let answering = await connections.answeringStations(within: answerWindow).union(try await servedElsewhere())
        return try await store.markSilentStationsOffline(before: cutoff.rfc3339, excluding: answering)
    }

    /// Sweeps every `min(30 s, heartbeat interval)` until cancelled, reporting each sweep
    /// that marked stations offline, and each that failed (the next one tries again).
    public func run(report: @Sendable (Result<[String], any Error>) async -> Void) async {
        let period = Duration.seconds(min(30, heartbeatInterval))
        while !Task.isCancelled {
            do { try await Task.sleep(for: period) } catch { return }
            do {
                let marked = try await sweep()
                if !marked.isEmpty { await report(.success(marked)) }
            } catch {
                await report(.failure(error))
            }
        }
    }
}
