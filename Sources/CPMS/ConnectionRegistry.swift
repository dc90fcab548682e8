import OCPP
import Transport

/// The live OCPP connection of each station. When a charger connects again while its old
/// socket still looks open (stale NAT, half-closed TCP), the new connection wins and the old
/// one is closed with 1001 — the charger is evidently alive on the new one. Later, the
/// command API finds a station's connection here.
public actor ConnectionRegistry {
    private var connections: [String: OCPPConnection] = [:]

    public init() {}

    /// Registers `connection` for `station`; returns the connection it replaced, already
    /// asked to close.
    @discardableResult
    public func register(_ connection: OCPPConnection, for station: String) async -> OCPPConnection? {
        let previous = connections[station]
        connections[station] = connection
        if let previous, previous !== connection {
            await previous.socket.beginClose(code: .goingAway, reason: "replaced by a new connection from the same station")
            return previous
        }
        return nil
    }

    /// Removes `connection` if it is still the station's current one (a replaced connection
    /// ending must not unregister its successor).
    public func unregister(_ connection: OCPPConnection, for station: String) {
        if connections[station] === connection { connections[station] = nil }
    }

    public func connection(for station: String) -> OCPPConnection? { connections[station] }

    public var count: Int { connections.count }
}
