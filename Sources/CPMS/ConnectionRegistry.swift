import OCPP
import Transport

/// The live OCPP connection of each station. When a charger connects again while its old
/// socket still looks open (stale NAT, half-closed TCP), the policy decides: by default the
/// new connection wins and the old one is closed with 1001 — the charger is evidently alive
/// on the new one; `keepOld` refuses the newcomer (1008) while the old one lives. Whatever the
/// policy, a connection that did not authenticate never replaces one that did (1008): an
/// impostor without credentials cannot push the real charger off. The command API finds a
/// station's connection here.
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
        /// The new connection was refused (and asked to close): the old one stays; why.
        case refused(String)
    }

    /// Keyed by the id's bytes: Swift's `String` equality is canonical equivalence (a KELVIN
    /// SIGN equals K), and ids are compared byte for byte everywhere.
    /// `authenticated`: the connection's upgrade proved the station's identity.
    private var connections: [StationKey: (id: String, connection: OCPPConnection, authenticated: Bool)] = [:]

    struct StationKey: Hashable {
        let bytes: [UInt8]
        init(_ id: String) { bytes = Array(id.utf8) }
    }
    public let policy: DuplicatePolicy

    public init(policy: DuplicatePolicy = .keepNew) {
        self.policy = policy
    }

    /// Registers `connection` for `station` under the duplicate policy; `isAuthenticated` says
    /// whether its upgrade proved the station's identity.
    @discardableResult
    public func register(_ connection: OCPPConnection, for station: String, authenticated isAuthenticated: Bool = false) async -> Registration {
        let key = StationKey(station)
        guard let current = connections[key], current.connection !== connection else {
            connections[key] = (station, connection, isAuthenticated)
            return .registered
        }
        let previous = current.connection
        if current.authenticated && !isAuthenticated {
            await connection.socket.beginClose(code: .policyViolation, reason: "station already connected with credentials")
            return .refused("an unauthenticated connection cannot replace the station's authenticated one")
        }
        switch policy {
        case .keepNew:
            connections[key] = (station, connection, isAuthenticated)
            await previous.socket.beginClose(code: .goingAway, reason: "replaced by a new connection from the same station")
            return .replaced(previous)
        case .keepOld:
            await connection.socket.beginClose(code: .policyViolation, reason: "station already connected")
            return .refused("the station's first connection is still open (duplicate-connections keep-old)")
        }
    }

    /// Removes `connection` if it is still the station's current one (a replaced connection
    /// ending must not unregister its successor).
    public func unregister(_ connection: OCPPConnection, for station: String) {
        let key = StationKey(station)
        if connections[key]?.connection === connection { connections[key] = nil }
    }

    public func connection(for station: String) -> OCPPConnection? { connections[StationKey(station)]?.connection }

    /// The stations whose connection is open and has heard from its charger within `window`:
    /// any frame counts, a pong to the transport's keep-alive ping as much as an OCPP message.
    /// A connection that is closing, or silent for longer, is not proof of life.
    public func answeringStations(within window: Duration) async -> Set<String> {
        var answering: Set<String> = []
        for (_, entry) in connections {
            let socket = entry.connection.socket
            guard await socket.closeStatus == nil, await socket.timeSinceLastFrame <= window else { continue }
            answering.insert(entry.id)
        }
        return answering
    }

    public var count: Int { connections.count }
}
