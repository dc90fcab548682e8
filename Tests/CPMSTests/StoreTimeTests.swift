import DomainEvents
import Foundation
import Testing
@testable import CPMS

/// The store's times read back exactly as written (to the millisecond), with an offset read as
/// the same instant, and anything that is not RFC 3339 refused.
@Suite struct StoreTimeTests {
    @Test func readsBackToTheMillisecond() throws {
        for date in Self.dates {
            let text = StoreTime.format(date)
            let read = try #require(StoreTime.parse(text))
            #expect(abs(read.timeIntervalSince1970 - (date.timeIntervalSince1970 * 1_000).rounded(.down) / 1_000) < 0.001_1, "\(text)")   // truncation in two float orders may differ by one millisecond
        }
        #expect(StoreTime.parse("2026-12-03T19:26:00+01:00") == StoreTime.parse("2026-12-03T18:26:00Z"))
        for bad in ["", "yesterday", "2026-13-01T00:00:00Z", "2026-12-03T24:00:00Z", "2026-12-03 18:26:00Z", "2026-12-03T18:26:00.Z"] {
            #expect(StoreTime.parse(bad) == nil, "\(bad)")
        }
    }

    static let dates: [Date] = {
        var generator = SystemRandomNumberGenerator()
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 951_782_400.999),
                     Date(timeIntervalSince1970: -86_400.5), Date(timeIntervalSince1970: 4_102_444_799.9995)]
        for _ in 0..<500 { dates.append(Date(timeIntervalSince1970: Double.random(in: -2_000_000_000...4_000_000_000, using: &generator))) }
        return dates
    }()
}
