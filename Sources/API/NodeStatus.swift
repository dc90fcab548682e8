import OCPP

/// Several nodes on one PostgreSQL database: which node answers and what it holds, shown by
/// `GET /api/v1/health` (`node`), so an operator can tell which node runs the remediation and
/// how the stations are spread. Nil on a single node (SQLite).
public struct NodeStatus: Sendable {
    /// This node's name (`--node-id`).
    public let node: String
    /// Stations whose lease this node holds (connected to it).
    public let leasedStations: @Sendable () async -> Int
    /// The node holding the remediation role now (nil: none, or the database cannot be read).
    public let remediationNode: @Sendable () async -> String?

    public init(node: String, leasedStations: @escaping @Sendable () async -> Int,
                remediationNode: @escaping @Sendable () async -> String?) {
        self.node = node
        self.leasedStations = leasedStations
        self.remediationNode = remediationNode
    }

    /// `{"id", "runsRemediation", "remediationNode", "leasedStations"}`.
    func json(runsRemediation: Bool) async -> JSONValue {
        let holder = await remediationNode()
        return .object(JSONObject([("id", .string(node)), ("runsRemediation", .bool(runsRemediation)),
                                   ("remediationNode", holder.map { .string($0) } ?? .null),
                                   ("leasedStations", .integer(await leasedStations()))]))
    }
}
