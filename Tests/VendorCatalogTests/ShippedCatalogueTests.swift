import Foundation
import Testing
@testable import VendorCatalog

@Suite struct ShippedCatalogueTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("VendorCodes").path

    static func shipped() throws -> VendorCatalog {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.filter { $0.hasSuffix(".yaml") } ?? []
        try #require(!files.isEmpty, "no catalogue files in \(directory)")
        return try VendorCatalog.load(directory: directory)
    }

    /// Every entry of the shipped catalogue, vendors and generic.
    static func everyEntry(_ catalog: VendorCatalog) -> [CatalogEntry] {
        (catalog.vendors + (catalog.generic.map { [$0] } ?? [])).flatMap(\.allEntries)
    }

    /// The shipped catalogue loads cleanly, has a source for every entry, and meets the
    /// coverage the catalogue promises.
    @Test func shippedCatalogueIsValid() throws {
        let catalog: VendorCatalog
        do { catalog = try Self.shipped() } catch {
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

    /// Words of the never-reset rule (docs/vendor-codes.md), matched as whole words in an
    /// entry's code, title and meaning after lower-casing and turning punctuation into spaces
    /// ("over-temperature" is "over temperature").
    static let neverResetWords = [
        "ground fault", "ground faults", "ground failure", "ground lost", "ground monitor", "earth fault", "earth leakage", "earthing",
        "earth", "gfi", "gfci", "rcd", "residual current", "fault current", "leakage", "insulation", "isolation", "protective earth",
        "pe", "pen", "welded", "stuck closed", "over temperature", "overtemperature", "temperature too high", "too hot", "hot",
        "high temperature", "temperature high", "overheating", "overheat", "emergency stop", "surge", "tilt", "tilted", "flood",
        "flooding", "water", "moisture", "case open", "door", "enclosure", "intrusion", "tamper",
    ]

    /// Entries whose text names a never-reset fault only to say they are something else, with
    /// the reason they stay `allowed`. Each must still exist and still be allowed.
    static let allowedDespiteWords: [String: String] = [
        "Generic OCPP TemperatureSensor/Problem": "the sensor itself is faulty; the meaning says it is not a too-hot reading",
        "Generic OCPP Connector/Problem": "an unspecified connector problem; over-temperature is only the appendix's example, and on-call reads techInfo first",
    ]

    static func neverResetWordsFound(in entry: CatalogEntry) -> [String] {
        let text = " " + "\(entry.code) \(entry.title) \(entry.meaning)".lowercased()
            .map { $0.isLetter || $0.isNumber ? String($0) : " " }.joined().split(separator: " ").joined(separator: " ") + " "
        return neverResetWords.filter { text.contains(" \($0) ") }
    }

    /// The rule holds over the shipped files: a code whose text names a never-reset fault is
    /// `autoReset: never`, and every never-reset code is at least major.
    @Test func neverResetRuleHoldsForTheShippedCatalogue() throws {
        let entries = Self.everyEntry(try Self.shipped())
        let offenders = entries.filter { !$0.neverAutoReset && !Self.allowedDespiteWords.keys.contains("\($0.vendor) \($0.code)") }
            .compactMap { entry -> String? in
                let words = Self.neverResetWordsFound(in: entry)
                return words.isEmpty ? nil : "\(entry.vendor) \(entry.code) at \(entry.location) mentions \(words.joined(separator: ", "))"
            }
        #expect(offenders.isEmpty, "autoReset: allowed, but the text names a never-reset fault:\n\(offenders.joined(separator: "\n"))")
        for key in Self.allowedDespiteWords.keys.sorted() {
            let entry = entries.first { "\($0.vendor) \($0.code)" == key }
            #expect(entry?.autoReset == .allowed, "exemption \(key) is stale")
            #expect(entry.map { !Self.neverResetWordsFound(in: $0).isEmpty } ?? false, "exemption \(key) no longer needed")
        }
        let belowMajor = entries.filter { $0.neverAutoReset && $0.severity < .major }.map { "\($0.vendor) \($0.code) (\($0.severity))" }
        #expect(belowMajor.isEmpty, "never-reset codes below major: \(belowMajor.joined(separator: ", "))")
    }

    /// `allEntries` lists an entry with aliases once, in file order (line 100 after line 99).
    @Test func allEntriesOnceInFileOrder() throws {
        let catalog = try Self.shipped()
        let compleo = try #require(catalog.vendors.first { $0.name == "Compleo" })
        #expect(compleo.allEntries.map(\.code) == ["B", "C", "D", "E", "F", "G", "I", "1", "SAM außer Betrieb"])
        let generic = try #require(catalog.generic).allEntries.map { VendorProfile.position($0).line }
        #expect(generic == generic.sorted() && Set(generic).count == generic.count)
    }

    /// The keyword check itself can fail: an allowed ground fault is caught.
    @Test func neverResetWordsCatchAnAllowedGroundFault() {
        let entry = CatalogEntry(vendor: "X", code: "E1", aliases: [], families: [], ocppErrorCode: nil, title: "Ground-fault trip",
                                 meaning: "The RCD opened.", severity: .major, category: .electrical, remedy: .technician,
                                 autoReset: .allowed, remedySource: .inferred, onCall: [], technician: [],
                                 source: CatalogSource(key: "m", title: "Manual", page: "1"), location: "X.yaml:1:1")
        #expect(Self.neverResetWordsFound(in: entry) == ["ground fault", "rcd"])
    }

    @Test(arguments: [
        ("Generic OCPP", "GroundFailure", AutoReset.never), ("Generic OCPP", "HighTemperature", .never),
        ("Generic OCPP", "RCD/Tripped", .never), ("Generic OCPP", "EmergencyStopSensor/Active", .never),
        ("Generic OCPP", "InternalError", .allowed), ("Generic OCPP", "ChargingStation/Problem", .allowed),
        ("Generic OCPP", "ChargingStation/Tripped", .never), ("Enel X JuiceBox", "2 beeps", .never),
    ])
    func shippedClass(vendor: String, code: String, expected: AutoReset) throws {
        let catalog = try Self.shipped()
        let profile = try #require(vendor == "Generic OCPP" ? catalog.generic : catalog.vendors.first { $0.name == vendor })
        let entry = try #require(profile.entry(code: code, model: nil, firmware: nil), "\(vendor) \(code)")
        #expect(entry.autoReset == expected)
    }

    /// Enel X JuiceBox two beeps: a relay stuck closed on 2015-2017 units, not a vehicle fault.
    @Test func enelXTwoBeepsIsAStuckRelay() throws {
        let catalog = try Self.shipped()
        let enelX = try #require(catalog.vendors.first { $0.name == "Enel X JuiceBox" })
        let entry = try #require(enelX.entry(code: "2 beeps", model: nil, firmware: nil))
        #expect(entry.severity == .safety && entry.category == .electrical && entry.remedy == .disableConnector)
        #expect(entry.meaning.contains("stuck closed"))
    }
}
