import DomainEvents
import Foundation
import StoreTesting
import Testing
@testable import CPMS

/// The connector-type vocabulary (OCPP 2.0.1 ConnectorEnumType plus aliases, one canonical
/// spelling) and its table, which the config file fills and billing reads.
@Suite struct ConnectorTypeTests {
    @Test(arguments: [
        ("CCS2", ConnectorType.cCCS2), ("ccs2", .cCCS2), ("cCCS2", .cCCS2), ("CCCS2", .cCCS2),
        ("CCS1", .cCCS1), ("CHAdeMO", .cG105), ("chademo", .cG105), ("cG105", .cG105), ("Tesla", .cTesla),
        ("Type1", .cType1), ("Type2", .sType2), ("type2", .sType2), ("sType2", .sType2), ("cType2", .cType2), ("Type3", .sType3),
        ("Schuko", .sCEE_7_7), ("sCEE-7-7", .sCEE_7_7), ("s309-3P-32A", .s309_3P_32A), ("Other1PhMax16A", .other1PhMax16A),
        ("Pan", .pan), ("wResonant", .wResonant), ("Unknown", .unknown),
    ] as [(String, ConnectorType)])
    func specNamesAndAliasesReadAsOneCanonicalType(text: String, type: ConnectorType) {
        #expect(ConnectorType(parsing: text) == type)
    }

    @Test(arguments: ["CCS", "Type 2", "", "CSS2", "cCCS3", "s309-1P-64A", "Combo2"])
    func anythingElseIsNotAType(text: String) {
        #expect(ConnectorType(parsing: text) == nil)
    }

    @Test func everySpecValueReadsBackFromItsOwnSpelling() {
        #expect(ConnectorType.allCases.count == 22)
        for type in ConnectorType.allCases { #expect(ConnectorType(parsing: type.rawValue) == type) }
        #expect(ConnectorType.allCases.filter { !$0.isKnown } == [.undetermined, .unknown])
    }

    @Test func theProblemSaysWhatWouldBeValid() {
        #expect(ConnectorType.problem(with: "CCS") == "is \"CCS\", which is ambiguous: write CCS1 (Combo 1) or CCS2 (Combo 2)")
        #expect(ConnectorType.problem(with: "Unknown") == "is \"Unknown\", which says the type is not known: name a known type, or leave it out")
        let unknown = ConnectorType.problem(with: "CSS2")
        #expect(unknown.hasPrefix("must be a connector type — CCS1, CCS2, CHAdeMO, Tesla, Type1, Type2, Type3, Schuko or an OCPP 2.0.1 ConnectorEnumType value (cCCS1, cCCS2, cG105,"))
        #expect(unknown.hasSuffix("wInductive, wResonant) — got \"CSS2\""))
    }

    /// A connector's own declaration wins over its EVSE's; 1.6 sessions (EVSE = connectorId,
    /// connector 1) find the EVSE's; replacing the table forgets what is no longer declared.
    @Test func theTableAnswersByConnectorThenEVSEAndIsReplacedWhole() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-connector-types-\(UUID().uuidString).sqlite").path
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        _ = try await store.declareStation(id: "NORTH-1")
        _ = try await store.declareStation(id: "NORTH-2")
        try await store.replaceConnectorTypes([
            ConnectorTypeAssignment(station: "NORTH-1", evse: 1, type: .cCCS2),
            ConnectorTypeAssignment(station: "NORTH-1", evse: 1, connector: 2, type: .cG105),
            ConnectorTypeAssignment(station: "NORTH-1", evse: 2, type: .sType2),
            ConnectorTypeAssignment(station: "NORTH-2", evse: 1, type: .cType2),
        ])
        #expect(try await store.connectorType(station: "NORTH-1", evse: 1, connector: 1) == .cCCS2)
        #expect(try await store.connectorType(station: "NORTH-1", evse: 1, connector: 2) == .cG105)
        #expect(try await store.connectorType(station: "NORTH-1", evse: 1, connector: 0) == .cCCS2)   // 2.0.1 without a connectorId
        #expect(try await store.connectorType(station: "NORTH-1", evse: 2, connector: 1) == .sType2)
        #expect(try await store.connectorType(station: "NORTH-1", evse: 3, connector: 1) == nil)
        #expect(try await store.connectorType(station: "CP-OTHER", evse: 1, connector: 1) == nil)
        #expect(try await store.connectorTypes().count == 4)

        try await store.replaceConnectorTypes([ConnectorTypeAssignment(station: "NORTH-2", evse: 1, type: .cCCS1)])
        #expect(try await store.connectorType(station: "NORTH-1", evse: 1, connector: 1) == nil)
        #expect(try await store.connectorTypes() == [ConnectorTypeAssignment(station: "NORTH-2", evse: 1, connector: 0, type: .cCCS1)])
    }
}
