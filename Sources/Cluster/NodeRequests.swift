import CPMS
import Digests
import Foundation
import OCPP
import ServiceLog
import Store

/// Commands and approvals between nodes (several `vigil serve` nodes on one database). As the origin: a
/// command for a station this node has no connection to goes to the node holding the station's
/// live lease — written to `node_requests`, announced with `pg_notify`, and answered there —
/// and the station's answer comes back (`CommandService.elsewhere`). As the target: this node
/// claims the requests addressed to it and sends them (and configuration reads) through its own
/// connections. An approval goes the same way to the node running the remediation (`approve`),
/// whose rule runner takes it.
///
/// A request not taken before its deadline (the command timeout) is expired by whichever side
/// sees it first and is never sent late: an operator's Reset must not reach a charger minutes
/// after it was asked for. Notifications only make it quick: the origin looks at its request
/// every 250 ms and the target at its queue every 2 s whatever arrives.
///
/// Requests and answers are stored sealed (`SecretBox`, AES-256-GCM under a key derived from the
/// audit key every node holds, bound to their row): a `configure` of `AuthorizationKey` handed to
/// another node carries the secret, and nothing is stored in clear; the target replaces a request
/// it took by a marker. A text sealed under a different key, for another row, or written in clear
/// (an older version) is not opened: the command fails saying so.
public actor NodeRequests: RemoteStationCommands {
    /// What the nodes' sealing key is derived for.
    public static let sealingPurpose = "vigil-node-requests-v1"

    public nonisolated let node: String
    private let store: NodeRequestStore
    private let leases: StationLeaseStore
    private let host: any DatabaseHost
    private var approvalHandler: (@Sendable (ApprovalRequest) async -> ApprovalAnswer)?
    /// This node's own connections (no `elsewhere`: a request is never passed on again).
    private let local: CommandService
    private let log: LogLine
    private let sealing: SecretBox
    private let clock: @Sendable () -> Int
    private var schema: String?
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var isDraining = false
    private var drainAgain = false
    private var lastPrune = 0

    public init(node: String, host: any DatabaseHost, local: CommandService, log: @escaping LogLine, sealing: SecretBox,
                clock: @escaping @Sendable () -> Int = ClusterTime.now) {
        self.sealing = sealing
        self.node = node
        self.store = NodeRequestStore(host: host)
        self.leases = StationLeaseStore(host: host)
        self.host = host
        var local = local
        local.elsewhere = nil
        self.local = local
        self.log = log
        self.clock = clock
    }

    /// The schema the notifications must name (nil on SQLite).
    public func start(schema: String?) { self.schema = schema }

    // MARK: - Origin

    public func serves(_ station: String) async -> Bool {
        ((try? await otherNode(serving: station)) ?? nil) != nil
    }

    public func send(_ command: StationCommand, to station: String, timeout: Duration) async -> CommandOutcome? {
        let target: String?
        do { target = try await otherNode(serving: station) } catch {
            return .failed("cannot read which node serves the station: \(error)")
        }
        guard let target else { return nil }
        return await carry(command, station: station, to: target, timeout: timeout, what: "command",
                           failed: CommandOutcome.failed, timedOut: .timedOut)
    }

    public func readConfiguration(of station: String, keys: [String], timeout: Duration) async -> ConfigurationReading? {
        let target: String?
        do { target = try await otherNode(serving: station) } catch {
            return .failed("cannot read which node serves the station: \(error)")
        }
        guard let target else { return nil }
        return await carry(ForwardedConfigurationRead(configurationKeys: keys), station: station, to: target, timeout: timeout,
                           what: "configuration read", failed: ConfigurationReading.failed, timedOut: .timedOut)
    }

    /// The other node holding `station`'s live lease; nil when no other node does.
    private func otherNode(serving station: String) async throws -> String? {
        guard let lease = try await leases.lease(of: station), lease.node != node, lease.expiresAt > clock() else { return nil }
        return lease.node
    }

    /// `payload` carried to `target` (`exchange`) and its answer decoded; `failed` says why not.
    private func carry<Answer: Decodable>(_ payload: some Encodable, station: String, to target: String, timeout: Duration,
                                          what: String, failed: (String) -> Answer, timedOut: Answer) async -> Answer {
        let request: String
        do { request = try Self.encode(payload) } catch { return failed("cannot encode the \(what): \(error)") }
        switch await exchange(station: station, target: target, request: request, timeout: timeout, what: what) {
        case .answered(let answer): return (try? Self.decode(Answer.self, answer)) ?? failed("node \(target) sent an unreadable answer")
        case .timedOut: return timedOut
        case .failed(let reason): return failed(reason)
        }
    }

    /// Why a request the serving node never took was not carried out.
    static func notTaken(_ what: String, target: String, timeout: Duration) -> String {
        if what == "approval" {
            return "node \(target), which runs the remediation, did not take the approval within \(timeout) (down or cut off?): "
                + "not applied; try again in a few seconds (another node takes the role over within about 17 s)"
        }
        return "node \(target), which holds the station's lease, did not take the \(what) within \(timeout) (down or cut off?): "
            + "not sent; the station is served again once its lease moves or the node is back"
    }

    /// What became of a request handed to another node.
    enum Exchange {
        case answered(String)
        case timedOut
        case failed(String)
    }

    /// Writes `request` for `target`, announces it and waits for its answer: the target must
    /// take it within `timeout` (else it is expired, never run late) and answer within as much again.
    private func exchange(station: String, target: String, request: String, timeout: Duration, what: String) async -> Exchange {
        let timeoutMilliseconds = timeout.milliseconds
        let deadline = clock() + timeoutMilliseconds
        let id: Int
        do {
            let (sealing, origin) = (self.sealing, node)
            id = try await store.submit(station: station, origin: node, target: target, request: "", now: clock(), deadline: deadline) { id in
                sealing.seal(request, context: Self.context("request", id: id, station: station, origin: origin, target: target))
            }
        } catch {
            return .failed("cannot hand the \(what) to node \(target): \(error)")
        }
        log(.info, what == "command" ? "command handed to the node serving the station" : "\(what) handed to node \(target)",
            ["station": station, "node": target, "request": String(id)])
        while true {
            do {
                switch try await store.state(of: id) {
                case ("answered", let answer?)?:
                    guard let opened = sealing.open(answer, context: Self.context("answer", id: id, station: station, origin: node, target: target)) else {
                        return .failed("node \(target)'s answer cannot be opened: sealed under another key (every node needs the same audit key) or by an older version")
                    }
                    return .answered(opened)
                // Expired untaken: certainly not carried out (a request is never run late), so
                // not "timed out", which reads as "sent, maybe acted on".
                case ("expired", _)?:
                    return .failed(Self.notTaken(what, target: target, timeout: timeout))
                case ("pending", _)? where clock() >= deadline:
                    if try await store.expire(id) {
                        log(.warning, "\(what) not taken by node \(target) in time; expired", ["station": station, "node": target])
                        return .failed(Self.notTaken(what, target: target, timeout: timeout))
                    }
                case ("running", _)? where clock() >= deadline + timeoutMilliseconds + 2_000:
                    return .timedOut   // the target took it and never answered (it died meanwhile)
                case nil:
                    return .failed("the request to node \(target) disappeared")
                default:
                    break
                }
            } catch {
                log(.error, "cannot read an answer from another node", ["station": station, "error": "\(error)"])
                if clock() >= deadline + timeoutMilliseconds + 2_000 { return .timedOut }
            }
            await wait(for: id, milliseconds: 250)
        }
    }

    /// An operator's answer to a paused ladder, asked of this node while another one runs the
    /// remediation: it goes to the node holding `role` (nil: no node holds it right now).
    public func approve(_ approval: ApprovalRequest, role: String, timeout: Duration) async -> ApprovalAnswer {
        let holder: String?
        do { holder = try await ClusterRole.holder(of: role, host: host, now: clock()) } catch {
            return ApprovalAnswer(.failed, "cannot read which node runs the remediation: \(error)")
        }
        guard let holder, holder != node else { return ApprovalAnswer(.noDecidingNode) }
        return await carry(ForwardedApproval(approval: approval), station: String(approval.target.split(separator: "/").first ?? ""),
                           to: holder, timeout: timeout, what: "approval", failed: { ApprovalAnswer(.failed, $0) },
                           timedOut: ApprovalAnswer(.failed, "node \(holder) did not answer in time"))
    }

    /// Where approvals other nodes forward are handed (the rule runner, on the deciding node).
    public func setApprovalHandler(_ handler: @escaping @Sendable (ApprovalRequest) async -> ApprovalAnswer) {
        approvalHandler = handler
    }

    private func wait(for id: Int, milliseconds: Int) async {
        await withCheckedContinuation { continuation in
            waiters[id] = continuation
            Task { [weak self] in
                try? await Task.sleep(for: .milliseconds(milliseconds))
                await self?.wake(id)
            }
        }
    }

    private func wake(_ id: Int) {
        waiters.removeValue(forKey: id)?.resume()
    }

    // MARK: - Target

    /// Takes the requests addressed to this node and sends each through its connection.
    public func drain() async {
        if isDraining {
            drainAgain = true
            return
        }
        isDraining = true
        defer { isDraining = false }
        repeat {
            drainAgain = false
            let claimed: [NodeRequestStore.Pending]
            do { claimed = try await store.claim(node: node, now: clock()) } catch {
                log(.error, "cannot read the requests other nodes sent", ["node": node, "error": "\(error)"])
                return
            }
            let approvals = approvalHandler
            for request in claimed {
                Task { await self.serve(request, approvals: approvals) }
            }
            if claimed.count == 64 { drainAgain = true }
        } while drainAgain
    }

    private nonisolated func serve(_ request: NodeRequestStore.Pending,
                                   approvals: (@Sendable (ApprovalRequest) async -> ApprovalAnswer)?) async {
        var answer: String
        do {
            guard let text = sealing.open(request.request, context: Self.context("request", id: request.id, station: request.station,
                                                                                  origin: request.origin, target: node)) else {
                log(.error, "a request from another node cannot be opened: sealed under another key (every node needs the same audit key) "
                    + "or written in clear by an older version", ["station": request.station, "request": String(request.id), "origin": request.origin])
                answer = try Self.encode(CommandOutcome.failed("node \(node) cannot open the request: every node must hold the same audit key and run the same version"))
                return await store(answer: answer, for: request)
            }
            var request = request
            request.request = text
            if let forwarded = try? Self.decode(ForwardedApproval.self, request.request) {
                answer = try Self.encode(await approvals?(forwarded.approval) ?? ApprovalAnswer(.notDecidingNode))
            } else if let forwarded = try? Self.decode(ForwardedConfigurationRead.self, request.request) {
                // The answer is stored in node_requests: secret values never leave this node in clear.
                var reading = await local.readConfiguration(of: request.station, keys: forwarded.configurationKeys)
                if case .settings(let settings, let unknown) = reading {
                    reading = .settings(settings.map { setting in
                        var setting = setting
                        setting.value = setting.value.map { SecretSettings.recordable($0, key: setting.key) }
                        return setting
                    }, unknown: unknown)
                }
                answer = try Self.encode(reading)
            } else if let command = try? Self.decode(StationCommand.self, request.request) {
                answer = try Self.encode(await local.send(command, to: request.station))
            } else {
                answer = try Self.encode(CommandOutcome.failed("unreadable request from another node"))
            }
        } catch {
            log(.error, "cannot encode an answer to another node", ["request": String(request.id), "error": "\(error)"])
            return
        }
        await store(answer: answer, for: request)
    }

    /// Stores `answer` (sealed) for `request` and announces it to its origin.
    private nonisolated func store(answer: String, for request: NodeRequestStore.Pending) async {
        guard let sealed = sealing.seal(answer, context: Self.context("answer", id: request.id, station: request.station, origin: request.origin,
                                                                      target: node)) else {
            log(.error, "cannot seal an answer to another node", ["station": request.station, "request": String(request.id)])
            return
        }
        do { try await store.answer(request.id, sealed, now: clock()) } catch {
            log(.error, "cannot answer another node's request", ["station": request.station, "request": String(request.id), "error": "\(error)"])
        }
    }

    /// What a sealed request or answer is bound to: its direction and row (a text copied to
    /// another row, or an answer passed off as a request, does not open).
    static func context(_ kind: String, id: Int, station: String, origin: String, target: String) -> String {
        "vigil-node-\(kind)\n\(id)\n\(station)\n\(origin)\n\(target)"
    }

    // MARK: - Notifications and upkeep

    /// A request or answer announced (`NodeRequestStore.requestChannel`, `.answerChannel`).
    public func notified(channel: String, payload: String) async {
        let parts = payload.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard parts.first == schema else { return }
        if channel == NodeRequestStore.requestChannel, parts.count == 2, parts[1] == node {
            await drain()
        } else if channel == NodeRequestStore.answerChannel, parts.count == 3, parts[1] == node, let id = Int(parts[2]) {
            wake(id)
        }
    }

    /// Looks for requests every 2 s (a lost notification costs no more) and prunes requests
    /// older than a day every hour, until cancelled.
    public func run() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: .seconds(2)) } catch { return }
            await drain()
            if clock() - lastPrune > 3_600_000 {
                lastPrune = clock()
                do { try await store.prune(before: clock() - 86_400_000) } catch {
                    log(.error, "cannot prune old node requests", ["error": "\(error)"])
                }
            }
        }
    }

    static func encode<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
