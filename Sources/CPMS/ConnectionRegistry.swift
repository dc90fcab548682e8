import OCPP
import Transport

/// The live OCPP connection of each station. When a charger connects again while its old
/// socket still looks open (stale NAT, half-closed TCP), the policy decides: by default the
/// new connection wins and the old one is closed with 1001 — the charger is evidently alive
/// on the new one; `keepOld` refuses the newcomer (1008) while the old one lives. The command
/// API finds a station's connection here.
public actor ConnectionRegistry {
    /// What to do with a second connection from a station already connected.
    public enum DuplicatePolicy: String, Sendable {
        case keepNew = "keep-new"
        case keepOld = "keep-old"
    }

    /// What `register` did.
    public enum Registration: Sendable {
        case registered
        /// The new connection replaced this one, which was asked to close.
        case replaced(OCPPConnection)
        /// The new connection was refused (and asked to close): the old one stays.
        case refused
    }

    private var connections: [String: OCPPConnection] = [:]
    public let policy: DuplicatePolicy

    public init(policy: DuplicatePolicy = .keepNew) {
        self.policy = policy
    }

    /// Registers `connection` for `station` under the duplicate policy.
    @discardableResult
    public func register(_ connection: OCPPConnection, for station: String) async -> Registration {
        guard let previous = connections[station], previous !== connection else {
            connections[station] = connection
            return .registered
        }
        switch policy {
        case .keepNew:
            connections[station] = connection
            await previous.socket.beginClose(code: .goingAway, reason: "replaced by a new connection from the same station")
            return .replaced(previous)
        case .keepOld:
            await connection.socket.beginClose(code: .policyViolation, reason: "station already connected")
            return .refused
        }
    }

    /// Removes `connection` if it is still the station's current one (a replaced connection
    /// ending must not unregister its successor).
    public func unregister(_ connection: OCPPConnection, for station: String) {
        if connections[station] === connection { connections[station] = nil }
    }

    public func connection(for station: String) -> OCPPConnection? { connections[station] }

    /// The stations whose connection is open and has heard from its charger within `window`:
    /// any frame counts, a pong to the transport's keep-alive ping as much as an OCPP message.
    /// A connection that is closing, or silent for longer, is not proof of life.
    public func answeringStations(within window: Duration) async -> Set<String> {
        var answering: Set<String> = []
        for (station, connection) in connections {
            let socket = connection.socket
            guard await socket.closeStatus == nil, await socket.timeSinceLastFrame <= window else { continue }
            answering.insert(station)
        }
        return answering
    }

    public var count: Int { connections.count }
}
