import Foundation
import Digests
import Testing
@testable import Billing

/// Prices worked out by hand in the comments; the engine must agree to the cent.
@Suite struct PricingEngineTests {
    static let utc = TimeZone.gmt
    static let berlin = TimeZone(identifier: "Europe/Berlin")!
    static let eur = Currency(code: "EUR")!

    static func t(_ text: String) -> Int { Instant.parse(text)! }
    static func m(_ text: String) -> Money { try! Money.parse(text) }

    static func price(_ tariff: Tariff, _ session: PricingSession, zone: TimeZone = utc) throws -> ChargeDetailRecord {
        try PricingEngine.price(session, with: .draft(tariff, version: 1), timeZone: zone)
    }

    @Test func aSessionAcrossABandChangeIsSplitAtTheBoundary() throws {
        // Day 06:00–22:00 at 0.50/kWh, night 22:00–06:00 at 0.30/kWh, VAT 19 %.
        let tariff = Tariff(id: "standard", currency: Self.eur, vatMicroPercent: 19_000_000, bands: [
            TariffBand(from: LocalTime("06:00")!, to: LocalTime("22:00")!, energyPerKWh: Self.m("0.50")),
            TariffBand(from: LocalTime("22:00")!, to: LocalTime("06:00")!, energyPerKWh: Self.m("0.30")),
        ])
        // 21:30–23:30, 30 kWh. Samples: 21:45 5 kWh, 22:15 15 kWh: at 22:00 the register reads
        // 10 kWh (halfway between them). Day: 10 kWh × 0.50 = 5.00. Night: 20 kWh × 0.30 = 6.00.
        // Net 11.00; VAT 19 % = 2.09; gross 13.09.
        let session = PricingSession(id: 1, station: "CP-1", start: Self.t("2026-12-01T21:30:00Z"), stop: Self.t("2026-12-01T23:30:00Z"),
                                     meterStartWh: 0, meterStopWh: 30_000,
                                     registerSamples: [RegisterSample(at: Self.t("2026-12-01T21:45:00Z"), wh: 5_000),
                                                       RegisterSample(at: Self.t("2026-12-01T22:15:00Z"), wh: 15_000)])
        let cdr = try Self.price(tariff, session)
        #expect(cdr.items.map(\.amount) == [500, 600])
        #expect(cdr.items.map(\.quantity) == ["10.000000", "20.000000"])
        #expect(cdr.items[0].periods == ["2026-12-01T21:30:00.000Z/2026-12-01T22:00:00.000Z"])
        #expect(cdr.items[1].periods == ["2026-12-01T22:00:00.000Z/2026-12-01T23:30:00.000Z"])
        #expect((cdr.net, cdr.vat, cdr.gross) == (1_100, 209, 1_309))
        #expect(cdr.energyWh == "30000.000")
        #expect(cdr.energySource == .samples)
    }

    @Test func withoutSamplesEnergyIsSpreadEvenlyAndTheSourceIsTheRegister() throws {
        let tariff = Tariff(id: "standard", currency: Self.eur, bands: [
            TariffBand(from: LocalTime("06:00")!, to: LocalTime("22:00")!, energyPerKWh: Self.m("0.50")),
            TariffBand(from: LocalTime("22:00")!, to: LocalTime("06:00")!, energyPerKWh: Self.m("0.30")),
        ])
        // 21:30–23:30, 30 kWh in a straight line: 7.5 kWh by 22:00 (× 0.50 = 3.75), 22.5 after (× 0.30 = 6.75).
        let session = PricingSession(id: 1, station: "CP-1", start: Self.t("2026-12-01T21:30:00Z"), stop: Self.t("2026-12-01T23:30:00Z"),
                                     meterStartWh: 1_000, meterStopWh: 31_000)
        let cdr = try Self.price(tariff, session)
        #expect(cdr.items.map(\.amount) == [375, 675])
        #expect(cdr.energySource == .register)
    }

