/// An operator's answer to a ladder paused for approval (`POST /api/v1/approvals`) that reached
/// a node not running the remediation: `NodeRequests.approve` carries it to the node that does.
public struct ApprovalRequest: Codable, Sendable, Equatable {
    public var rule: String
    public var target: String
    public var approved: Bool
    public var by: String
    public var role: String?
    /// Whether `by` is an API user who authenticated (else a name given in the body, open API).
    public var authenticated: Bool?
    /// The node that was asked (for the audit entry where the approval takes effect).
    public var askedOf: String?

    public init(rule: String, target: String, approved: Bool, by: String, role: String?, authenticated: Bool? = nil,
                askedOf: String? = nil) {
        (self.rule, self.target, self.approved, self.by, self.role) = (rule, target, approved, by, role)
        (self.authenticated, self.askedOf) = (authenticated, askedOf)
    }
}

/// What the deciding node made of a forwarded approval.
public struct ApprovalAnswer: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable {
        /// Handed to the rule runner; the ladder goes on (or stops) there.
        case submitted
        /// No ladder of the rule for the target waits for an approval.
        case notAwaiting
        /// The node asked does not run the remediation (any more).
        case notDecidingNode
        /// No node holds the remediation role right now (a failover is under way).
        case noDecidingNode
        /// It could not be carried there or answered (`detail` says why).
        case failed
    }

    public var outcome: Outcome
    public var detail: String?

    public init(_ outcome: Outcome, _ detail: String? = nil) {
        self.outcome = outcome
        self.detail = detail
    }
}

/// The `node_requests` payload of an approval (a command's payload is the `StationCommand`).
struct ForwardedApproval: Codable {
    var approval: ApprovalRequest
}

/// The `node_requests` payload of a configuration read (`GET /api/v1/stations/{id}/configuration`).
struct ForwardedConfigurationRead: Codable {
    var configurationKeys: [String]
}
