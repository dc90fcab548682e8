@testable import API
import Billing
import CPMS
import Foundation
import Testing

/// `GET /api/v1/billing/cdrs`: the period and site filters, the record as hashed, strict parameters.
@Suite struct BillingRoutesTests {
    @Test func cdrsByPeriodAndSite() async throws {
        let api = try await InProcessAPI()
        defer { api.remove() }
        _ = try await api.store.declareStation(id: "N-1", site: "north")
        _ = try await api.store.declareStation(id: "S-1", site: "south")
        let billing = BillingService(store: api.store)
        let tariff = Tariff(id: "standard", currency: Currency(code: "EUR")!, vatMicroPercent: 19_000_000,
                            bands: [TariffBand(energyPerKWh: try Money.parse("0.40"))])
        _ = try await billing.billing.recordVersions(of: [tariff], now: Instant.parse("2026-12-01T00:00:00Z")!)
        for (index, station) in ["N-1", "S-1", "N-1"].enumerated() {
            let start = "2026-12-0\(index + 1)T10:00:00Z", stop = "2026-12-0\(index + 1)T11:00:00Z"
            let id = try await api.store.startSession(station: station, evse: 1, connector: 1, transactionRef: nil, idToken: "CARD",
                                                      authorization: "accepted", startTime: start, meterStartWh: 0, now: start)
            try await api.store.stopSession(id: id, stopTime: stop, meterStopWh: 10_000, reason: "Local", now: stop)
            _ = try await billing.price(session: id, now: Date())
        }
        let all = try #require(InProcessAPI.json(await api.call("/api/v1/billing/cdrs")) as? [[String: Any]])
        #expect(all.compactMap { ($0["cdr"] as? [String: Any])?["session"] as? Int } == [1, 2, 3])
        // 10 kWh × 0.40 = 4.00 + 19 % = 4.76, in minor units.
        #expect((all.first?["cdr"] as? [String: Any])?["gross"] as? Int == 476)
        #expect((all.first?["contentHash"] as? String)?.count == 64)
        let north = try #require(InProcessAPI.json(await api.call("/api/v1/billing/cdrs?site=north&from=2026-12-02T00:00:00Z")) as? [[String: Any]])
        #expect(north.compactMap { ($0["cdr"] as? [String: Any])?["session"] as? Int } == [3])
        let limited = try #require(InProcessAPI.json(await api.call("/api/v1/billing/cdrs?limit=1")) as? [[String: Any]])
        #expect(limited.count == 1)
        // A fourth session stopping at the same moment as the third: pages of one follow the
        // Link header through all four, in order, and the last page says no more.
        let id = try await api.store.startSession(station: "S-1", evse: 1, connector: 1, transactionRef: nil, idToken: "CARD",
                                                  authorization: "accepted", startTime: "2026-12-03T10:00:00Z", meterStartWh: 0,
                                                  now: "2026-12-03T10:00:00Z")
        try await api.store.stopSession(id: id, stopTime: "2026-12-03T11:00:00Z", meterStopWh: 1_000, reason: "Local", now: "2026-12-03T11:00:00Z")
        _ = try await billing.price(session: id, now: Date())
        var target: String? = "/api/v1/billing/cdrs?limit=1&from=2026-12-01T00:00:00Z"
        var pages: [Int] = []
        while let next = target, pages.count < 10 {
            let response = await api.call(next)
            let page = try #require(InProcessAPI.json(response) as? [[String: Any]])
            pages += page.compactMap { ($0["cdr"] as? [String: Any])?["session"] as? Int }
            target = response.headers["Link"].map { String($0.dropFirst().prefix { $0 != ">" }) }
            #expect((target == nil) == (response.headers["X-Next-After"] == nil))
        }
        #expect(pages == [1, 2, 3, 4])
        #expect(await api.call("/api/v1/billing/cdrs?after=0").status.code == 400)
        for target in ["/api/v1/billing/cdrs?from=yesterday", "/api/v1/billing/cdrs?limit=0",
                       "/api/v1/billing/cdrs?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z"] {
            #expect(await api.call(target).status.code == 400, "\(target)")
        }
    }
}