    @Test func idleTimeIsChargedAfterTheGrace() throws {
        // Energy 0.40/kWh; idle 6.00/h after 30 minutes' grace.
        let tariff = Tariff(id: "idle", currency: Self.eur, bands: [
            TariffBand(energyPerKWh: Self.m("0.40"), idlePerHour: Self.m("6.00"), idleGraceMinutes: 30),
        ])
        // 10:00–13:00; the register stops rising at 11:00 (20 kWh). Energy 20 × 0.40 = 8.00.
        // Idle from 11:00, grace to 11:30, billed 11:30–13:00: 1.5 h × 6.00 = 9.00. Net 17.00.
        let session = PricingSession(id: 2, station: "CP-1", start: Self.t("2026-12-01T10:00:00Z"), stop: Self.t("2026-12-01T13:00:00Z"),
                                     meterStartWh: 0, meterStopWh: 20_000,
                                     registerSamples: [RegisterSample(at: Self.t("2026-12-01T11:00:00Z"), wh: 20_000),
                                                       RegisterSample(at: Self.t("2026-12-01T12:00:00Z"), wh: 20_000)])
        let cdr = try Self.price(tariff, session)
        #expect(cdr.items.map(\.component) == [.energy, .idle])
        #expect(cdr.items.map(\.amount) == [800, 900])
        #expect(cdr.items[1].quantity == "5400.000")
        #expect(cdr.net == 1_700)
    }

    /// One bogus register sample above the session's own stop reading is not billed: the meter's
    /// start and stop say 5 kWh, and a 100 kWh sample held as the highest would have billed 39.
    @Test func aSampleOutsideTheStartAndStopReadingsIsLeftOut() throws {
        let tariff = Tariff(id: "e", currency: Self.eur, bands: [TariffBand(energyPerKWh: Self.m("0.40"))])
        let session = PricingSession(id: 5, station: "CP-1", start: Self.t("2026-12-01T10:00:00Z"), stop: Self.t("2026-12-01T11:00:00Z"),
                                     meterStartWh: 61_000, meterStopWh: 66_000,
                                     registerSamples: [RegisterSample(at: Self.t("2026-12-01T10:20:00Z"), wh: 100_000),
                                                       RegisterSample(at: Self.t("2026-12-01T10:40:00Z"), wh: 62_000),
                                                       RegisterSample(at: Self.t("2026-12-01T10:50:00Z"), wh: 1_000)])
        let cdr = try Self.price(tariff, session)
        #expect(cdr.items.map(\.amount) == [200])   // 5 kWh × 0.40
        #expect(cdr.energySource == .samples)
    }

    @Test func idleWithinTheGraceIsFree() throws {
        let tariff = Tariff(id: "idle", currency: Self.eur, bands: [
            TariffBand(energyPerKWh: Self.m("0.40"), idlePerHour: Self.m("6.00"), idleGraceMinutes: 30),
        ])
        // Charging ends 11:00, unplugged 11:20: within the grace, no idle line.
        let session = PricingSession(id: 2, station: "CP-1", start: Self.t("2026-12-01T10:00:00Z"), stop: Self.t("2026-12-01T11:20:00Z"),
                                     meterStartWh: 0, meterStopWh: 20_000,
                                     registerSamples: [RegisterSample(at: Self.t("2026-12-01T11:00:00Z"), wh: 20_000)])
        #expect(try Self.price(tariff, session).items.map(\.component) == [.energy])
    }

    @Test func aSessionFeeAndTheMinimumPrice() throws {
        // Fee 1.00, energy 0.40/kWh, minimum 5.00. 2 kWh: 0.80 + 1.00 = 1.80, raised to 5.00 by a 3.20 line.
        let tariff = Tariff(id: "min", currency: Self.eur, sessionFee: Self.m("1.00"), minPrice: Self.m("5"), bands: [
            TariffBand(energyPerKWh: Self.m("0.40")),
        ])
        let session = PricingSession(id: 3, station: "CP-1", start: Self.t("2026-12-01T10:00:00Z"), stop: Self.t("2026-12-01T10:30:00Z"),
                                     meterStartWh: 0, meterStopWh: 2_000)
        let cdr = try Self.price(tariff, session)
        #expect(cdr.items.map(\.component) == [.energy, .sessionFee, .minPrice])
        #expect(cdr.items.map(\.amount) == [80, 100, 320])
        #expect(cdr.net == 500)
    }

