import CPMS
import Foundation
import Store
import StoreTesting
import Testing
@testable import Billing

/// Versions, CDRs and the sweep against a real SQLite store, with the CPMS writing sessions.
@Suite(.timeLimit(.minutes(1))) struct BillingStoreTests {
    static let eur = Currency(code: "EUR")!

    static func tariff(_ perKWh: String, site: String? = nil, group: String? = nil, id: String = "standard") -> Tariff {
        Tariff(id: id, site: site, group: group, currency: eur, vatMicroPercent: 19_000_000,
               bands: [TariffBand(energyPerKWh: try! Money.parse(perKWh))])
    }

    static func withStore(_ engine: TestEngine, _ body: (StationStore, BillingService) async throws -> Void) async throws {
        let test = try TestDatabase(engine, name: "billing")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        _ = try await store.declareStation(id: "CP-1", site: "north")
        try await body(store, BillingService(store: store))
    }

    /// A 1.6-style session of `wh` Wh from `start` to `stop` on CP-1.
    static func session(_ store: StationStore, start: String, stop: String?, wh: Double, token: String = "TAG",
                        verdict: String = "accepted") async throws -> Int {
        let id = try await store.startSession(station: "CP-1", evse: 1, connector: 1, transactionRef: nil, idToken: token,
                                              authorization: verdict, startTime: start, meterStartWh: 1_000, now: start)
        if let stop {
            try await store.stopSession(id: id, stopTime: stop, meterStopWh: 1_000 + wh, reason: "Local", now: stop)
        }
        return id
    }

    @Test(arguments: TestEngine.all) func aChangedTariffIsANewVersionAndAnUnchangedOneIsNot(engine: TestEngine) async throws {
        try await Self.withStore(engine) { _, billing in
            let first = try await billing.billing.recordVersions(of: [Self.tariff("0.40")], now: Instant.parse("2026-12-01T00:00:00Z")!)
            #expect(first.map(\.version) == [1])
            #expect(try await billing.billing.recordVersions(of: [Self.tariff("0.40")], now: Instant.parse("2026-12-02T00:00:00Z")!).isEmpty)
            // 0.4 and 0.40 are the same price: the canonical form writes both as "0.4".
            #expect(try await billing.billing.recordVersions(of: [Self.tariff("0.4")], now: Instant.parse("2026-12-02T00:00:00Z")!).isEmpty)
            let second = try await billing.billing.recordVersions(of: [Self.tariff("0.45")], now: Instant.parse("2026-12-03T00:00:00Z")!)
            #expect(second.map(\.version) == [2])
            #expect(second[0].hash != first[0].hash)
            let withdrawn = try await billing.billing.recordVersions(of: [], now: Instant.parse("2026-12-04T00:00:00Z")!)
            #expect(withdrawn.map(\.version) == [3])
            #expect(withdrawn[0].tariff == nil)
            #expect(TariffMatcher.inForce(try await billing.billing.versions(), at: Instant.parse("2026-12-05T00:00:00Z")!).isEmpty)
        }
    }

    @Test(arguments: TestEngine.all) func aSessionIsPricedWithTheVersionInForceWhenItStarted(engine: TestEngine) async throws {
        try await Self.withStore(engine) { store, billing in
            _ = try await billing.billing.recordVersions(of: [Self.tariff("0.40")], now: Instant.parse("2026-12-01T00:00:00Z")!)
            // The session starts under 0.40; the tariff changes to 0.60 while it runs.
            let id = try await Self.session(store, start: "2026-12-01T10:00:00Z", stop: nil, wh: 0)
            _ = try await billing.billing.recordVersions(of: [Self.tariff("0.60")], now: Instant.parse("2026-12-01T10:30:00Z")!)
            try await store.stopSession(id: id, stopTime: "2026-12-01T11:00:00Z", meterStopWh: 11_000, reason: "Local", now: "2026-12-01T11:00:00Z")
            // 10 kWh × 0.40 = 4.00, VAT 19 % 0.76.
            guard case .priced(let cdr) = try await billing.price(session: id, now: Date()) else { Issue.record("not priced"); return }
            #expect(cdr.tariffVersion == 1)
            #expect((cdr.net, cdr.vat, cdr.gross) == (400, 76, 476))
            #expect(try await billing.price(session: id, now: Date()) == .alreadyDone)
            // A session that starts after the change gets version 2: 10 kWh × 0.60 = 6.00.
            let later = try await Self.session(store, start: "2026-12-01T12:00:00Z", stop: "2026-12-01T13:00:00Z", wh: 10_000)
            guard case .priced(let second) = try await billing.price(session: later, now: Date()) else { Issue.record("not priced"); return }
            #expect((second.tariffVersion, second.net) == (2, 600))
        }
    }

    @Test(arguments: TestEngine.all) func cdrsCannotBeChangedOrDeleted(engine: TestEngine) async throws {
        try await Self.withStore(engine) { store, billing in
            _ = try await billing.billing.recordVersions(of: [Self.tariff("0.40")], now: Instant.parse("2026-12-01T00:00:00Z")!)
            let id = try await Self.session(store, start: "2026-12-01T10:00:00Z", stop: "2026-12-01T11:00:00Z", wh: 10_000)
            _ = try await billing.price(session: id, now: Date())
            let schema = BillingStore.schema
            await #expect(throws: (any Error).self) {
                try await store.withDatabase(schema: schema) { try $0.run("UPDATE cdrs SET gross = 0") }
            }
            await #expect(throws: (any Error).self) {
                try await store.withDatabase(schema: schema) { try $0.run("DELETE FROM cdrs") }
            }
            await #expect(throws: (any Error).self) {
                try await store.withDatabase(schema: schema) { try $0.run("UPDATE tariff_versions SET canonical_json = '{}'") }
            }
            if engine == .postgresql {   // TRUNCATE fires no row trigger; SQLite has none
                for table in ["cdrs", "tariff_versions"] {
                    await #expect(throws: (any Error).self) {
                        try await store.withDatabase(schema: schema) { try $0.execute("TRUNCATE \(table) CASCADE") }
                    }
                }
            }
            let stored = try #require(try await billing.billing.cdr(session: id))
            #expect(stored.record.gross == 476)
            #expect(stored.isIntact)
            #expect(stored.contentHash == stored.record.contentHash)
        }
    }

    @Test(arguments: TestEngine.all) func theStartUpSweepPricesEndedSessionsLeftUnpriced(engine: TestEngine) async throws {
        try await Self.withStore(engine) { store, billing in
            _ = try await billing.billing.recordVersions(of: [Self.tariff("0.40", site: "north")], now: Instant.parse("2026-12-01T00:00:00Z")!)
            // Ended while serve was down (or before its CDR was written): nothing priced them yet.
            let ended = try await Self.session(store, start: "2026-12-01T10:00:00Z", stop: "2026-12-01T11:00:00Z", wh: 5_000)
            let running = try await Self.session(store, start: "2026-12-01T12:00:00Z", stop: nil, wh: 0)
            #expect(try await billing.billing.cdr(session: ended) == nil)
            let result = try await billing.sweep(now: Date())
            #expect(result.priced == 1 && result.unpriced == 0)
            #expect(try await billing.billing.cdr(session: ended)?.record.net == 200)
            #expect(try await billing.billing.cdr(session: running) == nil)
            #expect(try await billing.sweep(now: Date()) == (0, 0))
        }
    }

    @Test(arguments: TestEngine.all) func aSessionNoTariffAppliesToIsReportedUnpriced(engine: TestEngine) async throws {
        try await Self.withStore(engine) { store, billing in
            _ = try await billing.billing.recordVersions(of: [Self.tariff("0.40", site: "south")], now: Instant.parse("2026-12-01T00:00:00Z")!)
            let id = try await Self.session(store, start: "2026-12-01T10:00:00Z", stop: "2026-12-01T11:00:00Z", wh: 5_000)
            guard case .unpriced(let reason) = try await billing.price(session: id, now: Date()) else { Issue.record("priced"); return }
            #expect(reason.contains("no tariff applies"))
            #expect(try await billing.billing.unpriced().map(\.session) == [id])
            #expect(try await billing.sweep(now: Date()) == (0, 0))   // recorded once, not retried
        }
    }

    /// A session whose (charger's) start is before the first tariff version took effect says so,
    /// rather than that no tariff applies to it.
    @Test func aSessionStartedBeforeAnyTariffSaysSo() async throws {
        try await Self.withStore(.sqlite) { store, billing in
            _ = try await billing.billing.recordVersions(of: [Self.tariff("0.40")], now: Instant.parse("2026-12-01T12:00:00Z")!)
            let id = try await Self.session(store, start: "2026-12-01T10:00:00Z", stop: "2026-12-01T13:00:00Z", wh: 5_000)
            guard case .unpriced(let reason) = try await billing.price(session: id, now: Date()) else { Issue.record("priced"); return }
            #expect(reason.contains("before the first tariff version took effect (2026-12-01T12:00:00") && reason.contains("clock is behind"),
                    "\(reason)")
        }
    }

    /// `billing unpriced` lists every session that ended without a CDR: also those serve never
    /// priced (no tariffs configured), not only those it recorded as unpriced.
    @Test(arguments: TestEngine.all) func endedSessionsNeverPricedAreListedAsUnpriced(engine: TestEngine) async throws {
        try await Self.withStore(engine) { store, billing in
            let ended = try await Self.session(store, start: "2026-12-01T10:00:00Z", stop: "2026-12-01T11:00:00Z", wh: 5_000)
            _ = try await Self.session(store, start: "2026-12-01T12:00:00Z", stop: nil, wh: 0)   // still running: not listed
            let listed = try await billing.billing.unpriced()
            #expect(listed.map(\.session) == [ended])
            #expect(listed.first?.reason == BillingStore.neverPriced && listed.first?.recordedAt == "")
            _ = try await billing.billing.recordVersions(of: [Self.tariff("0.40", site: "north")], now: Instant.parse("2026-12-01T00:00:00Z")!)
            #expect(try await billing.sweep(now: Date()).priced == 1)
            #expect(try await billing.billing.unpriced().isEmpty)
        }
    }

    @Test(arguments: TestEngine.all) func theTokensParentIsItsGroup(engine: TestEngine) async throws {
        try await Self.withStore(engine) { store, billing in
            try await store.saveToken(IdTokenRecord(token: "FLEET-CARD", status: .accepted, parent: "FLEET"), now: "2026-12-01T00:00:00Z")
            _ = try await billing.billing.recordVersions(of: [Self.tariff("0.40"), Self.tariff("0.30", group: "FLEET", id: "fleet")],
                                                         now: Instant.parse("2026-12-01T00:00:00Z")!)
            let fleet = try await Self.session(store, start: "2026-12-01T10:00:00Z", stop: "2026-12-01T11:00:00Z", wh: 10_000, token: "FLEET-CARD")
            let adhoc = try await Self.session(store, start: "2026-12-01T12:00:00Z", stop: "2026-12-01T13:00:00Z", wh: 10_000, token: "STRANGER")
            _ = try await billing.sweep(now: Date())
            #expect(try await billing.billing.cdr(session: fleet)?.record.tariffId == "fleet")
            #expect(try await billing.billing.cdr(session: fleet)?.record.group == "FLEET")
            #expect(try await billing.billing.cdr(session: adhoc)?.record.group == "adhoc")
            #expect(try await billing.billing.cdr(session: adhoc)?.record.tariffId == "standard")
        }
    }

    @Test(arguments: TestEngine.all) func theCSVExportHasAHeaderQuotesAndTotals(engine: TestEngine) async throws {
        try await Self.withStore(engine) { store, billing in
            _ = try await billing.billing.recordVersions(of: [Self.tariff("0.40")], now: Instant.parse("2026-12-01T00:00:00Z")!)
            _ = try await Self.session(store, start: "2026-12-01T10:00:00Z", stop: "2026-12-01T11:00:00Z", wh: 10_000, token: "A,\"B\"")
            _ = try await Self.session(store, start: "2026-12-01T12:00:00Z", stop: "2026-12-01T13:00:00Z", wh: 2_500, token: "C")
            _ = try await billing.sweep(now: Date())
            let cdrs = try await billing.billing.cdrs(from: Instant.parse("2026-12-01T00:00:00Z")!, to: Instant.parse("2026-12-02T00:00:00Z")!)
            let lines = CDRExport.csv(cdrs).components(separatedBy: "\r\n")
            #expect(lines[0] == CDRExport.csvColumns.joined(separator: ","))
            // The token holds a comma and quotes: quoted, quotes doubled. 10 kWh × 0.40 = 4.00 + 19 % = 4.76.
            #expect(lines[1].contains(",\"A,\"\"B\"\"\",adhoc,accepted,2026-12-01T10:00:00.000Z,2026-12-01T11:00:00.000Z,10.000000,register,standard,1,EUR,4.00,19,0.76,4.76,"))
            // 2.5 kWh × 0.40 = 1.00 + 0.19.
            #expect(lines[2].contains(",C,adhoc,accepted,") && lines[2].contains(",EUR,1.00,19,0.19,1.19,"))
            #expect(lines.count == 4 && lines[3].isEmpty)
            let totals = CDRExport.totals(cdrs)
            #expect(totals.count == 1)
            #expect((totals[0].site, totals[0].group, totals[0].sessions, totals[0].net, totals[0].vat, totals[0].gross)
                    == ("north", "adhoc", 2, 500, 95, 595))
            #expect(totals[0].energy == 12_500_000)
            let jsonl = CDRExport.jsonl(cdrs).split(separator: "\n")
            #expect(jsonl.count == 2)
            #expect(jsonl[0].hasSuffix(",\"cdr\":" + cdrs[0].document + "}"))
        }
    }

    /// The sums compare like with like: a session the draft cannot price (or prices in another
    /// currency, or that had no CDR) is not in either side's sum but counted as not compared.
    @Test func rerateTotalsCoverOnlySessionsBothSidesPrice() {
        let eur = Currency(code: "EUR")!, usd = Currency(code: "USD")!
        func line(_ session: Int, old: (Currency, Int)?, new: (Currency, Int)?) -> RerateReport.Line {
            RerateReport.Line(session: session, station: "CP", oldTariff: old == nil ? nil : "t", oldCurrency: old?.0, oldNet: old?.1,
                              oldGross: old?.1, newTariff: new == nil ? nil : "d", newCurrency: new?.0, newNet: new?.1, newGross: new?.1,
                              problem: new == nil ? "no tariff" : nil)
        }
        let report = RerateReport(lines: [line(1, old: (eur, 400), new: (eur, 500)), line(2, old: (eur, 34), new: nil),
                                          line(3, old: nil, new: (eur, 70)), line(4, old: (eur, 100), new: (usd, 120))])
        #expect(report.totals.map { [$0.sessions, $0.oldNet, $0.newNet, $0.notCompared] } == [[1, 400, 500, 3], [0, 0, 0, 1]])
        #expect(report.totals.map(\.currency.code) == ["EUR", "USD"])
        // Every session outside the sums says why (the listing printed them only when the draft failed).
        #expect(report.lines.map(report.notComparedReason) == [nil, "the draft: no tariff", "priced by the draft only: it has no stored CDR",
                                                               "stored in EUR, priced by the draft in USD"])
    }

    @Test(arguments: TestEngine.all) func rerateComparesWithoutWriting(engine: TestEngine) async throws {
        try await Self.withStore(engine) { store, billing in
            _ = try await billing.billing.recordVersions(of: [Self.tariff("0.40")], now: Instant.parse("2026-12-01T00:00:00Z")!)
            let id = try await Self.session(store, start: "2026-12-01T10:00:00Z", stop: "2026-12-01T11:00:00Z", wh: 10_000)
            _ = try await billing.sweep(now: Date())
            let report = try await billing.rerate(draft: [Self.tariff("0.50")], from: Instant.parse("2026-12-01T00:00:00Z")!,
                                                  to: Instant.parse("2026-12-02T00:00:00Z")!)
            // Old 4.00 net / 4.76 gross; new 10 kWh × 0.50 = 5.00 / 5.95.
            #expect(report.lines.map(\.session) == [id])
            #expect(report.totals.map { [$0.oldNet, $0.oldGross, $0.newNet, $0.newGross] } == [[400, 476, 500, 595]])
            #expect(report.changed == 1)
            #expect(try await billing.billing.cdr(session: id)?.record.gross == 476)
            #expect(try await billing.billing.versions().count == 1)
        }
    }

    /// A session whose token was refused at the start, or that delivered nothing, gets no CDR
    /// (and no price for the station) but an unpriced record saying why; an unknown card is an
    /// ad-hoc customer and is priced.
    @Test(arguments: TestEngine.all) func refusedTokensAndEmptySessionsAreNotBilled(engine: TestEngine) async throws {
        try await Self.withStore(engine) { store, billing in
            _ = try await billing.billing.recordVersions(of: [Self.tariff("0.40")], now: Instant.parse("2026-12-01T00:00:00Z")!)
            let blocked = try await Self.session(store, start: "2026-12-01T10:00:00Z", stop: "2026-12-01T11:00:00Z", wh: 5_000, verdict: "blocked")
            let empty = try await Self.session(store, start: "2026-12-01T12:00:00Z", stop: "2026-12-01T12:01:00Z", wh: 0)
            let adhoc = try await Self.session(store, start: "2026-12-01T13:00:00Z", stop: "2026-12-01T14:00:00Z", wh: 5_000, verdict: "unknown")
            #expect(await billing.quote(session: blocked) == nil)
            #expect(await billing.quote(session: empty) == nil)
            #expect(try await billing.price(session: blocked, now: Date())
                    == .unpriced(reason: "the token was refused when the session started (blocked): not billed to it"))
            #expect(try await billing.price(session: empty, now: Date()) == .unpriced(reason: "no energy delivered (0.000 Wh): nothing to bill"))
            // 5 kWh × 0.40 = 2.00, VAT 0.38: 2.38.
            #expect(await billing.quote(session: adhoc) == 2.38)
            guard case .priced(let cdr) = try await billing.price(session: adhoc, now: Date()) else { Issue.record("not priced"); return }
            #expect(cdr.gross == 238 && cdr.group == "adhoc")
            #expect(try await billing.billing.cdr(session: blocked) == nil)
            #expect(try await billing.billing.cdr(session: empty) == nil)
            // A draft refuses them too: no price a tariff change would "add" for them.
            let report = try await billing.rerate(draft: [Self.tariff("0.50")], from: Instant.parse("2026-12-01T00:00:00Z")!,
                                                  to: Instant.parse("2026-12-02T00:00:00Z")!)
            let lines = Dictionary(uniqueKeysWithValues: report.lines.map { ($0.session, $0) })
            #expect(lines[blocked]?.newGross == nil && lines[empty]?.newGross == nil && lines[adhoc]?.newGross == 298)
            #expect(lines[blocked].map(report.notComparedReason)
                    == "neither prices it; the draft: the token was refused when the session started (blocked): not billed to it")
            #expect(lines[empty].map(report.notComparedReason) == "neither prices it; the draft: no energy delivered (0.000 Wh): nothing to bill")
            #expect(lines[adhoc].map(report.notComparedReason) == .some(nil))
            #expect(report.totals.map { [$0.sessions, $0.notCompared] } == [[1, 0]])
        }
    }
}
