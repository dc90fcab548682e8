import Audit
import CPMS
import DomainEvents
import Foundation
import RuleEngine
import VendorCatalog

/// Runs the pure rule engine for a live system: events in through a bounded queue, decisions
/// out to the store (and to `onDecisions`), the engine ticked at its deadlines, its state saved
/// periodically and at shutdown, and the rule set hot-reloaded. One actor, so the engine's
/// state is only ever touched by one evaluation at a time.
public actor RuleRunner {
    /// How often time passing (`tick`) is fed to the engine, so deadlines — absence rules,
    /// `for` windows, verifications, approval timeouts — fall due without an incoming event.
    nonisolated let tickInterval: Duration
    public typealias Logger = @Sendable (_ level: String, _ message: String, _ fields: [String: String]) -> Void

    private var engine: RuleEngine
    private var state: RuleEngineState
    private let store: StationStore
    private let log: Logger
    private let clock: @Sendable () -> Date
    private var pendingEvents: [(eventId: String, at: String, station: String, kind: String, json: String)] = []
    private var lastSaved: Date
    /// Called with every batch of decisions after they are stored and audited, with their
    /// store ids (the executor hooks in here).
    public private(set) var onDecisions: (@Sendable ([StoredDecision]) async -> Void)?
    private let auditor: Auditor?

    private let intake: AsyncStream<DomainEvent>
    private let continuation: AsyncStream<DomainEvent>.Continuation
    /// Events refused because the queue was full (the engine fell behind).
    public private(set) var dropped = 0
    public private(set) var evaluated = 0

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
    /// and marks an engine start, so absence rules wait out their warm-up. Throws
    /// `StateUnreadable` when the store cannot be read (fail closed); a saved state in a form
    /// this build cannot decode is logged and replaced by an empty one.
    public init(ruleSet: RuleSet, catalog: VendorCatalog?, store: StationStore, auditor: Auditor? = nil, queueLimit: Int = 100_000,
                tickInterval: Duration = .milliseconds(250), clock: @escaping @Sendable () -> Date = { Date() }, log: @escaping Logger) async throws {
        self.auditor = auditor
        self.tickInterval = tickInterval
        let engine = RuleEngine(ruleSet: ruleSet, catalog: catalog)
        var state = RuleEngineState()
        let saved: String?
        do { saved = try await store.ruleState() } catch { throw StateUnreadable(error: "\(error)") }
        if let saved {
            do {
                state = engine.adopt(try JSONDecoder().decode(RuleEngineState.self, from: Data(saved.utf8)))
            } catch {
                log("warning", "saved rule state unreadable; starting with empty windows", ["error": "\(error)"])
            }
        }
        let now = clock()
        engine.start(at: now, state: &state)
        self.engine = engine
        self.state = state
        self.store = store
        self.clock = clock
        self.log = log
        lastSaved = now
        (intake, continuation) = AsyncStream.makeStream(of: DomainEvent.self, bufferingPolicy: .bufferingOldest(queueLimit))
    }

    public var ruleSet: RuleSet { engine.ruleSet }

    /// Hands an event to the engine without waiting; false when the queue is full.
    @discardableResult
    public nonisolated func submit(_ event: DomainEvent) -> Bool {
        if case .dropped = continuation.yield(event) {
            Task { await self.countDrop() }
            return false
        }
        return true
    }

    private func countDrop() {
        dropped += 1
        if dropped == 1 || dropped % 1_000 == 0 { log("warning", "rule engine queue full; events dropped", ["dropped": String(dropped)]) }
    }

    /// Consumes events and ticks until cancelled; then flushes and saves the state.
    public func run() async {
        let events = intake
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in events { await self.process(event) }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: self.tickInterval)
                    await self.tick()
                }
            }
            await group.next()
            group.cancelAll()
        }
        await flush()
        await saveState()
    }

    /// Stops the intake; `run` returns once the queued events are processed.
    public nonisolated func finish() { continuation.finish() }

    /// Evaluates `event` now (the bus's consuming task calls it, in order); the bus bounds the
    /// backlog and makes producers wait, so nothing is dropped on this path.
    public func ingest(_ event: DomainEvent) async {
        await process(event)
    }

    func process(_ event: DomainEvent) async {
        let decisions = engine.evaluate(event, state: &state, now: max(event.time, clock()))
        evaluated += 1
        pendingEvents.append((event.id, Self.timestamp(event.time), event.station, event.kind.rawValue, event.storageJSON))
        await record(decisions)
        if pendingEvents.count >= 500 { await flush() }
    }

    func tick() async {
        let now = clock()
        var decisions: [Decision] = []
        while let due = engine.nextDeadline(state), due <= now {
            decisions += engine.tick(at: due, state: &state)
        }
        await record(decisions)
        await flush()
        if now.timeIntervalSince(lastSaved) >= 10 { await saveState() }
    }

    /// Stores decisions (with the events before them, so the evidence is on disk first), logs
    /// them and hands them on.
    func record(_ decisions: [Decision]) async {
        guard !decisions.isEmpty else { return }
        await flush()
        // Each decision is encoded once, for its row and its audit entry.
        let encoded = decisions.map(encode)
        let rows = zip(decisions, encoded).map { decision, json in
            (at: Self.timestamp(decision.time), rule: decision.rule, ruleHash: decision.ruleHash, mode: decision.mode.rawValue,
             kind: decision.kind.rawValue, target: decision.target.key, station: decision.target.station,
             connector: decision.target.connector, site: decision.target.site, rung: decision.rung, action: decision.action?.label,
             eventIds: decision.eventIds.joined(separator: ","), reason: decision.reason, json: json ?? "{}")
        }
        var ids: [Int] = []
        do { ids = try await store.appendDecisions(rows) } catch { log("error", "cannot store decisions", ["error": "\(error)"]) }
        await auditor?.record(zip(decisions, encoded).map { Self.auditRecord($0, json: $1) })
        for decision in decisions {
            log("info", "rule decision", ["rule": decision.rule, "decision": decision.kind.rawValue, "action": decision.action?.label ?? "",
                                          "target": decision.target.key, "mode": decision.mode.rawValue, "reason": decision.reason])
        }
        if let onDecisions {
            await onDecisions(decisions.enumerated().map { StoredDecision(id: $0.offset < ids.count ? ids[$0.offset] : nil, decision: $0.element) })
        }
    }

    func flush() async {
        guard !pendingEvents.isEmpty else { return }
        let batch = pendingEvents
        pendingEvents = []
        do { try await store.appendEvents(batch) } catch { log("error", "cannot store domain events", ["error": "\(error)"]) }
    }

    func saveState() async {
        lastSaved = clock()
        // Default date coding (seconds as a double) keeps sub-second times exact across a restart.
        do {
            let json = try JSONEncoder().encode(state)
            try await store.saveRuleState(String(decoding: json, as: UTF8.self), now: Self.timestamp(lastSaved))
        } catch {
            log("error", "cannot save the rule state", ["error": "\(error)"])
        }
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

    /// Hands an operator's answer to a paused ladder to the engine, as an `approval` event.
    /// False (nothing submitted) when no ladder of `rule` for `target` waits for one.
    public func approve(rule: String, target: String, approved: Bool, by person: String, role: String?) -> Bool {
        guard state.awaitsApproval(rule: rule, target: target) else { return false }
        let parts = target.split(separator: "/", maxSplits: 1)
        var fields: [String: FieldValue] = ["rule": .string(rule), "target": .string(target), "approved": .bool(approved),
                                            "by": .string(person)]
        if let role { fields["role"] = .string(role) }
        return submit(DomainEvent(id: UUID().uuidString.lowercased(), kind: .approval, time: clock(), station: String(parts.first ?? ""),
                                  connector: parts.count > 1 ? Int(parts[1]) : nil, fields: fields))
    }

    public func setDecisionHandler(_ handler: @escaping @Sendable ([StoredDecision]) async -> Void) {
        onDecisions = handler
    }

    /// A decision's JSON for its row and audit entry; nil (logged) if it cannot be encoded.
    func encode(_ decision: Decision) -> String? {
        do { return String(decoding: try Self.encoder.encode(decision), as: UTF8.self) } catch {
            log("error", "cannot encode a decision; its reason is recorded instead", ["rule": decision.rule, "error": "\(error)"])
            return nil
        }
    }

    static func auditRecord(_ decision: Decision, json: String?) -> AuditRecord {
        let details = json ?? decision.reason
        return AuditRecord(kind: "decision", actor: "rules", station: decision.target.station, site: decision.target.site,
                           rule: decision.rule, action: decision.action?.label, outcome: decision.kind.rawValue, details: details)
    }

    /// Replaces maintenance windows and silences.
    public func setEnvironment(_ environment: RuleEnvironment) {
        engine.environment = environment
    }

    public static func parseTimestamp(_ text: String) -> Date? { StoreTime.parse(text) }

    /// RFC 3339 with milliseconds, UTC: how the store writes event and decision times.
    public static func timestamp(_ date: Date) -> String { StoreTime.format(date) }
}