    @Test func theMaximumPrice() throws {
        // 40 kWh × 0.40 = 16.00, capped at 10.00 by a −6.00 line.
        let tariff = Tariff(id: "max", currency: Self.eur, maxPrice: Self.m("10"), bands: [TariffBand(energyPerKWh: Self.m("0.40"))])
        let session = PricingSession(id: 4, station: "CP-1", start: Self.t("2026-12-01T10:00:00Z"), stop: Self.t("2026-12-01T12:00:00Z"),
                                     meterStartWh: 0, meterStopWh: 40_000)
        let cdr = try Self.price(tariff, session)
        #expect(cdr.items.map(\.amount) == [1_600, -600])
        #expect(cdr.items.last?.component == .maxPrice)
        #expect(cdr.net == 1_000)
    }

    @Test func eachLineIsRoundedThenVATOnTheRoundedNet() throws {
        // 0.335/kWh day and night, 1 kWh in each: each line is exactly 0.335 → 0.34 (half away
        // from zero), net 0.68 — rounding the exact total (0.670) would give 0.67. VAT 10 % on
        // the net 0.68 = 0.068 → 0.07 — per line it would be 0.034 → 0.03, twice: 0.06.
        let tariff = Tariff(id: "round", currency: Self.eur, vatMicroPercent: 10_000_000, bands: [
            TariffBand(from: LocalTime("06:00")!, to: LocalTime("22:00")!, energyPerKWh: Self.m("0.335")),
            TariffBand(from: LocalTime("22:00")!, to: LocalTime("06:00")!, energyPerKWh: Self.m("0.335")),
        ])
        let session = PricingSession(id: 5, station: "CP-1", start: Self.t("2026-12-01T21:00:00Z"), stop: Self.t("2026-12-01T23:00:00Z"),
                                     meterStartWh: 0, meterStopWh: 2_000)
        let cdr = try Self.price(tariff, session)
        #expect(cdr.items.map(\.amount) == [34, 34])
        #expect((cdr.net, cdr.vat, cdr.gross) == (68, 7, 75))
    }

    @Test func roundingIsHalfAwayFromZero() {
        #expect(Rounding.halfAwayFromZero(25, 10) == 3)
        #expect(Rounding.halfAwayFromZero(-25, 10) == -3)
        #expect(Rounding.halfAwayFromZero(24, 10) == 2)
        #expect(Rounding.halfAwayFromZero(-24, 10) == -2)
    }

    static let dayAndNightByTime = Tariff(id: "time", currency: eur, bands: [
        TariffBand(from: LocalTime("22:00")!, to: LocalTime("06:00")!, timePerHour: m("1.00"), timeBasis: .pluggedIn),
        TariffBand(from: LocalTime("06:00")!, to: LocalTime("22:00")!, timePerHour: m("2.00"), timeBasis: .pluggedIn),
    ])

    @Test func fallingBackInBerlinTheNightBandIsAnHourLonger() throws {
        // 2026-10-24 23:00 CEST (21:00Z) to 2026-10-25 07:00 CET (06:00Z): 9 real hours. The
        // clocks go back at 03:00 CEST (01:00Z). Night until 06:00 CET = 05:00Z: 8 h × 1.00;
        // day 05:00Z–06:00Z: 1 h × 2.00. Net 10.00.
        let session = PricingSession(id: 6, station: "CP-1", start: Self.t("2026-10-24T21:00:00Z"), stop: Self.t("2026-10-25T06:00:00Z"))
        let cdr = try Self.price(Self.dayAndNightByTime, session, zone: Self.berlin)
        #expect(cdr.items.map(\.quantity) == ["28800.000", "3600.000"])
        #expect(cdr.items.map(\.amount) == [800, 200])
        #expect(cdr.items[0].periods == ["2026-10-24T21:00:00.000Z/2026-10-25T05:00:00.000Z"])
    }

