import DomainEvents
import Store

/// A connector's declared type. `connector` 0 stands for every connector of EVSE `evse` — and
/// for a 1.6 station, whose connectors Vigil keeps as EVSEs (`evse` = the 1.6 connectorId),
/// it is the connector itself.
public struct ConnectorTypeAssignment: Sendable, Equatable {
    public var station: String
    public var evse: Int
    public var connector: Int
    public var type: ConnectorType

    public init(station: String, evse: Int, connector: Int = 0, type: ConnectorType) {
        self.station = station
        self.evse = evse
        self.connector = connector
        self.type = type
    }
}

/// Connector types (`connector_types`). The config file's `stations: [{connectors: …}]` is the
/// only source: `vigil serve` replaces the whole table with the file's declarations at start.
/// Billing reads a session's type when it prices the session.
extension StationStore {
    /// Replaces every recorded connector type with `assignments`, in one transaction. Each
    /// station must be known (serve declares the file's stations first).
    public nonisolated func replaceConnectorTypes(_ assignments: [ConnectorTypeAssignment]) async throws {
        try await committed { store in
            try store.database.transaction {
                try store.database.run("DELETE FROM connector_types")
                for entry in assignments {
                    try store.database.run("INSERT INTO connector_types (station, evse, connector, type) VALUES (?, ?, ?, ?)",
                                     entry.station, entry.evse, entry.connector, entry.type.rawValue)
                }
            }
        }
    }

    /// The type of connector `connector` of EVSE `evse` at `station` (1.6: `evse` is the
    /// connectorId): the connector's own declaration, else its EVSE's. Nil when neither is
    /// declared, or the stored text is not a known type (only an edit of the database makes one).
    public func connectorType(station: String, evse: Int, connector: Int) throws -> ConnectorType? {
        let rows = try database.rows("""
            SELECT type FROM connector_types WHERE station = ? AND evse = ? AND (connector = ? OR connector = 0)
            ORDER BY connector DESC LIMIT 1
            """, station, evse, connector)
        guard let text = rows.first?.first?.text, let type = ConnectorType(parsing: text), type.isKnown else { return nil }
        return type
    }

    /// Every declared connector type, by station, EVSE and connector.
    public func connectorTypes() throws -> [ConnectorTypeAssignment] {
        try database.rows("SELECT station, evse, connector, type FROM connector_types ORDER BY station, evse, connector").compactMap { row in
            guard let station = row[0].text, let evse = row[1].int, let connector = row[2].int,
                  let type = row[3].text.flatMap(ConnectorType.init(parsing:)) else { return nil }
            return ConnectorTypeAssignment(station: station, evse: evse, connector: connector, type: type)
        }
    }
}
