import Foundation
import VendorCatalog
import YAMLKit

/// One operator-authored rule, as loaded and checked from a Rules/*.yaml file: which events it
/// watches, the pattern that makes them trouble, the guards that hold it back, the ladder of
/// actions it decides, and the limits on how often it may act. Immutable once loaded (a
/// class, so the engine hands it around without copying its many fields on every event).
public final class Rule: Sendable {
    public let id: String
    public let description: String
    public let enabled: Bool
    public let mode: RuleMode
    public let priority: Int
    public let labels: [String: String]
    public let scope: RuleScope
    public let trigger: Trigger
    public let pattern: RulePatternKind
    /// `when: { around: … }`: what the target's connector, station or site must look like for
    /// the pattern to fire.
    public let around: Surroundings?
    public let guards: [RuleGuard]
    public let ladder: [Rung]
    public let limits: RuleLimits
    public let inhibit: Inhibition?
    /// How long a firing counts as an open incident for patterns that do not clear by
    /// themselves (count, recurring, sequence, each event); `inhibit` and `ruleActive` read it.
    public let activeFor: RuleDuration
    /// Lower-case hex SHA-256 of the rule's canonical text; decisions carry it.
    public let hash: String
    public let mark: YAMLMark
    /// The rule's YAML as read (aliases and merge keys resolved): what `hash` covers, kept so
    /// the text behind a decision can be stored by its hash (`RuleVersion`).
    public let source: YAMLNode?

    init(id: String, description: String, enabled: Bool, mode: RuleMode, priority: Int, labels: [String: String], scope: RuleScope, trigger: Trigger, pattern: RulePatternKind, around: Surroundings? = nil, guards: [RuleGuard], ladder: [Rung], limits: RuleLimits, inhibit: Inhibition?, activeFor: RuleDuration, hash: String, mark: YAMLMark, source: YAMLNode? = nil) {
        self.id = id
        self.description = description
        self.enabled = enabled
        self.mode = mode
        self.priority = priority
        self.labels = labels
        self.scope = scope
        self.trigger = trigger
        self.pattern = pattern
        self.around = around
        self.guards = guards
        self.ladder = ladder
        self.limits = limits
        self.inhibit = inhibit
        self.activeFor = activeFor
        self.hash = hash
        self.mark = mark
        self.source = source
    }
}

/// `enforce` sends what the rule decides; `dry-run` records decisions and sends nothing.
public enum RuleMode: String, Sendable, Codable, CaseIterable {
    case enforce
    case dryRun = "dry-run"
}

/// Which stations a rule applies to: every list given must match (globs, case-insensitive).
public struct RuleScope: Sendable, Equatable {
    public var sites: [Glob] = []
    public var stations: [Glob] = []
    public var vendors: [Glob] = []
    public var models: [Glob] = []
    public var firmware: [Glob] = []

    public init() {}

    public var isEmpty: Bool { sites.isEmpty && stations.isEmpty && vendors.isEmpty && models.isEmpty && firmware.isEmpty }

    public func contains(_ event: DomainEvent) -> Bool {
        isEmpty || contains(ScopeSubject(event))
    }

    /// `subject` carries the event's attributes lower-cased once, for many rules.
    func contains(_ subject: ScopeSubject) -> Bool {
        Self.matches(sites, subject.site) && Self.matches(stations, subject.station) && Self.matches(vendors, subject.vendor)
            && Self.matches(models, subject.model) && Self.matches(firmware, subject.firmware)
    }

    static func matches(_ globs: [Glob], _ value: String?) -> Bool {
        guard !globs.isEmpty else { return true }
        guard let value else { return false }
        return globs.contains { $0.matches(value) }
    }
}

/// An event's scope attributes, lower-cased (scopes match case-insensitively).
struct ScopeSubject {
    var site, station, vendor, model, firmware: String?

    init(_ event: DomainEvent) {
        site = event.site?.lowercased()
        station = event.station.lowercased()
        vendor = event.vendor?.lowercased()
        model = event.model?.lowercased()
        firmware = event.firmware?.lowercased()
    }
}

/// The events a rule (or a sequence step, a verification, a clearing condition) reacts to.
public struct Trigger: Sendable, Equatable {
    public var events: [EventKind]
    public var predicate: Predicate { didSet { seesSuperseded = predicate.fieldNames.contains("superseded") } }
    /// Whether the condition names `superseded`, and so sees superseded status reports (kept
    /// with the predicate: it is read for every event the trigger is asked about).
    public private(set) var seesSuperseded: Bool

    public init(events: [EventKind], predicate: Predicate = .always) {
        self.events = events
        self.predicate = predicate
        seesSuperseded = predicate.fieldNames.contains("superseded")
    }

    /// A superseded status report (`DomainEvent.isSuperseded`: older than what the connector
    /// already shows) matches only a condition that names `superseded`.
    public func matches(_ event: DomainEvent) -> Bool {
        events.contains(event.kind) && predicate.matches(event) && (seesSuperseded || event.kind != .statusChanged || !event.isSuperseded)
    }
}

