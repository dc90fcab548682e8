import Foundation
import VendorCatalog

/// The pure rule engine: `evaluate(event, state, now)` and `tick(state, now)` return the
/// decisions the rules make and update the state in place. No I/O and no clock: the same
/// rules, events and times always give the same decisions, so fixtures, replays and
/// production agree. Rules are indexed by event kind, so an event costs only the rules that
/// can react to it.
public struct RuleEngine: Sendable {
    /// What never changes after `init`, in one shared box: each evaluation holds the engine,
    /// and copying it then costs one reference instead of one per collection.
    final class Core: Sendable {
        let ruleSet: RuleSet
        let catalog: VendorCatalog?
        /// Rule indexes (into `ruleSet.rules`) per event kind, in priority order.
        let index: [EventKind: [Int]]
        /// Rules whose `inhibit` covers each rule, by inhibited rule index.
        let inhibitors: [Int: [Int]]
        let timeDriven: [Int]
        /// The same, by rule id.
        let timeDrivenIds: [String: Int]
        /// How long session starts are kept for `around` sessions tests (0: not at all).
        let sessionHorizon: TimeInterval

        init(ruleSet: RuleSet, catalog: VendorCatalog?, index: [EventKind: [Int]], inhibitors: [Int: [Int]], timeDriven: [Int],
             sessionHorizon: TimeInterval) {
            self.ruleSet = ruleSet
            self.catalog = catalog
            self.index = index
            self.inhibitors = inhibitors
            self.timeDriven = timeDriven
            timeDrivenIds = Dictionary(timeDriven.map { (ruleSet.rules[$0].id, $0) }, uniquingKeysWith: { first, _ in first })
            self.sessionHorizon = sessionHorizon
        }
    }

    let core: Core
    public var ruleSet: RuleSet { core.ruleSet }
    public var catalog: VendorCatalog? { core.catalog }
    public var environment: RuleEnvironment
    var index: [EventKind: [Int]] { core.index }
    var inhibitors: [Int: [Int]] { core.inhibitors }
    var timeDriven: [Int] { core.timeDriven }
    var timeDrivenIds: [String: Int] { core.timeDrivenIds }
    var sessionHorizon: TimeInterval { core.sessionHorizon }

    public init(ruleSet: RuleSet, catalog: VendorCatalog? = nil, environment: RuleEnvironment = RuleEnvironment()) {
        self.environment = environment
        var index: [EventKind: [Int]] = [:]
        var inhibitors: [Int: [Int]] = [:]
        var timeDriven: [Int] = []
        for (position, rule) in ruleSet.rules.enumerated() where rule.enabled {
            var kinds = Set(rule.trigger.events)
            switch rule.pattern {
            case .sustained(let pattern): kinds.formUnion(pattern.clearedBy?.events ?? [])
            case .sequence(let pattern): kinds.formUnion(pattern.next.events)
            case .absent: kinds.formUnion([.connected, .booted])
            default: break
            }
            for rung in rule.ladder { kinds.formUnion(rung.verify?.trigger.events ?? []) }
            kinds.insert(.approval)
            // Commands report back (a failure ends the rung, a hold pauses the ladder), and a
            // held ladder waits for its hold's end.
            let commands = rule.ladder.contains { rung in
                switch rung.action {
                case .reset, .disableConnector, .enableConnector, .unlockConnector, .catalogueRemedy: return true
                default: return false
                }
            }
            if commands { kinds.insert(.commandResult) }
            for kind in kinds { index[kind, default: []].append(position) }
            let pauses = commands || rule.ladder.contains { rung in
                if case .approve = rung.action { return true }
                return rung.verify != nil
            }
            // A ladder paused by an inhibition or a ruleActive guard waits on a deadline too.
            let pausable = rule.guards.contains { guardCase in
                if case .ruleActive(let link) = guardCase { return link.running == .pause }
                return false
            } || ruleSet.rules.contains { $0.enabled && $0.id != rule.id && $0.inhibit?.running == .pause && $0.inhibit?.inhibits(rule) == true }
            if rule.pattern.isTimeDriven || pauses || pausable { timeDriven.append(position) }
            for (other, candidate) in ruleSet.rules.enumerated() where candidate.enabled && other != position {
                if candidate.inhibit?.inhibits(rule) == true { inhibitors[position, default: []].append(other) }
            }
        }
        core = Core(ruleSet: ruleSet, catalog: catalog, index: index, inhibitors: inhibitors, timeDriven: timeDriven,
                    sessionHorizon: ruleSet.rules.filter(\.enabled).compactMap { $0.around?.sessionHorizon }.max() ?? 0)
    }

    /// Marks an engine (re)start: absence rules wait out their warm-up from here.
    public func start(at now: Date, state: inout RuleEngineState) {
        state.startedAt = now
        state.clock = max(state.clock ?? now, now)
    }

    /// Keeps the state of rules whose text did not change (same id and hash) and drops the rest,
    /// for a hot reload. Station facts are kept.
    public func adopt(_ previous: RuleEngineState) -> RuleEngineState {
        var state = previous
        let hashes = Dictionary(ruleSet.rules.map { ($0.id, $0.hash) }, uniquingKeysWith: { first, _ in first })
        state.rules = previous.rules.filter { hashes[$0.key] == $0.value.hash }
        state.deadlines = previous.deadlines.filter { state.rules[$0.key] != nil && timeDrivenIds[$0.key] != nil }
        state.laddersRunning = previous.laddersRunning.filter { state.rules[$0] != nil }
        return state
    }

    /// One event in, decisions out. `now` is when the host evaluates it (normally `event.time`);
    /// windows use the event's time, clamped so time never runs backwards.
    public func evaluate(_ event: DomainEvent, state: inout RuleEngineState, now: Date) -> [Decision] {
        let time = max(event.time, now, state.clock ?? event.time)
        // The evaluation takes the state over (swap, not copy), so changing it copies nothing.
        var run = Evaluation(engine: self, state: RuleEngineState())
        swap(&run.state, &state)
        run.advance(to: time)
        run.state.clock = time
        // A boot says whether Vigil caused it (it follows a reset Vigil sent): rules that watch
        // for unplanned reboots match `byVigil: false` (derived from the engine's own facts, so a
        // replay of the log derives the same).
        var event = event
        if event.kind == .booted {
            let byVigil = run.bootByVigil(event)
            event.fields["byVigil"] = .bool(byVigil)
            if byVigil { run.state.stations[event.station]?.resetBootSeen = true }
        }
        run.observe(event, at: time)
        let subject = ScopeSubject(event)
        for position in index[event.kind] ?? [] {
            run.handle(event, subject: subject, rule: position, at: time)
        }
        swap(&run.state, &state)
        return run.decisions
    }

    /// Time passes: fires what is due up to `now` (absence, durations, verification and
    /// approval deadlines), each at the exact time it fell due.
    public func tick(at now: Date, state: inout RuleEngineState) -> [Decision] {
        var run = Evaluation(engine: self, state: RuleEngineState())
        swap(&run.state, &state)
        run.advance(to: now)
        run.state.clock = max(run.state.clock ?? now, now)
        swap(&run.state, &state)
        return run.decisions
    }

    /// The earliest time something falls due, so a host (or a fixture) can tick exactly then.
    public func nextDeadline(_ state: RuleEngineState) -> Date? {
        state.deadlines.values.min()
    }
}
