import Digests
import API
import Cluster
import CPMS
import Foundation
import Remediation
import ServiceLog
import Store
import Synchronization

/// What `serve` runs when several nodes may share its PostgreSQL database: the station leases
/// (`StationLeases`) and the listener that hears another node take a station over.
struct ClusterNode {
    let leases: StationLeases
    /// Commands for stations another node serves, and those other nodes send this one.
    let requests: NodeRequests
    /// The remediation runs on the node holding this role.
    let remediation: ClusterRole
    let listener: PostgresListener
    /// The renewals and the takeover notifications, run until shutdown.
    let background: [@Sendable () async -> Void]

    /// Stops the listener's thread (at shutdown).
    func stop() { listener.stop() }

    /// Approvals other nodes forward go to `runner` while this node runs the remediation; each
    /// one submitted is audited here (the asking node may time out before the answer comes back).
    func takeApprovals(into runner: RuleRunner, auditor: Auditor) async {
        let name = remediation.node
        await requests.setApprovalHandler { approval in
            guard runner.isActive else { return ApprovalAnswer(.notDecidingNode, "node \(name) does not run the remediation") }
            let submitted = await runner.approve(rule: approval.rule, target: approval.target, approved: approval.approved,
                                                 by: approval.by, role: approval.role)
            guard submitted else { return ApprovalAnswer(.notAwaiting) }
            await auditor.record(ApprovalAudit.record(rule: approval.rule, target: approval.target, approved: approval.approved,
                                                      by: approval.by, role: approval.role, authenticated: approval.authenticated == true,
                                                      askedOf: approval.askedOf ?? "unknown"))
            return ApprovalAnswer(.submitted, name)
        }
    }

    /// What `/api/v1/health` shows of this node (`node`).
    func status(host: StationStore) -> NodeStatus {
        let (leases, role, requests, name) = (self.leases, remediation.role, self.requests, remediation.node)
        return NodeStatus(node: remediation.node, leasedStations: { await leases.count },
                          remediationNode: { try? await ClusterRole.holder(of: role, host: host, now: ClusterTime.now()) },
                          forwardApproval: { rule, target, approved, by, asRole, authenticated in
                              let answer = await requests.approve(ApprovalRequest(rule: rule, target: target, approved: approved, by: by,
                                                                                  role: asRole, authenticated: authenticated,
                                                                                  askedOf: name),
                                                                  role: role, timeout: .seconds(10))
                              switch answer.outcome {
                              case .submitted: return .submitted(node: answer.detail ?? "")
                              case .notAwaiting: return .notAwaiting
                              case .notDecidingNode, .noDecidingNode:
                                  return .unavailable(answer.detail ?? "no node runs the remediation right now (a failover takes up to 17 s)")
                              case .failed: return .unavailable(answer.detail ?? "it failed")
                              }
                          })
    }
}

extension ServeCommand {
    /// On PostgreSQL: this node's leases, started (its earlier run's leases given up) and
    /// listened for. On SQLite, nil: one node owns the file.
    func startCluster(store: StationStore, connections: ConnectionRegistry, commands: CommandService, auditKey: [UInt8]) async throws -> ClusterNode? {
        guard case .postgres(let location) = database else { return nil }
        let name = nodeId ?? NodeName.standard(ocppPort: ocppAddress.port)
        let leaseStore = StationLeaseStore(host: store)
        let leases = StationLeases(node: name, store: leaseStore, connections: connections, log: log.line)
        let schema = try await leaseStore.currentSchema()
        try await leases.start(schema: schema)
        let requests = NodeRequests(node: name, host: store, local: commands, log: log.line,
                                    sealing: SecretBox(sharedKey: auditKey, purpose: NodeRequests.sealingPurpose))
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
        let remediation = ClusterRole(role: "remediation", node: name, host: store, log: log.line)
        return ClusterNode(leases: leases, requests: requests, remediation: remediation, listener: listener,
                           background: [follow, renew, serveRequests])
    }
}

/// Holds back what acts — the rule runner, the executor, the billing and fraud consumers — on a
/// node that does not (yet) run the remediation. One node: open from the start.
final class RemediationGate: Sendable {
    private let isOpen: Mutex<Bool>

    init(open: Bool) { isOpen = Mutex(open) }

    func open() { isOpen.withLock { $0 = true } }

    /// Returns once the gate is open, or when the task is cancelled (the caller then stops).
    func wait() async {
        while !isOpen.withLock({ $0 }) && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// `body`, started once the gate opens (not at all when cancelled before).
    func gated(_ body: @escaping @Sendable () async -> Void) -> @Sendable () async -> Void {
        { [self] in
            await wait()
            if !Task.isCancelled { await body() }
        }
    }
}

extension ServeCommand {
    /// Several nodes, on a node that does not run the remediation: every 250 ms, the backlog the
    /// node that does published, so that this node's appends wait as that node's own do (the
    /// chargers here are answered later rather than the consumers falling ever further behind).
    /// A figure older than 2 s (that node died) or unreadable holds nothing back. Runs until
    /// cancelled (a background job that returns would stop `serve`), idle once this node consumes.
    static func followSharedBacklog(_ role: ClusterRole, events: EventLog, host: StationStore) async {
        while !Task.isCancelled {
            if !events.isActive {
                let backlog = try? await ClusterRole.sharedBacklog(of: role.role, host: host, now: ClusterTime.now())
                if !events.isActive { events.setSharedBacklog(backlog ?? 0) }
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    /// Several nodes: waits for the remediation role, then takes the remediation over — the
    /// event log's consumers from their stored cursors, the rule runner from its saved state,
    /// the executor's unfinished commands — opens the gate, reads every node's events, and
    /// keeps the role. A node that loses it exits at once (status 75): another node acts now,
    /// and two must never act on the same fault.
    static func runRemediationRole(_ role: ClusterRole, events: EventLog, runner: RuleRunner, executor: RemediationExecutor,
                                   gate: RemediationGate, log: Log) async {
        guard await role.acquire() else { return }
        do {
            try await events.activate()
            try await runner.resume()
        } catch {
            log(.error, "cannot take the remediation over; stopping this node", ["error": "\(error)"])
            await role.release()
            exit(75)
        }
        let stopActing: @Sendable () -> Never = {
            log(.error, "this node lost the remediation role; stopping at once so that only one node acts", ["node": role.node])
            exit(75)
        }
        // Fencing: before every command the executor reads that this node still holds the role.
        await executor.setRoleCheck({ try await role.stillHeld() }, onLost: { stopActing() })
        // And in the transaction recording decisions: a node paused past its role must not decide on the record either.
        await runner.setRoleFence({ await role.fence() }, onLost: { stopActing() })
        await executor.recover()
        gate.open()
        log(.info, "this node runs the remediation", ["node": role.node])
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await events.tail(onError: { error in log(.error, "cannot read the shared event log", ["error": "\(error)"]) })
                return true
            }
            group.addTask { await role.keep() }
            group.addTask {
                // The other nodes' appends wait on this node's consumers (`followSharedBacklog`).
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(250))
                    do { try await role.publishBacklog(events.backlog) } catch {
                        log(.warning, "cannot publish the event-log backlog to the other nodes", ["error": "\(error)"])
                    }
                }
                return true
            }
            let kept = await group.next() ?? true
            if !kept { stopActing() }
            group.cancelAll()
        }
    }
}