/// What groups events into independent windows, and what a decision targets.
public enum GroupKey: Sendable, Equatable, CustomStringConvertible {
    case connector, station, site, vendor, model, fleet
    case field(String)
    /// Several keys at once (`by: [station, ocppErrorCode]`): one window per combination.
    indirect case composite([GroupKey])

    public init(name: String) {
        switch name {
        case "connector": self = .connector
        case "station": self = .station
        case "site": self = .site
        case "vendor": self = .vendor
        case "model": self = .model
        case "fleet": self = .fleet
        default: self = .field(name)
        }
    }

    public var description: String {
        switch self {
        case .connector: return "connector"
        case .station: return "station"
        case .site: return "site"
        case .vendor: return "vendor"
        case .model: return "model"
        case .fleet: return "fleet"
        case .field(let name): return name
        case .composite(let parts): return parts.map(\.description).joined(separator: " and ")
        }
    }

    /// The named parts (`station`, `ocppErrorCode` …) of a composite key, one for any other.
    public var parts: [GroupKey] {
        if case .composite(let parts) = self { return parts }
        return [self]
    }

    /// The finest place a key pins a target to: a connector, a station, a site, or none.
    var placeLevel: GroupKey? {
        switch self {
        case .connector, .station, .site: return self
        case .composite: break
        default: return nil
        }
        let parts = parts
        if parts.contains(.connector) { return .connector }
        if parts.contains(.station) { return .station }
        if parts.contains(.site) { return .site }
        return nil
    }

    /// The group an event belongs to; a connector key falls back to the station for
    /// station-wide events (connector 0 or none).
    public func key(for event: DomainEvent) -> String {
        switch self {
        // Concatenated, not interpolated: this runs for every rule an event reaches.
        case .connector:
            if let connector = event.connector, connector > 0 { return event.station + "/" + String(connector) }
            return event.station
        case .station: return event.station
        case .site: return "site:" + (event.site ?? "-")
        case .vendor: return "vendor:" + (event.vendor ?? "-")
        case .model: return "model:" + (event.model ?? "-")
        case .fleet: return "fleet"
        case .field(let name): return "\(name):\(event.value(of: name)?.description ?? "-")"
        case .composite(let parts): return parts.map { $0.key(for: event) }.joined(separator: "|")
        }
    }

    /// Each part's value for `event`, by the part's name, for `{{group.NAME}}` placeholders.
    public func values(for event: DomainEvent) -> [String: String] {
        var values: [String: String] = [:]
        for part in parts {
            switch part {
            case .connector: values["connector"] = event.connector.map(String.init) ?? "-"
            case .station: values["station"] = event.station
            case .site: values["site"] = event.site ?? "-"
            case .vendor: values["vendor"] = event.vendor ?? "-"
            case .model: values["model"] = event.model ?? "-"
            case .fleet: values["fleet"] = "fleet"
            case .field(let name): values[name] = event.value(of: name)?.description ?? "-"
            case .composite: break
            }
        }
        return values
    }
}

/// The pattern that turns matching events into a firing.
public enum RulePatternKind: Sendable, Equatable {
    /// Every matching event fires.
    case each(by: GroupKey)
    /// The condition is still true `duration` after it became true.
    case sustained(Sustained)
    /// At least `atLeast` matching events within `within` — or, with `distinct`, matching events
    /// from at least `atLeast` different stations (connectors, field values …).
    case count(atLeast: Int, within: RuleDuration, by: GroupKey, distinct: GroupKey? = nil)
    /// No matching event for `duration` (driven by ticks), after a warm-up.
    case absent(duration: RuleDuration, warmUp: RuleDuration, by: GroupKey)
    /// Matching events on at least `days` distinct UTC days within `within`.
    case recurring(days: Int, within: RuleDuration, by: GroupKey)
    /// The share of matching events that satisfy `success` crosses a threshold.
    case ratio(Ratio)
    /// A matching event followed (or not followed) by another within a duration.
    case sequence(Sequence)

    public struct Sustained: Sendable, Equatable {
        public var duration: RuleDuration
        public var keepFor: RuleDuration
        public var clearedBy: Trigger?
        public var by: GroupKey
    }

    public struct Ratio: Sendable, Equatable {
        public var success: Predicate
        public var below: Double?
        public var above: Double?
        public var within: RuleDuration
        public var minSamples: Int
        public var by: GroupKey
    }

    public struct Sequence: Sendable, Equatable {
        public var next: Trigger
        public var within: RuleDuration
        /// true: fire when `next` happens in time; false: fire when it does not.
        public var expectNext: Bool
        public var by: GroupKey
    }

    public var by: GroupKey {
        switch self {
        case .each(let by), .count(_, _, let by, _), .absent(_, _, let by), .recurring(_, _, let by): return by
        case .sustained(let pattern): return pattern.by
        case .ratio(let pattern): return pattern.by
        case .sequence(let pattern): return pattern.by
        }
    }

