import Alerts
import Audit
import CPMS
import DomainEvents
import Foundation
import RuleEngine
import ServiceLog
import VendorCatalog

/// The only component that sends remediating commands. For each `act` decision it checks the
/// safety gates (kill switch, dry-run, maintenance, safety-class faults, live transactions,
/// the per-station reset budget, the reboot-loop and fleet breakers), records the command
/// before sending it (write-ahead), sends it through the station's live connection or queues it
/// until the station reconnects, records the outcome, and feeds a `commandResult` event back to
/// the rules. Verification decisions mark the command as having worked or not.
public actor RemediationExecutor {
    /// Runs on the remediation thread, not on the cooperative pool, so a fault is decided and
    /// acted on without waiting behind the fleet's traffic (`ThreadExecutor`).
    public nonisolated var unownedExecutor: UnownedSerialExecutor { ThreadExecutor.remediation.asUnownedSerialExecutor() }

    let store: StationStore
    /// Where the safety gates read (the store itself, or in `vigil serve` a read-only
    /// connection on its own thread: a gate's read then never waits behind the writer's
    /// group commit, and sees everything committed before it).
    let reads: StationStore
    let commands: CommandService
    /// The command records, written through the store and read (by the gates) through `reads`.
    let commandRecords: CommandStore
    let commandReads: CommandStore
    /// The decisions, read for the rung a queued command was decided on.
    var decisionRecords: DecisionStore { DecisionStore(host: reads) }
    /// The kill switch and breakers, written through the store and read (by the gates) through `reads`.
    let settings: RemediationSettings
    let settingsReads: RemediationSettings
    let auditor: Auditor
    public let policy: RemediationPolicy
    let clock: @Sendable () -> Date
    let log: RuleRunner.Logger
    /// Where `commandResult` events go (the rule runner).
    let feedback: @Sendable (DomainEvent) -> Void
    /// Where alerts go (raised, and resolved when a rule's incident clears).
    let alerts: any AlertSink
    /// Classes the faults open at a station (never-reset or not); nil: every open fault counts
    /// as never-reset (fail closed).
    let catalog: VendorCatalog?
    /// Fleet breaker: station → last fault time.
    var recentFaults: [String: Date] = [:]
    var fleetHaltedUntil: Date?
    var fleetHoldStarted: Date?
    /// Stations known when the hold began, for the grouped alert.
    var holdKnown = 0
    /// What the current hold kept from going out (commands and alerts), for the grouped alert.
    var heldByHold: [String] = []
    /// `heldByHold` as a set: each command and target (or alert) is listed once (`noteHeld`).
    var heldByHoldSet: Set<String> = []
    /// Commands the fleet breaker held whose ladder could not pause for them (a rung without
    /// `verify` moves on at once): the executor itself sends them when the hold ends
    /// (`releaseHeld`), after checking again.
    var heldForRelease: [KeptCommand] = []
    /// Resets that joined one still on its way (`sent`), by that one's record: they share its
    /// fate if it fails (`failJoined`).
    var joinedResets: [Int: [KeptCommand]] = [:]
    /// Reboot-loop breaker: station → boots attributed to Vigil's resets.
    var attributedBoots: [String: [Date]] = [:]
    /// Reboot-loop breakers tripped since start, by station (also stored; this copy holds
    /// even when the store could not be written).
    var heldStations: [String: Date] = [:]
    /// Gates that could not read their state and have been alerted on (once each).
    var unreadableGates: Set<String> = []
    /// Sends still waiting for the station's answer, by `rule|target`: an alert of the same
    /// ladder waits for them, so its text says what the station answered.
    var inFlight: [String: [Int: Task<Void, Never>]] = [:]
    /// The last alert raised per `rule|target`, so a later outcome updates it.
    var raisedAlerts: [String: AlertRequest] = [:]
    /// Per rule and site halted by the rule's `haltWhen`: why, and the targets whose firing the
    /// halt has suppressed since, for its page (`RemediationExecutor+Halts.swift`). Bounded by
    /// the rules and sites; an entry goes when its halt ends.
    var haltedTargets: [String: (reason: String, held: [String])] = [:]
    /// Open faults alerted as "reset refused", once per station and fault.
    var refusalsAlerted: Set<String> = []
    /// Several nodes: whether this node still holds the remediation role (read from the store
    /// before every command: a node paused past its role's expiry must not act beside the node
    /// that took over). Nil on a single node.
    var roleCheck: (@Sendable () async throws -> Bool)?
    /// Called when the role check finds the role lost (`serve` exits: another node decides).
    var roleLost: (@Sendable () async -> Void)?

    /// Several nodes: checks `holdsRole` before every command (a gate like the others, failing
    /// closed when it cannot be read); when the role is lost the command is dropped unrecorded
    /// and `onLost` runs.
    public func setRoleCheck(_ holdsRole: @escaping @Sendable () async throws -> Bool, onLost: @escaping @Sendable () async -> Void) {
        roleCheck = holdsRole
        roleLost = onLost
    }

    public static let killSwitchKey = "remediation.paused"

    public init(store: StationStore, commands: CommandService, auditor: Auditor, catalog: VendorCatalog? = nil,
                policy: RemediationPolicy = RemediationPolicy(),
                clock: @escaping @Sendable () -> Date = { Date() }, log: @escaping RuleRunner.Logger,
                feedback: @escaping @Sendable (DomainEvent) -> Void, alerts: any AlertSink,
                reads: StationStore? = nil) {
        self.store = store
        self.reads = reads ?? store
        commandRecords = CommandStore(host: store)
        commandReads = CommandStore(host: reads ?? store)
        settings = RemediationSettings(host: store)
        settingsReads = RemediationSettings(host: reads ?? store)
        self.commands = commands
        self.auditor = auditor
        self.catalog = catalog
        self.policy = policy
        self.clock = clock
        self.log = log
        self.feedback = feedback
        self.alerts = alerts
    }

    var now: String { RuleRunner.timestamp(clock()) }

    /// At start: commands a crash left between recording and confirming are marked unknown
    /// (they still count against budgets).
    public func recover() async {
        do {
            let interrupted = try await commandRecords.markInterruptedCommands(now: now)
            if !interrupted.isEmpty {
                log(.warning, "commands interrupted by a stop; their outcome is unknown", ["count": String(interrupted.count)])
                await auditor.record(AuditRecord(kind: "system", actor: "executor", action: "recover", outcome: "unknown",
                                                 details: "\(interrupted.count) command(s) were recorded but not confirmed before Vigil stopped"))
                // Each command's own step, so its record and its trail agree.
                await auditor.record(interrupted.map { row in
                    AuditRecord(kind: "command", actor: "executor", station: row.station, site: row.site, rule: row.rule,
                                action: row.action + (row.argument.map { " " + $0 } ?? ""), outcome: CommandStatus.unknown.rawValue,
                                details: CommandTrail.details(command: row.id, decision: row.decisionId, ruleHash: row.ruleHash,
                                                              status: CommandStatus.unknown.rawValue,
                                                              note: "Vigil stopped between recording and confirming this command"))
                })
            }
        } catch {
            log(.error, "cannot recover the command record", ["error": "\(error)"])
        }
    }

    /// Takes the rule runner's decisions from now on (call it before the runner starts). They are
    /// carried out in the order they were made, but the runner does not wait for them: a
    /// command's checks and records take several store trips, and the next events (another
    /// station's fault) must not queue behind them. The stream is unbounded on purpose: every
    /// decision in it is already durable, it only orders their execution, and its source is
    /// paced by the event log's backpressure.
    /// `live`, when given, also gets each decision as it is recorded (the API's event stream;
    /// `LiveFeed.publish` never waits, so it cannot slow the runner).
    public nonisolated func decisions(from runner: RuleRunner, live: LiveFeed<LiveUpdate>? = nil) async -> AsyncStream<[StoredDecision]> {
        let (decided, queue) = AsyncStream<[StoredDecision]>.makeStream()
        await runner.setDecisionHandler { batch in
            queue.yield(batch)
            if let live, live.hasSubscribers { batch.compactMap(LiveUpdate.decision).forEach(live.publish) }
        }
        return decided
    }

    /// Carries out `decisions` in order until the stream ends (`vigil serve` runs it on the
    /// fault loop's thread).
    public func carryOut(_ decisions: AsyncStream<[StoredDecision]>) async {
        for await batch in decisions { await handle(batch) }
    }

    public func handle(_ decisions: [StoredDecision]) async {
        for stored in decisions {
            let decision = stored.decision
            switch decision.kind {
            case .act:
                guard let action = decision.action else { continue }
                if action.type.isCommand {
                    await execute(decision, action: action, decisionId: stored.id)
                } else if action.type == .alert {
                    await alert(decision, action: action, decisionId: stored.id)
                } else if action.type == .blockToken {
                    await blockToken(decision, action: action, decisionId: stored.id)
                }
            case .verified, .verificationFailed:
                await markVerification(decision, worked: decision.kind == .verified)
            case .cleared:
                // The incident is over: its open alert is resolved (and the routes told).
                await alerts.resolve(rule: decision.rule, target: decision.target.key)
            case .halted, .suppressed:
                await pageHalt(decision, decisionId: stored.id)
            default:
                continue
            }
        }
    }

    func markVerification(_ decision: Decision, worked: Bool) async {
        guard let station = decision.target.station else { return }
        do {
            guard let command = try await commandRecords.lastCommand(rule: decision.rule, station: station, connector: decision.target.connector),
                  command.verified == nil else { return }
            // The engine cites the verifying event last among a `verified` decision's evidence.
            let evidence = worked ? "event \(decision.eventIds.last ?? "?"): \(decision.reason)" : decision.reason
            try await commandRecords.setVerified(commandId: command.id, worked, by: evidence)
            await auditor.record(AuditRecord(kind: "verification", actor: "rules", station: station, site: decision.target.site,
                                             rule: decision.rule, action: command.action + (command.argument.map { " " + $0 } ?? ""),
                                             outcome: worked ? "verified" : "notVerified",
                                             details: CommandTrail.details(command: command.id, decision: command.decisionId,
                                                                           ruleHash: command.ruleHash ?? decision.ruleHash,
                                                                           status: worked ? "verified" : "notVerified",
                                                                           note: "\(evidence) (decision \(decision.kind.rawValue))")))
        } catch {
            log(.error, "cannot record a verification", ["rule": decision.rule, "station": station, "error": "\(error)"])
        }
    }
}
