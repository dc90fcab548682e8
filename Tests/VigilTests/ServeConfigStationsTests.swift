import CPMS
import DomainEvents
import Foundation
import Testing
@testable import vigil

/// The config file's `stations:` with their connector types, and `billing:`: what serve reads,
/// and every mistake at its line and column.
@Suite struct ServeConfigStationsTests {
    static func read(_ text: String) throws -> (ServeConfigFile, [String]) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-stations-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let (config, errors) = try ServeConfigFile.read(path: path)
        return (config, errors.map { $0.description.replacingOccurrences(of: path, with: "vigil.yaml") })
    }

    @Test func connectorTypesAreReadInTheirCanonicalSpelling() throws {
        let (config, errors) = try Self.read("""
            stations:
              - {id: NORTH-1, site: depot-north, connectors: {2: Type2, 1: CCS2, 1/2: CHAdeMO}}
              - {id: NORTH-2}
            billing: {costUpdatedInterval: 2m}
            """)
        #expect(errors == [])
        #expect(config.stations == [
            DeclaredStation(id: "NORTH-1", registration: "accepted", site: "depot-north", connectorTypes: [
                ConnectorTypeAssignment(station: "NORTH-1", evse: 1, connector: 0, type: .cCCS2),
                ConnectorTypeAssignment(station: "NORTH-1", evse: 1, connector: 2, type: .cG105),
                ConnectorTypeAssignment(station: "NORTH-1", evse: 2, connector: 0, type: .sType2),
            ]),
            DeclaredStation(id: "NORTH-2", registration: "accepted", site: nil),
        ])
        #expect(config.billing.costUpdatedInterval == .seconds(120))
    }

    @Test func everyMistakeIsNamedAtItsPlace() throws {
        let (config, errors) = try Self.read("""
            stations:
              - {id: A, conectors: {1: CCS2}}
              - {id: B, connectors: [CCS2]}
              - id: C
                connectors:
                  x: CCS2
                  0: CCS2
                  1/0: CCS2
                  2: CCS
                  3: Unknown
                  4: CSS2
                  5: [CCS2]
                  6: CCS2
                  06: Type2
            billing: {costUpdatedInterval: soon}
            """)
        #expect(config.stations.isEmpty)
        #expect(errors.count == 11)
        let expected = [
            #"vigil.yaml:2:13: config station: unknown key "conectors" (did you mean "connectors"?)"#,
            #"vigil.yaml:3:25: config station: station "B": "connectors" must map connectors to their types, such as {1: CCS2, 2: Type2}, got a sequence"#,
            #"vigil.yaml:6:7: config station: station "C": connector "x" must be an EVSE id such as 1 (for OCPP 1.6, the connectorId) or EVSE/connector such as 1/2"#,
            #"vigil.yaml:7:7: config station: station "C": connector "0" must be an EVSE id such as 1 (for OCPP 1.6, the connectorId) or EVSE/connector such as 1/2"#,
            #"vigil.yaml:8:7: config station: station "C": connector "1/0" must be an EVSE id such as 1 (for OCPP 1.6, the connectorId) or EVSE/connector such as 1/2"#,
            #"vigil.yaml:9:10: config station: station "C": connector 2 is "CCS", which is ambiguous: write CCS1 (Combo 1) or CCS2 (Combo 2)"#,
            #"vigil.yaml:10:10: config station: station "C": connector 3 is "Unknown", which says the type is not known: name a known type, or leave it out"#,
        ]
        #expect(Array(errors.prefix(7)) == expected)
        #expect(errors[7].hasPrefix(#"vigil.yaml:11:10: config station: station "C": connector 4 must be a connector type — CCS1, CCS2, CHAdeMO, Tesla, Type1, Type2, Type3, Schuko or an OCPP 2.0.1 ConnectorEnumType value (cCCS1, "#))
        #expect(errors[8] == #"vigil.yaml:12:10: config station: station "C": connector 5 must be a connector type such as CCS2, got a sequence"#)
        #expect(errors[9] == #"vigil.yaml:14:7: config station: station "C": connector 6 is listed twice"#)
        #expect(errors[10] == #"vigil.yaml:15:32: config billing: "costUpdatedInterval" must be a duration from 10s to 24h, such as 5m, or off, got "soon""#)
    }
}
