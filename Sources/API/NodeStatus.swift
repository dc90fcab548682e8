import OCPP

/// Several nodes on one PostgreSQL database: this node's part. Health (`GET /api/v1/health`,
/// `node`) shows which node answers, which one runs the remediation and how many stations it
/// serves; an approval asked of a node that does not run the remediation is carried to the one
/// that does. Nil on a single node (SQLite).
public struct NodeStatus: Sendable {
    /// What became of an approval carried to the deciding node.
    public enum ForwardedApproval: Sendable, Equatable {
        case submitted(node: String)
        case notAwaiting
        /// No node could take it now (none runs the remediation, or it did not answer); why.
        case unavailable(String)
    }

    /// This node's name (`--node-id`).
    public let node: String
    /// Stations whose lease this node holds (connected to it).
    public let leasedStations: @Sendable () async -> Int
    /// The node holding the remediation role now (nil: none, or the database cannot be read).
    public let remediationNode: @Sendable () async -> String?
    /// Carries an approval (rule, target, approved, by, role, whether `by` authenticated) to the
    /// node running the remediation.
    public let forwardApproval: @Sendable (_ rule: String, _ target: String, _ approved: Bool, _ by: String, _ role: String?,
                                           _ authenticated: Bool) async -> ForwardedApproval

    public init(node: String, leasedStations: @escaping @Sendable () async -> Int,
                remediationNode: @escaping @Sendable () async -> String?,
                forwardApproval: @escaping @Sendable (String, String, Bool, String, String?, Bool) async -> ForwardedApproval) {
        self.node = node
        self.leasedStations = leasedStations
        self.remediationNode = remediationNode
        self.forwardApproval = forwardApproval
    }

    /// `{"id", "runsRemediation", "remediationNode", "leasedStations"}`.
    func json(runsRemediation: Bool) async -> JSONValue {
        let holder = await remediationNode()
        return .object(JSONObject([("id", .string(node)), ("runsRemediation", .bool(runsRemediation)),
                                   ("remediationNode", holder.map { .string($0) } ?? .null),
                                   ("leasedStations", .integer(await leasedStations()))]))
    }
}
