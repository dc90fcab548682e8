import Alerts
import Audit
import CPMS
import DomainEvents
import Foundation
import RuleEngine
import ServiceLog
import Store
import VendorCatalog

/// Runs the pure rule engine for a live system. It is the `rules` consumer of the durable
/// `EventLog`: it takes events in batches (urgent ones first, each station's in order),
/// evaluates them with the event's own time (deadlines falling due before an event are ticked
/// first, as `rules replay` does), and stores each batch's decisions together with its cursor
/// in one transaction — so after a crash nothing is decided twice and nothing is skipped.
/// The engine's state is saved every 10 s (less often when saving takes long: `saveInterval`)
/// with the cursor it was taken at, encoded and written off the runner's thread; a restart
/// loads it and replays the events after that cursor without acting on what was recorded.
/// Deadlines are also ticked by the clock while nothing waits. One actor, so the engine's
/// state is only ever touched by one evaluation at a time.
public actor RuleRunner {
    /// Runs on the remediation thread, not on the cooperative pool, so a fault is decided and
    /// acted on without waiting behind the fleet's traffic (`ThreadExecutor`).
    public nonisolated var unownedExecutor: UnownedSerialExecutor { ThreadExecutor.remediation.asUnownedSerialExecutor() }

    /// The runner's name in the event log and its cursor table.
    public static let consumer = "rules"
    /// How often time passing (`tick`) is fed to the engine, so deadlines — absence rules,
    /// `for` windows, verifications, approval timeouts — fall due without an incoming event.
    nonisolated let tickInterval: Duration
    public typealias Logger = LogLine

    private(set) var engine: RuleEngine
    private(set) var state: RuleEngineState
    let store: StationStore
    private let events: EventLog
    let log: Logger
    let clock: @Sendable () -> Date
    private var lastSaved: Date
    /// The least time between the starts of two periodic saves of the state: 10 s, or
    /// `saveCostFactor` times what encoding the last one took, at most `longestSaveInterval` —
    /// saving a large fleet's state (15,000 stations: seconds of JSON encoding) then costs about
    /// 2 % of a core rather than most of the rules thread. A restart replays about this much of
    /// the log (plus the save's own time).
    private(set) var saveInterval: TimeInterval = RuleRunner.shortestSaveInterval
    static let shortestSaveInterval: TimeInterval = 10
    static let longestSaveInterval: TimeInterval = 120
    static let saveCostFactor = 50.0
    /// The save of the state in progress (`beginStateSave`), if any.
    private var stateSave: (task: Task<Void, Never>, ticket: StateSaveTicket)?
    /// When the alert silences were last read from the store (`refreshSilences`).
    private var silencesRead: Date?
    /// Called with every batch of decisions after they are stored and audited, with their
    /// store ids (the executor hooks in here).
    public private(set) var onDecisions: (@Sendable ([StoredDecision]) async -> Void)?
    /// Several nodes: the remediation role's fence and what to do once it is lost
    /// (RuleRunner+Role.swift); nil on a single node.
    var roleFence: (@Sendable () async -> RoleFence?)?
    var roleLost: (@Sendable () async -> Void)?
    public internal(set) var hasLostRole = false
    private let auditor: Auditor?

    /// What the engine's state has evaluated (the event log's cursor after the last batch).
    private var evaluated: EventCursor
    /// Deadlines up to here have been ticked.
    private var tickedThrough: Date
    /// Decisions are recorded for every event this covers and every deadline up to
    /// `recordedTicks`; a restart replays those without acting.
    private var recorded: EventCursor
    /// Events evaluated and decisions recorded since start (`/metrics`).
    public nonisolated let counters = RuleCounters()
    /// Hashes of the rule versions whose text is known to be stored (`rule_versions`).
    private var storedVersions: Set<String> = []
    private var recordedTicks: Date?
    /// Whether the engine still replays what it had recorded before a restart (its start is
    /// marked when that ends, so replayed events keep their own times).
    private var replaying: Bool
    /// Batches (and the tick's deadlines) being evaluated or recorded: the tick's cursor save
    /// and state saves wait until none is. A count, not a flag: the actor is reentrant, so a
    /// batch may begin while the tick records its deadlines' decisions, and the tick ending
    /// its part must not declare the runner idle while the batch's decisions are unrecorded —
    /// a cursor saved then would cover them, and a crash before their commit would lose them.
    private var inFlight = 0
    private var busy: Bool { inFlight > 0 }
    public private(set) var evaluatedCount = 0

    /// Events the executor and the API hand back (command results, holds, approvals), appended
    /// to the log in order by `run`. Unbounded, but they come at most one per command or answer.
    private nonisolated let feedback: AsyncStream<DomainEvent>.Continuation
    private let feedbackStream: AsyncStream<DomainEvent>

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// The saved state could not be read from the store: starting without it would forget
    /// cooldowns, attempts, budgets and held ladders, so the runner does not start.
    public struct StateUnreadable: Error, CustomStringConvertible {
        public var error: String
        public var description: String {
            "cannot read the saved rule state (cooldowns, attempts, budgets, running ladders): \(error); not starting without it"
        }
    }

    /// Starts from the state saved in `store` (the state of rules whose text changed is dropped)
    /// and registers with `events` from the cursor that state was taken at. Throws
    /// `StateUnreadable` when the store cannot be read (fail closed); a saved state in a form
    /// this build cannot decode is logged and replaced by an empty one.
    public init(ruleSet: RuleSet, catalog: VendorCatalog?, store: StationStore, events: EventLog, auditor: Auditor? = nil,
                tickInterval: Duration = .milliseconds(250), clock: @escaping @Sendable () -> Date = { Date() },
                log: @escaping Logger) async throws {
        self.auditor = auditor
        self.tickInterval = tickInterval
        let engine = RuleEngine(ruleSet: ruleSet, catalog: catalog)
        let loaded = try await Self.load(engine: engine, store: store, shared: events.source == .shared, clock: clock, log: log)
        self.evaluated = loaded.start
        self.recorded = loaded.recorded
        self.recordedTicks = loaded.recordedTicks
        self.tickedThrough = loaded.tickedThrough
        self.replaying = loaded.replaying
        self.engine = engine
        self.state = loaded.state
        self.store = store
        self.events = events
        self.clock = clock
        self.log = log
        lastSaved = clock()
        (feedbackStream, feedback) = AsyncStream.makeStream(of: DomainEvent.self)
        try await registerWithEventLog()
        if loaded.fresh { await saveState() }
    }

    /// What the store holds of the runner: its state (adopted by `engine`) and both cursors.
    struct Loaded {
        var state: RuleEngineState
        var start: EventCursor
        var recorded: EventCursor
        var recordedTicks: Date?
        var tickedThrough: Date
        var replaying: Bool
        /// No saved state could be adopted: the runner saves its empty one at once (below).
        var fresh: Bool
    }

    /// `shared`: several nodes; a runner without a cursor writes its first one, so the node
    /// that takes the remediation over later starts from there, not from the newest event.
    static func load(engine: RuleEngine, store: StationStore, shared: Bool, clock: @Sendable () -> Date, log: Logger) async throws -> Loaded {
        var state = RuleEngineState()
        let saved: SavedRuleState?
        let stored: StationStore.StoredCursor?
        let head: Int
        do {
            saved = try await DecisionStore(host: store).ruleState()
            head = try await store.lastEventSequence()
            if let cursor = try await store.eventCursor(consumer: Self.consumer) {
                stored = cursor
            } else if shared {
                stored = try await store.createEventCursorIfMissing(consumer: Self.consumer, position: head, now: StoreTime.format(clock()))
            } else {
                stored = nil
            }
        } catch { throw StateUnreadable(error: "\(error)") }
        var stateCursor: EventCursor?
        if let saved {
            do {
                state = engine.adopt(try JSONDecoder().decode(RuleEngineState.self, from: Data(saved.json.utf8)))
                stateCursor = saved.cursor
            } catch {
                log(.warning, "saved rule state unreadable; starting with empty windows", ["error": "\(error)"])
            }
        }
        // Decisions are stored with the runner's cursor, in one transaction: with no cursor
        // stored, nothing was ever decided, so everything after the saved state is still to be
        // decided (a runner killed before its first record or tick — the events it was handed
        // are in the log). Only a runner with neither starts at the log's head.
        let recorded = stored?.cursor ?? stateCursor ?? EventCursor(position: head)
        // The state's own cursor when it has one; else (no state, or one saved before the log had
        // cursors) the state stands for what was recorded.
        let start = stateCursor ?? recorded
        let now = clock()
        let replaying = start != recorded
        if !replaying { engine.start(at: now, state: &state) }
        return Loaded(state: state, start: start, recorded: recorded, recordedTicks: stored?.tickedThrough.flatMap(StoreTime.parse),
                      tickedThrough: saved?.engineTime.flatMap(StoreTime.parse) ?? now, replaying: replaying,
                      fresh: stateCursor == nil)
    }

    private func registerWithEventLog() async throws {
        do { try await events.register(Self.consumer, from: evaluated) } catch { throw StateUnreadable(error: "\(error)") }
        if replaying {
            log(.info, "replaying the events decided before the restart, without acting on them",
                ["from": String(evaluated.position), "through": String(recorded.position)])
        }
    }

    /// Several nodes: this node takes over the remediation. The state and cursors are read again
    /// (the node that ran it until now decided since this runner was made) and the runner
    /// registers again from them; what that node had decided is replayed without acting.
    public func resume() async throws {
        let loaded = try await Self.load(engine: engine, store: store, shared: true, clock: clock, log: log)
        evaluated = loaded.start
        recorded = loaded.recorded
        recordedTicks = loaded.recordedTicks
        tickedThrough = loaded.tickedThrough
        replaying = loaded.replaying
        state = loaded.state
        lastSaved = clock()
        try await registerWithEventLog()
        if loaded.fresh { await saveState() }
    }

    /// Whether this node decides (always with one node; with several, on the node holding the
    /// remediation role): approvals go to the runner that decides.
    public nonisolated var isActive: Bool { events.isActive }

    public var ruleSet: RuleSet { engine.ruleSet }

    /// Hands an event the runner's own consumers produced (a command's result, a hold, an
    /// approval) to the event log, in order, without waiting.
    public nonisolated func submit(_ event: DomainEvent) {
        var event = event
        event.time = DomainEvent.storagePrecision(event.time)   // as it reads back from the log
        feedback.yield(event)
    }

    /// Consumes the event log and ticks until cancelled; then saves its cursor and state.
    public func run() async {
        await refreshSilences()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.consume() }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: self.tickInterval)
                    await self.tick()
                }
            }
            group.addTask { await self.appendFeedback() }
            await group.next()
            group.cancelAll()
        }
        await saveCursor()
        await saveState()
    }

    private func consume() async {
        while !Task.isCancelled {
            let (batch, cursor) = await events.next(Self.consumer)
            if batch.isEmpty { return }
            await process(batch, cursor: cursor)
        }
    }

    private func appendFeedback() async {
        for await event in feedbackStream {
            var attempt = 0
            while true {
                do {
                    try await events.append(event, waitForRoom: false)
                    break
                } catch {
                    attempt += 1
                    log(.error, "cannot append to the event log; retrying", ["kind": event.kind.rawValue, "station": event.station,
                                                                              "attempt": String(attempt), "error": "\(error)"])
                    try? await Task.sleep(for: .milliseconds(min(5_000, 100 * attempt)))
                }
            }
        }
    }

    /// Evaluates one batch from the log: deadlines before each event first, then the event,
    /// at the event's time. Decisions for what was recorded before a restart are not acted on.
    func process(_ batch: [SequencedEvent], cursor: EventCursor) async {
        inFlight += 1
        defer { inFlight -= 1 }
        var decisions: [Decision] = []
        for item in batch {
            while let due = engine.nextDeadline(state), due < item.event.time {
                let ticked = engine.tick(at: due, state: &state)
                tickedThrough = max(tickedThrough, due)
                if !(recordedTicks.map { due <= $0 } ?? false) { decisions += ticked }
            }
            let made = engine.evaluate(item.event, state: &state, now: item.event.time)
            evaluatedCount += 1
            counters.evaluated(kind: item.event.kind.rawValue)
            if !recorded.covers(item.sequence) { decisions += made }
        }
        evaluated = cursor
        if replaying && !hasRecordedWaiting() {
            replaying = false
            engine.start(at: clock(), state: &state)
            log(.info, "replay after restart done; acting on events again", ["position": String(cursor.position)])
        }
        await record(decisions, batch: batch)
    }

    /// Whether events the log still holds for the runner were decided before the restart.
    private func hasRecordedWaiting() -> Bool {
        evaluated.position < recorded.position || !recorded.ahead.allSatisfy(evaluated.covers)
    }

    func tick() async {
        guard !busy else { return }
        let now = clock()
        // Only with nothing waiting: deadlines then fall due in the same order as in a replay.
        if events.isCaughtUp(Self.consumer) {
            inFlight += 1
            var decisions: [Decision] = []
            while let due = engine.nextDeadline(state), due <= now {
                decisions += engine.tick(at: due, state: &state)
            }
            tickedThrough = max(tickedThrough, now)
            await record(decisions)
            inFlight -= 1
        }
        // Several nodes: a node resumed after a pause past its role must not write the shared
        // cursor or state either (its decisions are fenced in their own transaction).
        if (!busy && evaluated != recorded) || now.timeIntervalSince(lastSaved) >= saveInterval, !(await mayWriteShared()) { return }
        // Not while a batch that began meanwhile is being recorded: the cursor would cover
        // decisions not stored yet.
        if !busy, evaluated != recorded { await saveCursor() }
        if now.timeIntervalSince(lastSaved) >= saveInterval { beginStateSave() }
        if silencesRead.map({ now.timeIntervalSince($0) >= Self.silenceRefreshInterval }) ?? true { await refreshSilences() }
    }

    /// Saves the cursor alone (nothing was decided since the last record); not on a standby.
    func saveCursor() async {
        guard isActive, !hasLostRole else { return }
        let cursor = evaluated, ticks = tickedThrough
        do {
            try await store.saveEventCursor(consumer: Self.consumer, .init(cursor: cursor, tickedThrough: StoreTime.format(ticks)),
                                            now: StoreTime.format(clock()))
            recorded = cursor
            recordedTicks = ticks
        } catch {
            log(.error, "cannot save the rule engine's event-log cursor", ["error": "\(error)"])
        }
    }

    /// Stores decisions with the cursor they bring the runner to (one transaction), audits and
    /// logs them and hands them on. Without decisions only a moved cursor is saved, at the tick.
    /// The events of `batch` a decision cites go on the trail with it (its entry's `evidence`):
    /// the report that set a rule off is then covered by the chain, not only by the event log.
    func record(_ decisions: [Decision], batch: [SequencedEvent] = []) async {
        guard !decisions.isEmpty, let permission = await writePermission() else { return }
        let fence: RoleFence?
        if case .fenced(let check) = permission { fence = check } else { fence = nil }
        let cited = Set(decisions.flatMap(\.eventIds))
        let evidence = Dictionary(batch.lazy.filter { cited.contains($0.event.id) }.map { ($0.event.id, $0.event.storageJSON) },
                                  uniquingKeysWith: { first, _ in first })
        let cursor = evaluated, ticks = tickedThrough
        // Each decision is encoded once, for its row and its audit entry.
        let encoded = decisions.map(encode)
        let rows = zip(decisions, encoded).map { decision, json in
            DecisionRecord(at: Self.timestamp(decision.time), rule: decision.rule, ruleHash: decision.ruleHash, mode: decision.mode.rawValue,
                           kind: decision.kind.rawValue, target: decision.target.key, station: decision.target.station,
                           connector: decision.target.connector, site: decision.target.site, rung: decision.rung,
                           action: decision.action?.label, eventIds: decision.eventIds.joined(separator: ","), reason: decision.reason,
                           json: json ?? "{}")
        }
        var ids: [Int] = []
        let pairs = Array(zip(decisions, encoded))
        let versions = newRuleVersions(decisions)
        do {
            // The decisions, the text of rule versions deciding for the first time, the
            // decisions' audit entries (naming their ids) and the cursor: one transaction.
            ids = try await DecisionStore(host: store).appendDecisions(rows, cursor: (Self.consumer, .init(cursor: cursor, tickedThrough: StoreTime.format(ticks)),
                                                                 StoreTime.format(clock())),
                                                  versions: versions,
                                                  audit: auditor.map { auditor in
                                                      ({ ids in
                                                          zip(pairs, ids).map { pair, id in
                                                              Self.auditRecord(pair.0, json: pair.1, id: id,
                                                                               evidence: pair.0.eventIds.compactMap { evidence[$0] })
                                                          }
                                                      }, auditor.signing())
                                                  },
                                                  fence: fence)
            storedVersions.formUnion(versions.map(\.hash))
            for decision in decisions { counters.decided(rule: decision.rule, kind: decision.kind.rawValue) }
            recorded = cursor
            recordedTicks = ticks
            await auditor?.written()
        } catch {
            // Several nodes: another node holds the role, or whether this one does cannot be
            // read: nothing written, nothing handed on (the holder decides these). Any other
            // failure is what it was on one node (logged, audited below, handed on).
            if error is DecisionStore.RoleLost || error is DecisionStore.RoleUnreadable { return await loseRole("\(error)") }
            log(.error, "cannot store decisions", ["error": "\(error)"])
            // Still try to leave a trace in the chain (it may be the decisions table that failed).
            await auditor?.record(pairs.map { Self.auditRecord($0, json: $1, id: nil) })
        }
        for decision in decisions {
            log(.info, "rule decision", ["rule": decision.rule, "decision": decision.kind.rawValue, "action": decision.action?.label ?? "",
                                          "target": decision.target.key, "mode": decision.mode.rawValue, "reason": decision.reason])
        }
        if let onDecisions {
            await onDecisions(decisions.enumerated().map { StoredDecision(id: $0.offset < ids.count ? ids[$0.offset] : nil, decision: $0.element) })
        }
    }

    /// Saves the engine's state with the cursor it stands for — only between batches and once
    /// what they decided is recorded, so a restart never starts past an unrecorded decision —
    /// and returns once it is stored. Someone waits for this save (a fresh start, reload, shutdown), so
    /// it is encoded at the process's own priority; a periodic save still encoding at low
    /// priority is abandoned (its state is older anyway), one already writing — or another
    /// awaited save — is waited for.
    /// A runner without a saved state saves its first one at once: a restart (or the node taking
    /// the remediation over) then replays from there instead of starting, state empty, past a
    /// ladder already running. Only the node that decides saves: a standby's state is stale.
    func saveState() async {
        while let running = stateSave {
            if running.ticket.abandon() {
                stateSave = nil
                break
            }
            await running.task.value
        }
        beginStateSave(niceness: 0)
        await stateSave?.task.value
    }

    /// Takes the state as it stands (a copy: the runner goes on changing its own), encodes it
    /// on a thread of its own (`encodeOffThread`: neither the rules thread nor the connections'
    /// shared pool waits for seconds of encoding) — `niceness` levels below the process: a
    /// periodic save waits for a core rather than taking one from the chargers' answers — and
    /// stores it, in pieces when large (`DecisionStore.saveRuleState`); one save at a time.
    /// Nothing when the conditions of `saveState` do not hold (the next tick tries again). A
    /// node that lost the remediation while encoding does not write its (older) state; one that
    /// loses it while writing may still land it (the window ARCHITECTURE.md's remediation
    /// section describes), whole or not at all (`DecisionStore.saveRuleState`).
    private func beginStateSave(niceness: Int32 = RuleRunner.stateEncodingNiceness) {
        guard stateSave == nil, isActive, !hasLostRole, !busy, evaluated == recorded else { return }
        lastSaved = clock()
        let snapshot = state, cursor = evaluated
        let engineTime = StoreTime.format(tickedThrough), savedAt = Self.timestamp(lastSaved)
        let decisions = DecisionStore(host: store), events = self.events, log = self.log
        let ticket = StateSaveTicket(abandonable: niceness > 0)   // only a periodic save: an awaited one is someone's
        let task = Task.detached(priority: .utility) { [weak self] in
            do {
                let (json, took) = try await Self.encodeOffThread(snapshot, niceness: niceness)
                if ticket.startWriting() {
                    await self?.stateEncoded(taking: took)
                    if events.isActive {
                        try await decisions.saveRuleState(json, cursor: cursor, engineTime: engineTime, now: savedAt)
                    }
                }
            } catch let error as DecisionStore.PiecesLeftBehind {
                log(.warning, "rule state saved; older pieces left for the next save", ["error": error.error])
            } catch {
                log(.error, "cannot save the rule state", ["error": "\(error)"])
            }
            await self?.stateSaved(ticket)
        }
        stateSave = (task, ticket)
    }

    /// How many nice levels below the process a periodic save's state is encoded: on a fleet
    /// large enough for the encoding to matter (0.2–20 MB of JSON per thousand stations) the
    /// cores are busy, and a periodic save is never urgent — it waits for a core rather than
    /// taking one from the chargers' answers (the next save's interval grows with the time this
    /// one took).
    static let stateEncodingNiceness: Int32 = 15

    /// Encodes `state` as the store keeps it, on a thread of its own `niceness` levels below
    /// the process; the JSON and the seconds it took. Throws when no thread can be started.
    private static func encodeOffThread(_ state: RuleEngineState, niceness: Int32) async throws -> (String, TimeInterval) {
        try await withCheckedThrowingContinuation { continuation in
            do {
                try DetachedThread.start(name: "vigil-rulestate", niceness: niceness) {
                    let started = ContinuousClock.now
                    // Default date coding (seconds as a double) keeps sub-second times exact across a restart.
                    let result = Result { try JSONEncoder().encode(state) }
                    let took = ContinuousClock.now - started
                    let seconds = Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
                    continuation.resume(with: result.map { (String(decoding: $0, as: UTF8.self), seconds) })
                }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Encoding the state took `seconds`: the next periodic save waits `saveInterval` from this one's start.
    func stateEncoded(taking seconds: TimeInterval) {
        saveInterval = min(Self.longestSaveInterval, max(Self.shortestSaveInterval, Self.saveCostFactor * seconds))
    }

    /// The save holding `ticket` ended (an abandoned one no longer holds the runner's slot).
    private func stateSaved(_ ticket: StateSaveTicket) {
        if stateSave?.ticket === ticket { stateSave = nil }
    }

    /// Replaces the rule set; the state of rules whose text is unchanged carries over.
    public func reload(_ ruleSet: RuleSet) async -> (added: [String], removed: [String], changed: [String]) {
        let old = Dictionary(engine.ruleSet.rules.map { ($0.id, $0.hash) }, uniquingKeysWith: { a, _ in a })
        let new = Dictionary(ruleSet.rules.map { ($0.id, $0.hash) }, uniquingKeysWith: { a, _ in a })
        let added = new.keys.filter { old[$0] == nil }.sorted()
        let removed = old.keys.filter { new[$0] == nil }.sorted()
        let changed = new.keys.filter { old[$0] != nil && old[$0] != new[$0] }.sorted()
        engine = RuleEngine(ruleSet: ruleSet, catalog: engine.catalog, environment: engine.environment)
        state = engine.adopt(state)
        await saveState()
        return (added, removed, changed)
    }

    public func setDecisionHandler(_ handler: @escaping @Sendable ([StoredDecision]) async -> Void) {
        onDecisions = handler
    }

    /// A decision's JSON for its row and audit entry; nil (logged) if it cannot be encoded.
    func encode(_ decision: Decision) -> String? {
        do { return String(decoding: try Self.encoder.encode(decision), as: UTF8.self) } catch {
            log(.error, "cannot encode a decision; its reason is recorded instead", ["rule": decision.rule, "error": "\(error)"])
            return nil
        }
    }

    /// The versions of the rules behind `decisions` whose text is not stored yet.
    func newRuleVersions(_ decisions: [Decision]) -> [RuleVersion] {
        var versions: [RuleVersion] = []
        var seen = storedVersions
        for decision in decisions where !decision.ruleHash.isEmpty && !seen.contains(decision.ruleHash) {
            seen.insert(decision.ruleHash)
            guard let rule = engine.ruleSet.rules.first(where: { $0.id == decision.rule && $0.hash == decision.ruleHash }),
                  let version = RuleVersion(rule, at: Self.timestamp(decision.time)) else { continue }
            versions.append(version)
        }
        return versions
    }

    /// A decision's audit entry: its JSON with the decision's id first (`{"decisionId":12,…}`),
    /// so the entry and the `decisions` row can be matched, and last the cited events at hand as
    /// stored (`"evidence":[…]`); the reason when it has no JSON.
    static func auditRecord(_ decision: Decision, json: String?, id: Int?, evidence: [String] = []) -> AuditRecord {
        var details = json ?? decision.reason
        if let id {
            if let json, json.hasPrefix("{"), json != "{}" {
                details = "{\"decisionId\":\(id)," + json.dropFirst()
                if !evidence.isEmpty { details = details.dropLast() + ",\"evidence\":[" + evidence.joined(separator: ",") + "]}" }
            } else if json == nil {
                details = "decision #\(id): \(decision.reason)"
            }
        }
        return AuditRecord(kind: "decision", actor: "rules", station: decision.target.station, site: decision.target.site,
                           rule: decision.rule, action: decision.action?.label, outcome: decision.kind.rawValue, details: details)
    }

    /// The maintenance windows in force (from the configuration), for readers such as the
    /// availability metrics.
    public var maintenanceWindows: [MaintenanceWindow] { engine.environment.maintenance }

    /// Replaces maintenance windows and silences.
    public func setEnvironment(_ environment: RuleEnvironment) {
        engine.environment = environment
    }

    /// How often the runner reads the alert silences (they are added by the CLI and the API,
    /// possibly from another process).
    public static let silenceRefreshInterval: TimeInterval = 2

    /// Reads the alert silences from the store and gives the engine those that can hold rules
    /// back (`RuleSilences`); maintenance windows are kept. A failed read keeps the silences
    /// the engine has and is logged.
    public func refreshSilences() async {
        let now = clock()
        silencesRead = now
        do {
            let rows = try await AlertStore(host: store).silences(at: Self.timestamp(now), includeEnded: true)
            let silences = RuleSilences.engineSilences(rows, now: now)
            if silences != engine.environment.silences {
                engine.environment.silences = silences
                log(.info, "silences for the rules updated", ["silences": String(silences.count)])
            }
        } catch {
            log(.error, "cannot read the silences; the rules keep the ones they had", ["error": "\(error)"])
        }
    }

    public static func parseTimestamp(_ text: String) -> Date? { StoreTime.parse(text) }

    /// RFC 3339 with milliseconds, UTC: how the store writes event and decision times.
    public static func timestamp(_ date: Date) -> String { StoreTime.format(date) }
}
