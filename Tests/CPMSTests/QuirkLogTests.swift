import Foundation
import OCPP
import StoreTesting
import Testing
@testable import CPMS
@testable import VendorCatalog

/// The durable record of applied leniency, and the catalogue's quirks in the OCPP layer's terms.
@Suite struct QuirkLogTests {
    @Test(arguments: TestEngine.all) func usesAreCountedPerFieldWithIndicesFoldedAndSurviveFlushes(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "quirks")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let log = QuirkLog(store: store)
        let unit = { (index: Int) in
            AppliedQuirk(quirk: "hz", kind: "substitute", action: "MeterValues", path: "meterValue[\(index)].sampledValue[0].unit",
                         original: "Hz", replacement: "Hertz")
        }
        log.record(station: "CP-1", [unit(0), unit(1)], at: "2026-11-26T01:00:00.000Z")
        log.record(station: "CP-2", [AppliedQuirk(quirk: nil, kind: "numbersAsStrings", action: "Heartbeat", path: "x", original: "\"1\"")],
                   at: "2026-11-26T01:00:01.000Z")
        #expect(try await log.flush() == 2)
        log.record(station: "CP-1", [unit(3)], at: "2026-11-26T02:00:00.000Z")
        #expect(try await log.flush() == 1)
        #expect(try await log.flush() == 0)
        let uses = try await store.quirkUses(station: "CP-1")
        #expect(uses == [QuirkUse(station: "CP-1", quirk: "hz", kind: "substitute", action: "MeterValues",
                                  path: "meterValue[].sampledValue[].unit", count: 3, firstSeen: "2026-11-26T01:00:00.000Z",
                                  lastSeen: "2026-11-26T02:00:00.000Z", example: "Hz")])
        #expect(try await store.quirkUses().map(\.quirk) == ["hz", "(configured)"])
    }

    @Test func catalogueLeniencyNamesAreTheOCPPLayersOptions() {
        #expect(VendorQuirk.knownLeniencies == OCPPLeniency.named.map(\.1))
        #expect(VendorQuirk.knownLeniencies.allSatisfy { OCPPLeniency(name: $0) != nil })
    }

    @Test func shippedQuirksResolveForTheStationsTheyDescribe() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("VendorCodes").path
        let catalog = try VendorCatalog.load(directory: directory)
        let quirks = catalog.vendors.flatMap(\.quirks)
        #expect(quirks.count >= 7)
        #expect(quirks.allSatisfy { !$0.description.isEmpty && $0.source.url != nil })
        let legrand = QuirkResolver.profile(catalog.quirks(for: CatalogQuery(chargePointVendor: "Legrand", model: "GreenUp Premium")))
        #expect(legrand.substitutions.map { "\($0.field) \($0.from)→\($0.to)" } == ["errorCode Error→OtherError"])
        let charx = QuirkResolver.profile(catalog.quirks(for: CatalogQuery(chargePointVendor: "Phoenix Contact GmbH & Co. KG",
                                                                           model: "EV-CC-AC1-M3-CBC-RCM-ETH-3PN-SER")))
        #expect(charx.remoteStartNeedsConnector == "charx-remote-start-needs-connector")
        #expect(charx.tolerances.map(\.fields) == [["chargePointVendor", "chargePointModel"]])
        #expect(QuirkResolver.profile(catalog.quirks(for: CatalogQuery(chargePointVendor: "Acme", model: "X1"))).isEmpty)
    }
}