    @Test func springingForwardInBerlinTheNightBandIsAnHourShorter() throws {
        // 2026-03-28 23:00 CET (22:00Z) to 2026-03-29 07:00 CEST (05:00Z): 7 real hours. Night
        // until 06:00 CEST = 04:00Z: 6 h × 1.00; day 04:00Z–05:00Z: 1 h × 2.00. Net 8.00.
        let session = PricingSession(id: 7, station: "CP-1", start: Self.t("2026-03-28T22:00:00Z"), stop: Self.t("2026-03-29T05:00:00Z"))
        let cdr = try Self.price(Self.dayAndNightByTime, session, zone: Self.berlin)
        #expect(cdr.items.map(\.quantity) == ["21600.000", "3600.000"])
        #expect(cdr.net == 800)
    }

    @Test func aBoundaryInTheSkippedHourIsTheMomentTheClocksJump() throws {
        // 02:30 does not exist in Berlin on 2026-03-29 (02:00 CET → 03:00 CEST at 01:00Z): the
        // band change happens at 01:00Z. Session 00:00Z–02:00Z: 1 h in each band.
        let tariff = Tariff(id: "gap", currency: Self.eur, bands: [
            TariffBand(from: LocalTime("00:00")!, to: LocalTime("02:30")!, timePerHour: Self.m("1.00"), timeBasis: .pluggedIn),
            TariffBand(from: LocalTime("02:30")!, to: LocalTime("24:00")!, timePerHour: Self.m("2.00"), timeBasis: .pluggedIn),
        ])
        let session = PricingSession(id: 8, station: "CP-1", start: Self.t("2026-03-29T00:00:00Z"), stop: Self.t("2026-03-29T02:00:00Z"))
        let cdr = try Self.price(tariff, session, zone: Self.berlin)
        #expect(cdr.items.map(\.periods) == [["2026-03-29T00:00:00.000Z/2026-03-29T01:00:00.000Z"],
                                             ["2026-03-29T01:00:00.000Z/2026-03-29T02:00:00.000Z"]])
        #expect(cdr.net == 300)
    }

    @Test func chargingTimeCountsOnlyWhileTheRegisterRises() throws {
        // 1.20/h of charging; the register rises 10:00–10:30 and 11:00–11:15 only: 45 min = 0.90.
        let tariff = Tariff(id: "charging", currency: Self.eur, bands: [TariffBand(timePerHour: Self.m("1.20"))])
        let session = PricingSession(id: 9, station: "CP-1", start: Self.t("2026-12-01T10:00:00Z"), stop: Self.t("2026-12-01T12:00:00Z"),
                                     meterStartWh: 0, meterStopWh: 8_000,
                                     registerSamples: [RegisterSample(at: Self.t("2026-12-01T10:30:00Z"), wh: 5_000),
                                                       RegisterSample(at: Self.t("2026-12-01T11:00:00Z"), wh: 5_000),
                                                       RegisterSample(at: Self.t("2026-12-01T11:15:00Z"), wh: 8_000),
                                                       RegisterSample(at: Self.t("2026-12-01T11:45:00Z"), wh: 8_000)])
        #expect(try Self.price(tariff, session).net == 90)
    }

    @Test func zeroDecimalCurrenciesRoundToWholeUnits() throws {
        // 45.5 JPY/kWh × 3 kWh = 136.5 → 137.
        let tariff = Tariff(id: "jp", currency: Currency(code: "JPY")!, bands: [TariffBand(energyPerKWh: Self.m("45.5"))])
        let session = PricingSession(id: 10, station: "CP-1", start: Self.t("2026-12-01T10:00:00Z"), stop: Self.t("2026-12-01T11:00:00Z"),
                                     meterStartWh: 0, meterStopWh: 3_000)
        let cdr = try Self.price(tariff, session)
        #expect(cdr.net == 137)
        #expect(Currency(code: "JPY")!.major(cdr.net) == "137")
        #expect(Self.eur.major(1_309) == "13.09")
        #expect(Self.eur.major(-600) == "-6.00")
    }

    @Test func anEnergyTariffWithoutReadingsCannotPrice() {
        let tariff = Tariff(id: "e", currency: Self.eur, bands: [TariffBand(energyPerKWh: Self.m("0.40"))])
        let session = PricingSession(id: 11, station: "CP-1", start: Self.t("2026-12-01T10:00:00Z"), stop: Self.t("2026-12-01T11:00:00Z"))
        #expect(throws: PricingEngine.PricingError.noEnergyReadings(tariff: "e")) { try Self.price(tariff, session) }
    }

    @Test func theContentHashCoversTheCanonicalJSON() throws {
        let tariff = Tariff(id: "e", currency: Self.eur, bands: [TariffBand(energyPerKWh: Self.m("0.40"))])
        let session = PricingSession(id: 12, station: "CP-1", start: Self.t("2026-12-01T10:00:00Z"), stop: Self.t("2026-12-01T11:00:00Z"),
                                     meterStartWh: 0, meterStopWh: 1_000)
        var cdr = try Self.price(tariff, session)
        let hash = cdr.contentHash
        #expect(hash == Digests.sha256Hex(Array(cdr.canonicalJSON.utf8)))
        #expect(cdr.canonicalJSON.contains("\"currency\":\"EUR\""))
        #expect(try ChargeDetailRecord.decode(cdr.canonicalJSON) == cdr)
        cdr.net += 1
        #expect(cdr.contentHash != hash)
    }

    @Test func readingsNoMeterCanShowAreLeftOut() throws {
        // A sample of 1e300 Wh (a charger's garbage) and one of −5 Wh are not readings: the
        // register 0 → 10 kWh alone prices the session, 10 × 0.40 = 4.00.
        let tariff = Tariff(id: "e", currency: Self.eur, bands: [TariffBand(energyPerKWh: Self.m("0.40"))])
        let session = PricingSession(id: 13, station: "CP-1", start: Self.t("2026-12-01T10:00:00Z"), stop: Self.t("2026-12-01T11:00:00Z"),
                                     meterStartWh: 0, meterStopWh: 10_000,
                                     registerSamples: [RegisterSample(at: Self.t("2026-12-01T10:30:00Z"), wh: 1e300),
                                                       RegisterSample(at: Self.t("2026-12-01T10:40:00Z"), wh: -5),
                                                       RegisterSample(at: Self.t("2026-12-01T10:50:00Z"), wh: .nan)])
        let cdr = try Self.price(tariff, session)
        #expect(cdr.net == 400 && cdr.energySource == .register)
    }

    @Test func anImplausiblyLongSessionIsNotPriced() {
        let tariff = Tariff(id: "e", currency: Self.eur, bands: [TariffBand(energyPerKWh: Self.m("0.40"))])
        let session = PricingSession(id: 14, station: "CP-1", start: Self.t("1970-01-01T00:00:00Z"), stop: Self.t("2026-12-01T11:00:00Z"),
                                     meterStartWh: 0, meterStopWh: 10_000)
        #expect(throws: PricingEngine.PricingError.tooLong(start: "1970-01-01T00:00:00.000Z", stop: "2026-12-01T11:00:00.000Z")) {
            try Self.price(tariff, session)
        }
    }

    @Test func anAmountOutOfAllProportionIsRefusedNotTrapped() {
        // 10^12 Wh (the largest plausible register) at the largest price: beyond 10^15 minor units.
        let tariff = Tariff(id: "huge", currency: Self.eur, bands: [TariffBand(energyPerKWh: Self.m("1000000000000"))])
        let session = PricingSession(id: 15, station: "CP-1", start: Self.t("2026-12-01T10:00:00Z"), stop: Self.t("2026-12-01T11:00:00Z"),
                                     meterStartWh: 0, meterStopWh: 1e12)
        #expect(throws: PricingEngine.PricingError.amountTooLarge(tariff: "huge")) { try Self.price(tariff, session) }
    }
}
