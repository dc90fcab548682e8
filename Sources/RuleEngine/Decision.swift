import Foundation

/// What the engine decided, and why. The remediation executor acts on `act` decisions; every
/// decision goes to the audit trail, which can show exactly which version of which rule
/// decided (`ruleHash`) on which evidence (`eventIds`).
public struct Decision: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Carry out `action` (or, in dry-run, record that it would have been).
        case act
        /// The rung's verification held: the ladder ends in success.
        case verified
        /// The rung's verification did not hold in time; the next rung follows.
        case verificationFailed
        /// The ladder pauses for an approval.
        case awaitingApproval
        case approved
        case approvalRejected
        case approvalTimedOut
        /// Every rung ran and none was verified.
        case ladderExhausted
        /// The rule fired but a guard, limit, budget or inhibition held it back; `reason` says which.
        case suppressed
        /// The rule stopped acting for a site because too much of it tripped at once.
        case halted
        /// A breaker (the executor's fleet breaker, or the rule's own `haltWhen`) holds every
        /// automatic state-changing command: the ladder pauses before its command and checks
        /// its condition again when the hold ends.
        case held
        /// The hold ended and the condition still holds: the paused rung runs now.
        case resumed
        /// The rung's command did not go through — refused by a gate, or answered Rejected,
        /// NotConnected, TimedOut or Failed: the rung ends at once, without waiting for `verify`.
        case commandFailed
        /// The incident is over: the condition of a rule that fired has cleared (a `for`
        /// condition cleared, an absent event came back, a ratio recovered). Alerts resolve on it.
        case cleared
    }

    public var time: Date
    public var rule: String
    public var ruleHash: String
    public var mode: RuleMode
    public var kind: Kind
    public var target: RuleTarget
    /// Index of the rung in the rule's `then` (0-based), when the decision is about one.
    public var rung: Int?
    public var action: DecidedAction?
    public var eventIds: [String]
    public var reason: String

    public init(time: Date, rule: String, ruleHash: String, mode: RuleMode, kind: Kind, target: RuleTarget,
                rung: Int? = nil, action: DecidedAction? = nil, eventIds: [String], reason: String) {
        self.time = time
        self.rule = rule
        self.ruleHash = ruleHash
        self.mode = mode
        self.kind = kind
        self.target = target
        self.rung = rung
        self.action = action
        self.eventIds = eventIds
        self.reason = reason
    }

    /// One line for logs and `rules test` output.
    public var summary: String {
        var text = "\(rule) \(kind.rawValue)"
        if let action { text += " \(action.label)" }
        text += " \(target.key)"
        if mode == .dryRun { text += " (dry-run)" }
        return text
    }
}

/// What a decision is about: a connector, a station, or a group (site, vendor, fleet …).
public struct RuleTarget: Sendable, Equatable, Hashable, Codable {
    /// The group key: `CP-1/2`, `CP-1`, `site:north`, `fleet` …
    public var key: String
    public var station: String?
    public var connector: Int?
    public var site: String?

    public init(key: String, station: String? = nil, connector: Int? = nil, site: String? = nil) {
        self.key = key
        self.station = station
        self.connector = connector
        self.site = site
    }
}

/// A concrete action with everything resolved: templates rendered, the catalogue's remedy
/// chosen. Encodes to flat JSON for the executor, the outbox and the audit trail.
public struct DecidedAction: Sendable, Equatable, Codable {
    public var type: ActionType
    public var resetType: String?
    public var message: String?
    public var route: String?
    public var severity: String?
    public var title: String?
    public var text: String?
    public var role: String?
    public var allowDuringSession: Bool
    /// The catalogue entry behind a remedy or guidance: `vendor code`.
    public var catalogueEntry: String?
    /// That entry's severity.
    public var catalogueSeverity: String?
    /// The entry says never reset automatically; the executor checks the station's open
    /// faults itself too, whatever decided the command.
    public var neverReset: Bool?
    /// For a command whose rung has a `verify`: when its check ends (the rung's deadline, after
    /// which `verificationFailed` follows). Nil when the rung defines no check.
    public var verifyUntil: Date?
    /// For `blockToken`: the id token to block (the triggering event's `idTag`).
    public var token: String?
    /// For an alert: the kind of the event that started its ladder — what the page is about (a
    /// fault storm's fleet breaker folds station-health pages into its own alert, never a fraud
    /// or security one).
    public var trigger: EventKind?
    /// The ladder began on a superseded status report (`DomainEvent.isSuperseded`: a report the
    /// charger queued while offline, older than what the connector already showed). The
    /// executor sends no state-changing command decided on one, whatever the rule says.
    public var onSupersededReport: Bool?
    /// The page the engine adds when a ladder ends after disabling a connector without an alert
    /// (`taken out of service by Vigil`): the executor words it by what became of the disable.
    public var reportsDisable: Bool?

    public init(type: ActionType, resetType: String? = nil, message: String? = nil, route: String? = nil,
                severity: String? = nil, title: String? = nil, text: String? = nil, role: String? = nil,
                allowDuringSession: Bool = false, catalogueEntry: String? = nil) {
        self.type = type
        self.resetType = resetType
        self.message = message
        self.route = route
        self.severity = severity
        self.title = title
        self.text = text
        self.role = role
        self.allowDuringSession = allowDuringSession
        self.catalogueEntry = catalogueEntry
    }

    /// `reset soft`, `alert oncall`, `triggerMessage StatusNotification` …
    public var label: String {
        switch type {
        case .reset: return "reset \(resetType ?? "?")"
        case .triggerMessage: return "triggerMessage \(message ?? "?")"
        case .alert: return "alert \(route ?? "?")"
        case .approve: return "approve \(role ?? "?")"
        case .blockToken: return "blockToken \(token ?? "-")"
        default: return type.rawValue
        }
    }
}