    /// Whether an event of the trigger's kinds that does not match the trigger can change a
    /// window: it can clear a sustained condition, restart an absence watch (a reconnection),
    /// or be a sequence's `next`. Every other pattern only counts matching events.
    var seesNonMatchingEvents: Bool {
        switch self {
        case .sustained, .absent, .sequence: return true
        case .each, .count, .recurring, .ratio: return false
        }
    }

    /// For a pattern that does not see non-matching events: whether such an event leaves
    /// `window` in place as it is (it still counts something). An emptied window — after a
    /// firing — is dropped by the next event instead (`Evaluation.update` says not to keep it).
    func keepsUnchanged(_ window: GroupWindow) -> Bool {
        switch self {
        case .count: return !window.times.isEmpty
        case .recurring: return !window.days.isEmpty
        case .ratio: return !window.samples.isEmpty
        case .each, .sustained, .absent, .sequence: return false
        }
    }

    /// Whether ticks (time passing) can make it fire.
    var isTimeDriven: Bool {
        switch self {
        case .sustained, .absent: return true
        case .sequence(let pattern): return !pattern.expectNext
        default: return false
        }
    }
}

/// A reason not to act, from `unless`.
public enum RuleGuard: Sendable, Equatable {
    /// A transaction is active on the target connector (or any connector of a station target).
    case transactionActive
    /// The target's station or site is inside a maintenance window.
    case maintenance
    /// A silence covers the rule and target.
    case silenced
    /// Another rule (by id or labels) has an open incident at the same station (or site,
    /// or connector); `running` says what a ladder already running does when it turns true.
    case ruleActive(Inhibition)
    /// The station is not connected.
    case stationOffline
    /// The triggering event matches this predicate.
    case event(Predicate)
}

/// Which other rules a rule's open incidents suppress, and for which targets (`inhibit`) —
/// or, in `unless: { ruleActive: … }`, which rules' open incidents hold this one back.
public struct Inhibition: Sendable, Equatable {
    public var rules: [String]
    public var labels: [String: String]
    /// What the two targets share: `station` (the default), `site`, or `connector` (the same
    /// connector of the same station; an incident of a whole station covers its connectors).
    public var equal: GroupKey
    /// What an inhibited rule's ladder that is already running does at its next command rung.
    public var running: OnRunning = .abort

    public init(rules: [String], labels: [String: String] = [:], equal: GroupKey = .station, running: OnRunning = .abort) {
        self.rules = rules
        self.labels = labels
        self.equal = equal
        self.running = running
    }

    /// An inhibited ladder already running: `abort` (the default) ends it before its next
    /// command — the decision says why; `pause` holds it before that command until the
    /// inhibition lifts, then goes on if the rule's condition still holds; `continue` lets it
    /// run to its end (only new firings are held back).
    public enum OnRunning: String, Sendable, CaseIterable {
        case abort
        case pause
        case proceed = "continue"
    }

    /// Whether `rule` is one of those named, by id or by carrying all the labels.
    public func names(_ rule: Rule) -> Bool {
        if rules.contains(rule.id) { return true }
        guard !labels.isEmpty else { return false }
        return labels.allSatisfy { rule.labels[$0.key] == $0.value }
    }

    public func inhibits(_ rule: Rule) -> Bool { names(rule) }

    /// Whether two targets are at the same place for `equal`; `siteOf` finds a station's site.
    func samePlace(_ mine: RuleTarget, _ theirs: RuleTarget, siteOf: (String) -> String?) -> Bool {
        switch equal {
        case .site:
            let site = mine.site ?? mine.station.flatMap(siteOf)
            let other = theirs.site ?? theirs.station.flatMap(siteOf)
            return site != nil && site == other
        case .connector:
            guard mine.station != nil, mine.station == theirs.station else { return false }
            guard let other = theirs.connector else { return true }
            return mine.connector == other
        default:
            return mine.station != nil && mine.station == theirs.station
        }
    }

    /// Words for decisions and `explain`: "at the same station".
    var placeWords: String { "at the same \(equal == .site ? "site" : equal == .connector ? "connector" : "station")" }
}

/// How often a rule may act.
public struct RuleLimits: Sendable, Equatable {
    public var cooldown: RuleDuration?
    /// Each repeat within `attemptsWindow` multiplies the cooldown by this, up to `cooldownMax`.
    public var backoffFactor: Double?
    public var cooldownMax: RuleDuration?
    public var maxAttempts: Int?
    public var attemptsWindow: RuleDuration = .hours(24)
    public var budgets: [Budget] = []
    public var halt: Halt?

    public init() {}

    /// At most `max` commands (of `action`, or any) per station, site or the fleet within `within`.
    public struct Budget: Sendable, Equatable {
        public var per: GroupKey
        public var max: Int
        public var within: RuleDuration
        public var action: ActionType?
    }

    /// Halt the rule for a site when more than `share` of its known stations fired within `within`.
    public struct Halt: Sendable, Equatable {
        public var share: Double
        public var within: RuleDuration
        public var minStations: Int
    }
}
