import Foundation
import Testing
@testable import vigil

/// Billing's site time zones come from the config file's `sites:`, the same as the metrics'.
@Suite struct SiteTimeZonesTests {
    func withConfig(_ text: String, _ body: (String) throws -> Void) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-sites-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try body(path)
    }

    @Test func aListedSiteHasItsZoneAndEveryOtherIsUTC() throws {
        try withConfig("sites:\n  - {id: depot-north, timeZone: Europe/Berlin}\n") { path in
            let lookup = try SiteTimeZones.lookup(configPath: path)
            #expect(lookup("depot-north").identifier == "Europe/Berlin")
            #expect(lookup("elsewhere").secondsFromGMT() == 0 && lookup(nil).secondsFromGMT() == 0)
        }
        #expect(try SiteTimeZones.lookup(configPath: nil)("depot-north").secondsFromGMT() == 0)
    }

    @Test func aBadZoneIsAnErrorNotUTC() throws {
        try withConfig("sites:\n  - {id: depot-north, timeZone: Europe/Berlinn}\n") { path in
            #expect(throws: UsageError.self) { _ = try SiteTimeZones.lookup(configPath: path) }
        }
    }
}
