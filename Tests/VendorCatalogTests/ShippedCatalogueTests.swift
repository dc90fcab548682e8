import Foundation
import Testing
@testable import VendorCatalog

@Suite struct ShippedCatalogueTests {
    /// The shipped catalogue loads cleanly, has a source for every entry, and meets the
    /// coverage the catalogue promises.
    @Test func shippedCatalogueIsValid() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("VendorCodes").path
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.filter { $0.hasSuffix(".yaml") } ?? []
        try #require(!files.isEmpty, "no catalogue files in \(directory)")
        let catalog: VendorCatalog
        do { catalog = try VendorCatalog.load(directory: directory) } catch {
            Issue.record("VendorCodes/ does not load:\n\(error)")
            return
        }
        let entries = catalog.vendors.flatMap(\.allEntries)
        #expect(entries.allSatisfy { !$0.source.title.isEmpty && ($0.source.url != nil || $0.source.page != nil) })
        #expect(catalog.vendors.count >= 10)
        #expect(Set(entries.map { "\($0.vendor)|\($0.code)" }).count >= 200)
        let generic = try #require(catalog.generic)
        for code in ["ConnectorLockFailure", "EVCommunicationError", "GroundFailure", "HighTemperature", "InternalError",
                     "LocalListConflict", "NoError", "OtherError", "OverCurrentFailure", "PowerMeterFailure", "PowerSwitchFailure",
                     "ReaderFailure", "ResetFailure", "UnderVoltage", "OverVoltage", "WeakSignal"] {
            #expect(generic.entry(code: code, model: nil, firmware: nil) != nil, "generic entry for \(code)")
        }
    }
}
