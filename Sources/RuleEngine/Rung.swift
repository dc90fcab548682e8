import Foundation
import VendorCatalog

/// One step of a rule's `then` ladder: an action, optionally with a verification that decides
/// whether the step worked. A verified step ends the ladder; a failed or unverified one is
/// followed by the next step.
public struct Rung: Sendable, Equatable {
    public var action: RuleAction
    public var verify: Verification?
    /// Lets a reset, disable or unlock go ahead while a transaction is active.
    public var allowDuringSession: Bool
}

/// The kinds of action a rung can take, as decisions and budgets name them.
public enum ActionType: String, Sendable, Codable, CaseIterable {
    case reset, disableConnector, enableConnector, unlockConnector, triggerMessage, alert, remedy, approve
    /// Marks an incident (title, the rule's labels) for other rules — no command, no alert.
    case record
    /// Blocks the triggering event's id token in Vigil's token registry (no OCPP command).
    case blockToken
    /// A catalogue remedy that asks for no command (wait for recovery).
    case none

    /// Whether it sends a command to the charger (and so can end or disturb a session).
    public var isCommand: Bool {
        switch self {
        case .reset, .disableConnector, .enableConnector, .unlockConnector, .triggerMessage: return true
        case .alert, .remedy, .approve, .record, .blockToken, .none: return false
        }
    }

    /// Whether it changes the station's state (everything but a trigger): what a breaker holds.
    public var changesState: Bool { isCommand && self != .triggerMessage }
}

/// What a rung does.
public enum RuleAction: Sendable, Equatable {
    case reset(ResetKind)
    case disableConnector
    case enableConnector
    case unlockConnector
    case triggerMessage(String)
    case alert(AlertSpec)
    /// What the vendor catalogue recommends for the triggering code; `fallback` is the alert
    /// sent when that recommendation is a person (technician, user action) or a safety fault.
    case catalogueRemedy(fallback: AlertSpec)
    /// Pause until someone with `role` approves the next rung.
    case approve(Approval)
    /// Record an incident with this title (templated): the rule's incident opens for `ruleActive`
    /// and `inhibit` of other rules, and the decision is kept — nothing is sent.
    case record(Template)
    /// Block the triggering event's `idTag` in the token registry: later Authorize and start
    /// requests with it are refused. Nothing is sent to the station.
    case blockToken

    public enum ResetKind: String, Sendable, Codable, CaseIterable { case soft, hard }

    public var type: ActionType {
        switch self {
        case .reset: return .reset
        case .disableConnector: return .disableConnector
        case .enableConnector: return .enableConnector
        case .unlockConnector: return .unlockConnector
        case .triggerMessage: return .triggerMessage
        case .alert: return .alert
        case .catalogueRemedy: return .remedy
        case .approve: return .approve
        case .record: return .record
        case .blockToken: return .blockToken
        }
    }

    /// Plain words for `rules explain`.
    public var spoken: String {
        switch self {
        case .reset(let kind): return "\(kind.rawValue) reset of the station"
        case .disableConnector: return "set the connector Inoperative (disable it)"
        case .enableConnector: return "set the connector Operative (enable it)"
        case .unlockConnector: return "unlock the connector"
        case .triggerMessage(let message): return "ask the station to send \(message)"
        case .alert(let alert): return "alert route \"\(alert.route)\" with severity \(alert.severity.rawValue)"
        case .record(let title): return "record an incident \"\(title.source)\" (nothing is sent)"
        case .blockToken: return "block the event's id token in the token registry (nothing is sent to the station)"
        case .catalogueRemedy(let fallback):
            return "do what the vendor catalogue recommends for the reported code (alerting route \"\(fallback.route)\" when that is a person's job)"
        case .approve(let approval):
            return "wait up to \(approval.timeout.spoken) for role \"\(approval.role)\" to approve the next step (if nobody answers: \(approval.onTimeout.spoken))"
        }
    }
}

/// An alert to hand to the webhook outbox: which route, how severe, and templated text.
public struct AlertSpec: Sendable, Equatable {
    public var route: String
    public var severity: Severity
    public var title: Template
    public var text: Template
}

/// An approval pause.
public struct Approval: Sendable, Equatable {
    public var role: String
    public var timeout: RuleDuration
    public var onTimeout: OnTimeout

    public enum OnTimeout: String, Sendable, CaseIterable {
        /// Run the next rung anyway.
        case proceed
        /// Skip the next rung and go on with the one after it.
        case skip
        /// Stop the ladder.
        case abort

        var spoken: String {
            switch self {
            case .proceed: return "go ahead"
            case .skip: return "skip that step"
            case .abort: return "stop"
            }
        }
    }
}

/// What must be seen, for the same target, within `within` for a rung to count as a success.
public struct Verification: Sendable, Equatable {
    public var trigger: Trigger
    public var within: RuleDuration
}
