import CPMS
import DomainEvents
import YAMLKit

/// A station the config file declares: its id, the registration it starts with, its site and
/// the types of its connectors.
struct DeclaredStation: Sendable, Equatable {
    var id: String
    var registration: String
    var site: String?
    /// Whether the entry says `registration:` (else it is `accepted` by default, which a
    /// station already in the registry does not need to be told).
    var registrationGiven = false
    /// Sorted by EVSE and connector; connector 0 stands for every connector of the EVSE.
    var connectorTypes: [ConnectorTypeAssignment] = []
}

extension ServeConfigFile {
    /// The `stations:` list:
    ///
    /// ```yaml
    /// stations:
    ///   - {id: NORTH-1, site: depot-north, connectors: {1: CCS2, 2: Type2}}
    ///   - {id: NORTH-2, registration: pending, connectors: {1: CCS2, 1/2: CHAdeMO}}
    /// ```
    ///
    /// A `connectors:` key is an EVSE id — for a 1.6 station, the connectorId — and names every
    /// connector of that EVSE; `EVSE/connector` (`1/2`) names one connector of a 2.0.1 EVSE
    /// and wins over its EVSE's entry. Values are `ConnectorType`s (spec names or aliases),
    /// kept in their canonical spelling. Every mistake is an error at its line and column.
    static func readStations(_ list: YAMLNode) -> ([DeclaredStation], [YAMLError]) {
        guard let items = list.sequence else { return ([], [YAMLError(mark: list.mark, problem: "config: \"stations\" must be a list")]) }
        var stations: [DeclaredStation] = []
        var errors: [YAMLError] = []
        var declared: Set<String> = []
        for item in items {
            var station = YAMLFieldReader(item, context: "config station", allowed: ["id", "registration", "site", "connectors"])
            let id = station.string("id") ?? ""
            // The one spelling the upgrade accepts (`StationIdentity`): a declared "CP 1" could never connect.
            if let node = item["id"], !id.isEmpty {
                if let problem = StationIdentity.problem(with: id) {
                    station.fail(node, "station \"\(id)\": \(problem)")
                } else if declared.contains(id) {
                    station.fail(node, "station \"\(id)\" is declared twice")
                }
                declared.insert(id)
            }
            let registration = station.string("registration", required: false) ?? "accepted"
            if !["accepted", "pending", "rejected"].contains(registration), let node = item["registration"] {
                station.fail(node, "\"registration\" must be accepted, pending or rejected, got \"\(registration)\"")
            }
            let site = station.string("site", required: false)
            var connectors: [ConnectorTypeAssignment] = []
            if let map = station.field("connectors", required: false) {
                connectors = readConnectors(map, station: id, reader: &station)
            }
            errors += station.errors
            if station.errors.isEmpty {
                stations.append(DeclaredStation(id: id, registration: registration, site: site,
                                                registrationGiven: item["registration"] != nil, connectorTypes: connectors))
            }
        }
        return (stations, errors)
    }

    /// `connectors: {1: CCS2, 1/2: CHAdeMO}` of station `id`, sorted by EVSE and connector.
    private static func readConnectors(_ map: YAMLNode, station id: String, reader: inout YAMLFieldReader) -> [ConnectorTypeAssignment] {
        guard let pairs = map.mapping else {
            reader.fail(map, "station \"\(id)\": \"connectors\" must map connectors to their types, such as {1: CCS2, 2: Type2}, "
                        + "got a \(map.kindName)")
            return []
        }
        var connectors: [ConnectorTypeAssignment] = []
        for pair in pairs {
            let key = pair.key.scalar ?? ""
            guard let (evse, connector) = connectorKey(key) else {
                reader.fail(pair.key, "station \"\(id)\": connector \"\(key)\" must be an EVSE id such as 1 (for OCPP 1.6, the connectorId) "
                            + "or EVSE/connector such as 1/2")
                continue
            }
            let name = connector == 0 ? "connector \(evse)" : "connector \(evse)/\(connector)"
            if connectors.contains(where: { $0.evse == evse && $0.connector == connector }) {
                reader.fail(pair.key, "station \"\(id)\": \(name) is listed twice")
                continue
            }
            guard let text = pair.value.scalar else {
                reader.fail(pair.value, "station \"\(id)\": \(name) must be a connector type such as CCS2, got a \(pair.value.kindName)")
                continue
            }
            guard let type = ConnectorType(parsing: text), type.isKnown else {
                reader.fail(pair.value, "station \"\(id)\": \(name) \(ConnectorType.problem(with: text))")
                continue
            }
            connectors.append(ConnectorTypeAssignment(station: id, evse: evse, connector: connector, type: type))
        }
        return connectors.sorted { ($0.evse, $0.connector) < ($1.evse, $1.connector) }
    }

    /// `3` → (3, 0): every connector of EVSE 3; `1/2` → (1, 2). Ids are 1 … 999999, digits only.
    static func connectorKey(_ text: String) -> (evse: Int, connector: Int)? {
        func id(_ part: Substring) -> Int? {
            guard (1...6).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(part), value >= 1 else { return nil }
            return value
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return id(parts[0]).map { ($0, 0) }
        case 2:
            guard let evse = id(parts[0]), let connector = id(parts[1]) else { return nil }
            return (evse, connector)
        default: return nil
        }
    }
}
