import Testing
import YAMLKit
@testable import Billing

@Suite struct TariffReaderTests {
    static func read(_ text: String) throws -> ([Tariff], [String]) {
        let node = try #require(try YAMLParser.parse(text, file: "vigil.yaml"))
        let (tariffs, errors) = TariffReader.read(try #require(node["tariffs"]))
        return (tariffs, errors.map(\.description))
    }

    @Test func theDocumentedExampleReads() throws {
        let (tariffs, errors) = try Self.read("""
            tariffs:
              - id: standard
                currency: EUR
                vatPercent: 19
                sessionFee: 0.50
                minPrice: 1
                maxPrice: 80
                bands:
                  - {days: [mon, tue, wed, thu, fri], from: "06:00", to: "22:00", energyPerKWh: 0.49, idlePerHour: 6, idleGraceMinutes: 30}
                  - {days: [sat, sun], energyPerKWh: 0.42, timePerHour: 1.20, timeBasis: pluggedIn}
                  - {energyPerKWh: 0.39}
              - id: fleet-north-ccs
                site: depot-north
                connectorType: CCS2
                group: FLEET-ACME
                currency: EUR
                vatPercent: 7.7
                bands: [{energyPerKWh: "0.350001"}]
            """)
        #expect(errors == [])
        #expect(tariffs.map(\.id) == ["standard", "fleet-north-ccs"])
        #expect(tariffs[0].sessionFee == Money(micros: 500_000))
        #expect(tariffs[0].bands[0].from == LocalTime("06:00"))
        #expect(tariffs[0].bands[1].timeBasis == .pluggedIn)
        #expect(tariffs[0].bands[2].days == nil)
        #expect(tariffs[1].connectorType == "cCCS2")   // the alias, in its canonical spelling
        #expect(tariffs[1].vatMicroPercent == 7_700_000)
        #expect(tariffs[1].bands[0].energyPerKWh == Money(micros: 350_001))
    }

    @Test func everyMistakeIsReportedAtItsPlace() throws {
        let (tariffs, errors) = try Self.read("""
            tariffs:
              - id: bad
                currency: XXX
                vatPercent: 19
                sessionFee: 0.1234567
                minPrice: 5
                maxPrice: 2
                bands:
                  - {from: "06:00", to: "25:00", energyPerKWh: 0.4}
                  - {days: [mon, funday], energyPerKWh: abc, timeBasis: charging}
              - id: typo
                currency: EUR
                vatPercent: 19
                bands: [{from: "06:00", to: "22:00", energyPerKWh: 0.4, idleGraceMinutse: 5}]
              - id: hole
                currency: EUR
                vatPercent: 119
                bands: [{from: "06:00", to: "22:00", energyPerKWh: 0.4}]
              - id: yen
                currency: JPY
                vatPercent: 10
                sessionFee: 0.5
                bands: [{energyPerKWh: 49.5}]
            """)
        #expect(tariffs.isEmpty)
        #expect(errors == [
            "vigil.yaml:3:15: tariff \"bad\": \"currency\" must be an ISO 4217 code Vigil knows (AUD, BHD, BRL, CAD, CHF, CLP, CNY, CZK, DKK, EUR, GBP, HKD, HUF, INR, ISK, JOD, JPY, KRW, KWD, MXN, NOK, NZD, OMR, PLN, RON, SEK, SGD, TND, TRY, USD, ZAR), got \"XXX\"",
            "vigil.yaml:5:17: tariff \"bad\": \"sessionFee\" has more than 6 fraction digits: \"0.1234567\"",
            "vigil.yaml:7:15: tariff \"bad\": \"maxPrice\" (2) must not be below \"minPrice\" (5)",
            "vigil.yaml:9:29: tariff \"bad\" band 1: \"to\" must be a local time HH:MM such as 06:00 (24:00 for the end of the day), got \"25:00\"",
            "vigil.yaml:10:16: tariff \"bad\" band 2: \"days\" takes mon, tue, wed, thu, fri, sat, sun, each once, got \"funday\"",
            "vigil.yaml:10:45: tariff \"bad\" band 2: \"energyPerKWh\" must be a decimal number such as 0.39, got \"abc\"",
            "vigil.yaml:10:61: tariff \"bad\" band 2: \"timeBasis\" needs \"timePerHour\"",
            "vigil.yaml:14:61: tariff \"typo\" band 1: unknown key \"idleGraceMinutse\" (did you mean \"idleGraceMinutes\"?)",
            "vigil.yaml:17:17: tariff \"hole\": \"vatPercent\" must be 0…100, got \"119\"",
            "vigil.yaml:18:12: tariff \"hole\": the bands leave mon 00:00 without a price; add a band for it (a band without prices makes it free)",
            "vigil.yaml:22:17: tariff \"yen\": \"sessionFee\" 0.5 has more decimals than JPY has (0); a flat amount must be payable as written, such as 1",
        ])
    }

    @Test func twoTariffsForTheSameSessionsAreRefused() throws {
        let (tariffs, errors) = try Self.read("""
            tariffs:
              - {id: a, site: north, currency: EUR, vatPercent: 19, bands: [{energyPerKWh: 0.4}]}
              - {id: b, site: north, currency: EUR, vatPercent: 19, bands: [{energyPerKWh: 0.5}]}
              - {id: a, currency: EUR, vatPercent: 19, bands: [{energyPerKWh: 0.5}]}
              - {id: fleet, group: FLEET-ACME, currency: EUR, vatPercent: 19, bands: [{energyPerKWh: 0.3}]}
              - {id: fleet-lower, group: fleet-acme, currency: EUR, vatPercent: 19, bands: [{energyPerKWh: 0.3}]}
            """)
        #expect(tariffs.map(\.id) == ["a", "fleet"])
        #expect(errors == [
            "vigil.yaml:3:5: tariff \"b\": applies to exactly the same sessions as tariff \"a\" (same site, connectorType and group); one of them would never be used",
            "vigil.yaml:4:10: tariff \"a\": the id is already used at vigil.yaml:2:10",
            // Groups compare without letter case, as the tokens whose parent they name.
            "vigil.yaml:6:5: tariff \"fleet-lower\": applies to exactly the same sessions as tariff \"fleet\" (same site, connectorType and group); one of them would never be used",
        ])
    }

    /// Connector types are read into one spelling, so two spellings of one type are one scope;
    /// an ambiguous, unknown or not-a-type value is an error naming what would be valid.
    @Test func connectorTypesAreCanonicalAndCheckedInTariffs() throws {
        let (tariffs, errors) = try Self.read("""
            tariffs:
              - {id: dc, site: north, connectorType: CCS2, currency: EUR, vatPercent: 19, bands: [{energyPerKWh: 0.6}]}
              - {id: dc-again, site: north, connectorType: cCCS2, currency: EUR, vatPercent: 19, bands: [{energyPerKWh: 0.5}]}
              - {id: ac, site: north, connectorType: type2, currency: EUR, vatPercent: 19, bands: [{energyPerKWh: 0.3}]}
              - {id: combo, connectorType: CCS, currency: EUR, vatPercent: 19, bands: [{energyPerKWh: 0.3}]}
              - {id: what, connectorType: Unknown, currency: EUR, vatPercent: 19, bands: [{energyPerKWh: 0.3}]}
              - {id: typo, connectorType: CSS2, currency: EUR, vatPercent: 19, bands: [{energyPerKWh: 0.3}]}
            """)
        #expect(tariffs.map(\.id) == ["dc", "ac"])
        #expect(tariffs.map(\.connectorType) == ["cCCS2", "sType2"])
        #expect(errors.count == 4)
        #expect(errors[0] == "vigil.yaml:3:5: tariff \"dc-again\": applies to exactly the same sessions as tariff \"dc\" (same site, connectorType and group); one of them would never be used")
        #expect(errors[1] == "vigil.yaml:5:32: tariff \"combo\": \"connectorType\" is \"CCS\", which is ambiguous: write CCS1 (Combo 1) or CCS2 (Combo 2)")
        #expect(errors[2] == "vigil.yaml:6:31: tariff \"what\": \"connectorType\" is \"Unknown\", which says the type is not known: name a known type, or leave it out")
        #expect(errors[3].hasPrefix("vigil.yaml:7:31: tariff \"typo\": \"connectorType\" must be a connector type — CCS1, CCS2, CHAdeMO,"))
        #expect(errors[3].hasSuffix(" — got \"CSS2\""))
    }

    @Test(arguments: [("0", 0), ("0.39", 390_000), ("12", 12_000_000), ("0.000001", 1), ("1000000000000", 1_000_000_000_000_000_000)])
    func moneyIsExact(text: String, micros: Int) throws {
        #expect(try Money.parse(text).micros == micros)
    }

    @Test(arguments: ["", ".5", "5.", "-1", "1e3", "0.1234567", "1,5", " 1", "10000000000000"])
    func badMoneyIsRefused(text: String) {
        #expect(throws: Money.ParseError.self) { try Money.parse(text) }
    }
}

@Suite struct BandCoverageTests {
    @Test func weekdayNightsWithoutSundayNightLeaveMondayMorningUncovered() {
        // 22:00–06:00 on mon–fri covers the mornings of tue–sat; mon 00:00–06:00 would follow sunday.
        let bands = [TariffBand(days: [.mon, .tue, .wed, .thu, .fri], from: LocalTime("06:00")!, to: LocalTime("22:00")!),
                     TariffBand(days: [.mon, .tue, .wed, .thu, .fri], from: LocalTime("22:00")!, to: LocalTime("06:00")!),
                     TariffBand(days: [.sat, .sun])]
        #expect(TariffReader.firstGap(bands) == "mon 00:00")
        #expect(TariffReader.firstGap(bands + [TariffBand(days: [.sun], from: LocalTime("22:00")!, to: LocalTime("06:00")!)]) == nil)
    }
}
