import DomainEvents
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
                      version("north-fleet", site: "north", group: "FLEET"), version("north-ccs", site: "north", type: "cCCS2")]

    static func session(site: String?, group: String, type: ConnectorType? = nil) -> PricingSession {
        PricingSession(id: 1, station: "CP", site: site, connectorType: type, group: group, start: 0, stop: 1)
    }

    @Test(arguments: [
        ("north", "FLEET", nil, "north-fleet"),      // site+group (5) beats site (4)
        ("north", "adhoc", nil, "north"),            // the CCS2 tariff's type is unknown: ignored, and the untyped one wins the tie
        ("north", "adhoc", .cCCS2, "north-ccs"),     // site+type (6)
        ("north", "FLEET", .cCCS2, "north-ccs"),     // site+type (6) beats site+group (5)
        ("north", "FLEET", .sType2, "north-fleet"),  // a known other type excludes the CCS2 tariff
        ("north", "adhoc", .cG105, "north"),         // a type no tariff names: the untyped site tariff
        ("south", "FLEET", nil, "fleet"),            // group (1) beats none
        ("south", "adhoc", nil, "default"),
        (nil, "adhoc", nil, "default"),
    ] as [(String?, String, ConnectorType?, String)])
    func theMostSpecificTariffWins(site: String?, group: String, type: ConnectorType?, expected: String) {
        #expect(TariffMatcher.match(Self.session(site: site, group: group, type: type), among: Self.all)?.tariffId == expected)
    }

    /// A version stored before connector types had one spelling says `CCS2`: it still matches
    /// a cCCS2 connector, and nothing else.
    @Test func aStoredVersionWithAnAliasMatchesTheCanonicalType() {
        let legacy = [Self.version("north-dc", site: "north", type: "CCS2"), Self.version("north-ac", site: "north", type: "type2")]
        #expect(TariffMatcher.match(Self.session(site: "north", group: "adhoc", type: .cCCS2), among: legacy)?.tariffId == "north-dc")
        #expect(TariffMatcher.match(Self.session(site: "north", group: "adhoc", type: .sType2), among: legacy)?.tariffId == "north-ac")
        #expect(TariffMatcher.match(Self.session(site: "north", group: "adhoc", type: .cType2), among: legacy) == nil)
    }

    /// A group is a parent id tag, and id tags compare without letter case.
    @Test func aGroupMatchesInAnyLetterCase() {
        #expect(TariffMatcher.match(Self.session(site: "south", group: "fleet"), among: Self.all)?.tariffId == "fleet")
        #expect(TariffMatcher.match(Self.session(site: "north", group: "Fleet"), among: Self.all)?.tariffId == "north-fleet")
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
