import Foundation

/// Everything the engine remembers between events: pattern windows, running ladders, attempts,
/// budgets and what it knows of each station. A value (Codable) so the host can persist it and
/// windows, cooldowns and budgets survive a restart; `RuleEngine.adopt` carries the state of
/// unchanged rules across a reload.
public struct RuleEngineState: Sendable, Codable, Equatable {
    /// The latest time the engine has seen; time never runs backwards inside the engine.
    public var clock: Date?
    /// When the host (re)started the engine; absence rules stay quiet for their warm-up after it.
    public var startedAt: Date?
    var stations: [String: StationFacts] = [:]
    /// Site → its known stations, so `around: { site: … }` reads one site, not the fleet.
    var siteStations: [String: Set<String>] = [:]
    var rules: [String: RuleRuntime] = [:]
    /// Per rule id: no deadline of the rule falls before this (it may be earlier than the true
    /// earliest, never later). Kept apart from `rules` so time passing reads a small map
    /// instead of every rule's state.
    var deadlines: [String: Date] = [:]
    /// Rule ids that may have a ladder in progress (a superset), so verification looks only there.
    var laddersRunning: Set<String> = []
    /// Until when the executor's fleet breaker holds every automatic state-changing command
    /// (from its `hold` events); ladders reaching a command meanwhile pause in `held`.
    var fleetHoldUntil: Date?

    public init() {}

    /// Rule ids with an open incident for `station`, for status pages and tests.
    public func openIncidents(station: String) -> [String] {
        rules.keys.sorted().filter { id in rules[id]?.episodes.values.contains { $0.target.station == station } ?? false }
    }

    /// Whether a ladder of `rule` for `target` is paused at an approval rung.
    public func awaitsApproval(rule: String, target: String) -> Bool {
        rules[rule]?.ladders[target]?.waiting == .approval
    }

    /// The rung of `rule`'s ladder for `target` that waits for an approval (its index in the
    /// rule's `then`), nil when none waits.
    public func awaitedApprovalRung(rule: String, target: String) -> Int? {
        guard let ladder = rules[rule]?.ladders[target], ladder.waiting == .approval else { return nil }
        return ladder.rung
    }

    /// Targets with a ladder in progress, by rule id.
    public var runningLadders: [String: [String]] {
        rules.compactMapValues { $0.ladders.isEmpty ? nil : $0.ladders.keys.sorted() }
    }
}

/// What the engine knows of one station from its events.
struct StationFacts: Sendable, Codable, Equatable {
    var site: String?
    var isConnected = false
    var connectedAt: Date?
    /// Transaction id → connector, for transactions started and not yet ended.
    var transactions: [String: Int] = [:]
    /// Connectors whose last status was Charging, SuspendedEV or SuspendedEVSE.
    var busyConnectors: Set<Int> = []
    /// Faults open per connector (0 = the station) whose catalogue entry says never reset
    /// automatically: connector → `vendor code`. Any of them keeps every reset of the station
    /// from being decided.
    var neverResetFaults: [Int: String] = [:]
    /// Connectors Vigil itself set Inoperative (its disable was Accepted): their Unavailable is
    /// Vigil's doing, not the fault clearing.
    var disabledByVigil: Set<Int> = []
    /// When the station last accepted a reset from Vigil: the Unavailable statuses and boot
    /// that follow are Vigil's doing too.
    var resetByVigilAt: Date?
    /// The boot that reset caused has been seen: a reset explains one boot, not a loop.
    var resetBootSeen = false
    /// Each connector's (> 0) last reported status, for `around` measures.
    var statuses: [Int: String] = [:]
    /// Session starts within the longest `around` sessions window of the rules (none when no
    /// rule counts sessions), oldest first, at most `SessionStart.limit`.
    var sessionStarts: [SessionStart] = []

    /// Connectors (> 0) that reported a status or a session.
    var knownConnectors: [Int] {
        var known = Array(statuses.keys)
        for connector in Array(transactions.values) + Array(busyConnectors) where connector > 0 && statuses[connector] == nil {
            if !known.contains(connector) { known.append(connector) }
        }
        return known
    }

