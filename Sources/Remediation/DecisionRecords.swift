import DomainEvents

/// One rule decision as the `decisions` table keeps it: the columns the API and the CLI filter
/// on, and the whole decision as JSON (what `rules replay` compares).
public struct DecisionRecord: Sendable, Equatable {
    public var at: String
    public var rule: String
    public var ruleHash: String
    public var mode: String
    public var kind: String
    public var target: String
    public var station: String?
    public var connector: Int?
    public var site: String?
    public var rung: Int?
    public var action: String?
    /// The ids of the events it was decided on, comma-separated.
    public var eventIds: String
    public var reason: String
    public var json: String

    public init(at: String, rule: String, ruleHash: String, mode: String, kind: String, target: String, station: String?,
                connector: Int?, site: String?, rung: Int?, action: String?, eventIds: String, reason: String, json: String) {
        (self.at, self.rule, self.ruleHash, self.mode, self.kind, self.target) = (at, rule, ruleHash, mode, kind, target)
        (self.station, self.connector, self.site, self.rung, self.action) = (station, connector, site, rung, action)
        (self.eventIds, self.reason, self.json) = (eventIds, reason, json)
    }
}

/// A stored decision, as `vigil rules decisions` and the API show it.
public struct DecisionRow: Sendable, Equatable {
    public var id: Int
    public var at: String
    public var rule: String
    public var kind: String
    public var target: String
    public var action: String?
    public var reason: String
    public var mode: String
    public var json: String
    /// The hash of the rule version that decided it (`RuleVersion`).
    public var ruleHash: String = ""
    /// The ids of the events it was decided on, comma-separated (its evidence).
    public var eventIds: String = ""
}

/// The rule engine's saved state, with the event-log cursor it was taken at and the
/// engine's time then (nil for a state saved before the event log had cursors).
public struct SavedRuleState: Sendable {
    public var json: String
    public var cursor: EventCursor?
    public var engineTime: String?
}
