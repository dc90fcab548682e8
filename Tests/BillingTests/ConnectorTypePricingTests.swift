import CPMS
import DomainEvents
import Foundation
import StoreTesting
import Testing
@testable import Billing

/// Tariffs by connector type, end to end through the store: the connector's declared type
/// chooses the tariff, the CDR records it, and a connector without a declared type — or with a
/// type no tariff names — falls back as docs/billing.md says.
@Suite(.timeLimit(.minutes(1))) struct ConnectorTypePricingTests {
    static let eur = Currency(code: "EUR")!

    static func tariff(_ id: String, _ perKWh: String, type: ConnectorType? = nil) -> Tariff {
        Tariff(id: id, site: "north", connectorType: type?.rawValue, currency: eur, vatMicroPercent: 19_000_000,
               bands: [TariffBand(energyPerKWh: try! Money.parse(perKWh))])
    }

    /// NORTH-1: EVSE 1 CCS2, EVSE 2 Type2; NORTH-2: nothing declared; NORTH-3: CHAdeMO. All at site north.
    static func withStore(_ tariffs: [Tariff], _ body: (StationStore, BillingService) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-billing-types-\(UUID().uuidString).sqlite").path
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        for id in ["NORTH-1", "NORTH-2", "NORTH-3"] { _ = try await store.declareStation(id: id, site: "north") }
        try await store.replaceConnectorTypes([
            ConnectorTypeAssignment(station: "NORTH-1", evse: 1, type: .cCCS2),
            ConnectorTypeAssignment(station: "NORTH-1", evse: 2, type: .sType2),
            ConnectorTypeAssignment(station: "NORTH-3", evse: 1, type: .cG105),
        ])
        let billing = BillingService(store: store)
        _ = try await billing.billing.recordVersions(of: tariffs, now: Instant.parse("2026-12-01T00:00:00Z")!)
        try await body(store, billing)
    }

    /// A 10 kWh session, 10:00–11:00, on `station`'s EVSE `evse`.
    static func session(_ store: StationStore, _ station: String, evse: Int) async throws -> Int {
        let id = try await store.startSession(station: station, evse: evse, connector: 1, transactionRef: nil, idToken: "CARD",
                                              authorization: "accepted", startTime: "2026-12-01T10:00:00Z", meterStartWh: 1_000,
                                              now: "2026-12-01T10:00:00Z")
        try await store.stopSession(id: id, stopTime: "2026-12-01T11:00:00Z", meterStopWh: 11_000, reason: "Local", now: "2026-12-01T11:00:00Z")
        return id
    }

    @Test func twoTariffsOnOneSitePriceCCS2AndType2Differently() async throws {
        // The DC tariff is written with the alias, as an operator would: read, it is cCCS2.
        try await Self.withStore([Self.tariff("north-dc", "0.60", type: ConnectorType(parsing: "CCS2")),
                                  Self.tariff("north-ac", "0.30", type: ConnectorType(parsing: "Type2")),
                                  Self.tariff("north", "0.45")]) { store, billing in
            let dc = try await Self.session(store, "NORTH-1", evse: 1)
            let ac = try await Self.session(store, "NORTH-1", evse: 2)
            let undeclared = try await Self.session(store, "NORTH-2", evse: 1)
            let chademo = try await Self.session(store, "NORTH-3", evse: 1)
            func cdr(_ id: Int) async throws -> ChargeDetailRecord {
                guard case .priced(let cdr) = try await billing.price(session: id, now: Date()) else { throw CancellationError() }
                return cdr
            }
            // 10 kWh × 0.60 = 6.00, VAT 19 % 1.14: 7.14.
            let dcRecord = try await cdr(dc)
            #expect((dcRecord.tariffId, dcRecord.connectorType, dcRecord.net, dcRecord.vat, dcRecord.gross) == ("north-dc", .cCCS2, 600, 114, 714))
            #expect(dcRecord.canonicalJSON.contains("\"connector\":1,\"connectorType\":\"cCCS2\","))
            // 10 kWh × 0.30 = 3.00, VAT 0.57: 3.57.
            let acRecord = try await cdr(ac)
            #expect((acRecord.tariffId, acRecord.connectorType, acRecord.net, acRecord.vat, acRecord.gross) == ("north-ac", .sType2, 300, 57, 357))
            // No declared type: the typed tariffs' criterion is ignored and the untyped site tariff
            // wins the tie: 10 kWh × 0.45 = 4.50, VAT 0.855 → 0.86: 5.36. The CDR has no connectorType.
            let plain = try await cdr(undeclared)
            #expect((plain.tariffId, plain.connectorType, plain.gross) == ("north", nil, 536))
            #expect(!plain.canonicalJSON.contains("connectorType"))
            // CHAdeMO, which no tariff names: the typed tariffs do not apply; the site tariff does.
            let other = try await cdr(chademo)
            #expect((other.tariffId, other.connectorType, other.gross) == ("north", .cG105, 536))
            // The station's display is told the same figures.
            #expect(await billing.quote(session: dc) == 7.14)
            #expect(await billing.quote(session: ac) == 3.57)
        }
    }

    /// Without an untyped tariff for the site, a declared type no tariff names is not priced
    /// (the reason names the type); a connector without a declared type still takes a typed one.
    @Test func aTypeNoTariffNamesFallsBackOrIsUnpriced() async throws {
        try await Self.withStore([Self.tariff("north-dc", "0.60", type: .cCCS2)]) { store, billing in
            let chademo = try await Self.session(store, "NORTH-3", evse: 1)
            #expect(try await billing.price(session: chademo, now: Date())
                    == .unpriced(reason: "no tariff applies (site north, connector type cG105, group adhoc, 1 in force at the start)"))
            let undeclared = try await Self.session(store, "NORTH-2", evse: 1)
            guard case .priced(let cdr) = try await billing.price(session: undeclared, now: Date()) else { Issue.record("not priced"); return }
            #expect((cdr.tariffId, cdr.connectorType, cdr.gross) == ("north-dc", nil, 714))
        }
    }

    /// A CDR written before connector types existed has no `connectorType`: it decodes, and
    /// encodes back to the very same canonical JSON, so its content hash still holds.
    @Test func aCDRWithoutAConnectorTypeStaysValid() throws {
        let document = #"{"authorization":"accepted","connector":1,"currency":"EUR","energySource":"register","energyWh":"30000.000","evse":1,"#
            + #""gross":1488,"group":"FLEET-ACME","idToken":"CARD-F","items":[{"amount":1200,"band":1,"bandLabel":"00:00–24:00","#
            + #""component":"energy","periods":["2026-12-05T11:55:40.221Z/2026-12-05T12:40:40.221Z"],"quantity":"30.000000","unit":"kWh","#
            + #""unitPrice":"0.4"},{"amount":50,"component":"sessionFee","periods":[],"quantity":"1","unit":"session","unitPrice":"0.5"}],"#
            + #""net":1250,"session":1,"site":"depot-north","startTime":"2026-12-05T11:55:40.221Z","station":"CP-B1","#
            + #""stopTime":"2026-12-05T12:40:40.221Z","tariffHash":"0896ba8dbb3117a1a88ac538f88441036f7a1060e0c9f7e958e50beb8d29dce4","#
            + #""tariffId":"standard","tariffVersion":1,"vat":238,"vatPercent":"19"}"#
        let record = try ChargeDetailRecord.decode(document)
        #expect(record.connectorType == nil)
        #expect(record.canonicalJSON == document)
    }

    /// A running session's cost is what its CDR would say were it to end at the charger's time
    /// of the latest report: the same path as the Ended answer's totalCost.
    @Test func theRunningQuoteIsTheCDRSoFar() async throws {
        try await Self.withStore([Self.tariff("north-dc", "0.60", type: .cCCS2), Self.tariff("north", "0.45")]) { store, billing in
            let id = try await store.startSession(station: "NORTH-1", evse: 1, connector: 1, transactionRef: "tx-9", idToken: nil,
                                                  authorization: "none", startTime: "2026-12-01T10:00:00Z", meterStartWh: 1_000,
                                                  now: "2026-12-01T10:00:00Z")
            // Nothing delivered yet: nothing to show.
            #expect(await billing.runningCost(session: id, until: Instant.parse("2026-12-01T10:01:00Z")!) == .nothingDeliveredYet)
            try await store.addSamples(session: id, [MeterSample(at: "2026-12-01T10:20:00Z", measurand: "Energy.Active.Import.Register",
                                                                 value: 6_000, unit: "Wh")])
            // 5 kWh × 0.60 = 3.00, VAT 0.57: 3.57.
            #expect(await billing.runningCost(session: id, until: Instant.parse("2026-12-01T10:20:00Z")!) == .cost(3.57))
            #expect(await billing.quote(session: id) == nil)   // not ended
            try await store.stopSession(id: id, stopTime: "2026-12-01T11:00:00Z", meterStopWh: 11_000, reason: "Local", now: "2026-12-01T11:00:00Z")
            #expect(await billing.runningCost(session: id, until: Instant.parse("2026-12-01T11:00:00Z")!) == .none)   // ended
            #expect(await billing.quote(session: id) == 7.14)
        }
    }
}