    func hasActiveTransaction(connector: Int?) -> Bool {
        guard let connector, connector > 0 else { return !transactions.isEmpty || !busyConnectors.isEmpty }
        return transactions.values.contains(connector) || busyConnectors.contains(connector)
    }
}

/// One rule's memory. Keys are group or target keys (`CP-1/2`, `CP-1`, `site:north` …).
struct RuleRuntime: Sendable, Codable, Equatable {
    var hash: String
    var groups: [String: GroupWindow] = [:]
    var ladders: [String: Ladder] = [:]
    /// Firings (ladder starts) per target, for maxAttempts and backoff.
    var attempts: [String: [Date]] = [:]
    var cooldownUntil: [String: Date] = [:]
    var budgetUses: [BudgetUse] = []
    /// Site → station → last firing, for the halt breaker.
    var trips: [String: [String: Date]] = [:]
    var haltedUntil: [String: Date] = [:]
    var episodes: [String: Episode] = [:]
    /// The last suppression reason reported per target, so a held-back rule is reported once.
    var lastSuppression: [String: String] = [:]
}

extension RuleRuntime {
    /// Whether the group's window (none counts as unchanged) stays as it is for an event the
    /// rule's pattern does not match (`RulePatternKind.keepsUnchanged`). `mutating` only so that
    /// a call through the state's dictionary (`rules[id]?.windowStaysAsItIs(…)`) reaches the
    /// runtime where it lies: a plain read copied it out, retaining and releasing its hash and
    /// each of its ten collections, for every rule and event.
    mutating func windowStaysAsItIs(_ key: String, under pattern: RulePatternKind) -> Bool {
        guard let window = groups[key] else { return true }
        return pattern.keepsUnchanged(window)
    }
}

/// The window of one group for one rule's pattern.
struct GroupWindow: Sendable, Codable, Equatable {
    var target: RuleTarget
    /// sustained: when the condition became true; nil when it is not.
    var since: Date?
    /// sustained: when it stopped being true, while `keepFor` runs.
    var clearedAt: Date?
    /// sustained / absent / ratio: already fired for this episode.
    var fired = false
    /// count: times of matching events in the window; ids kept in step.
    var times: [Date] = []
    var eventIds: [String] = []
    /// count with `distinct`: each counted event's distinct key, in step with `times`.
    var distinctKeys: [String] = []
    /// recurring: UTC day number → the first matching event id of that day.
    var days: [Int: String] = [:]
    /// recurring: UTC day number → when that day's first matching event came.
    var dayTimes: [Int: Date] = [:]
    /// ratio: samples in the window.
    var samples: [Sample] = []
    /// absent: when the awaited event was last seen (or the station (re)connected).
    var lastSeen: Date?
    /// sequence: open first steps awaiting their follow-up.
    var pending: [PendingStep] = []
    /// The latest event that matched, for templates and the ladder.
    var lastEvent: DomainEvent?
    /// for / absent: the pattern fell due but `around` did not hold; it is checked again then.
    var recheckAt: Date?

    struct Sample: Sendable, Codable, Equatable {
        var time: Date
        var success: Bool
        var eventId: String
    }

    struct PendingStep: Sendable, Codable, Equatable {
        var deadline: Date
        var event: DomainEvent
    }
}

/// A ladder in progress for one target.
struct Ladder: Sendable, Codable, Equatable {
    /// `hold`: paused by a breaker before its command; at `deadline` (the hold's end) the
    /// condition is checked again and the rung re-run if it still holds.
    enum Waiting: String, Sendable, Codable { case verification, approval, hold }

    var target: RuleTarget
    var rung: Int
    var waiting: Waiting?
    var deadline: Date?
    var event: DomainEvent
    var eventIds: [String]
    var firstSeen: Date
    /// What has been done so far, for alert text: "reset soft (not verified)".
    var tried: [String] = []
    /// The ladder decided a disable and no alert after it yet: when it ends, someone is told.
    var disabledUntold = false
}

struct BudgetUse: Sendable, Codable, Equatable {
    var time: Date
    var station: String?
    var site: String?
    var action: ActionType
}

/// An open incident of a rule for a target: until `until`, or (when nil) until its condition clears.
struct Episode: Sendable, Codable, Equatable {
    var target: RuleTarget
    var until: Date?
}
