import Testing
@testable import Billing

@Suite struct TariffMatcherTests {
    static let eur = Currency(code: "EUR")!

    static func version(_ id: String, site: String? = nil, type: String? = nil, group: String? = nil, validFrom: Int = 0,
                        number: Int = 1) -> TariffVersion {
        .draft(Tariff(id: id, site: site, connectorType: type, group: group, currency: eur, bands: [TariffBand()]), version: number,
               validFrom: validFrom)
    }

    static let all = [version("default"), version("fleet", group: "FLEET"), version("north", site: "north"),
                      version("north-fleet", site: "north", group: "FLEET"), version("north-ccs", site: "north", type: "CCS2")]

    static func session(site: String?, group: String, type: String? = nil) -> PricingSession {
        PricingSession(id: 1, station: "CP", site: site, connectorType: type, group: group, start: 0, stop: 1)
    }

    @Test(arguments: [
        ("north", "FLEET", nil, "north-fleet"),      // site+group (5) beats site (4)
        ("north", "adhoc", nil, "north"),            // the CCS2 tariff's type is unknown: ignored, and the untyped one wins the tie
        ("north", "adhoc", "CCS2", "north-ccs"),     // site+type (6)
        ("north", "FLEET", "CCS2", "north-ccs"),     // site+type (6) beats site+group (5)
        ("north", "FLEET", "Type2", "north-fleet"),  // a known other type excludes the CCS2 tariff
        ("south", "FLEET", nil, "fleet"),            // group (1) beats none
        ("south", "adhoc", nil, "default"),
        (nil, "adhoc", nil, "default"),
    ] as [(String?, String, String?, String)])
    func theMostSpecificTariffWins(site: String?, group: String, type: String?, expected: String) {
        #expect(TariffMatcher.match(Self.session(site: site, group: group, type: type), among: Self.all)?.tariffId == expected)
    }

    @Test func noDefaultMeansNoTariff() {
        #expect(TariffMatcher.match(Self.session(site: "south", group: "adhoc"), among: [Self.version("north", site: "north")]) == nil)
    }

    @Test func theVersionInForceAtTheStartIsUsed() {
        let versions = [Self.version("a", validFrom: 100, number: 1), Self.version("a", validFrom: 200, number: 2),
                        Self.version("b", validFrom: 300)]
        #expect(TariffMatcher.inForce(versions, at: 99).isEmpty)
        #expect(TariffMatcher.inForce(versions, at: 150).map(\.version) == [1])
        #expect(TariffMatcher.inForce(versions, at: 200).map(\.version) == [2])
        #expect(TariffMatcher.inForce(versions, at: 300).map(\.tariffId) == ["a", "b"])
    }
}
