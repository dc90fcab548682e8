import Foundation
import Testing
@testable import Fraud

/// Signal 7: bursts of rejected authorisations and probing with consecutive id tokens.
@Suite struct RejectionWindowTests {
    static let t0 = Date(timeIntervalSince1970: 1_796_000_000)

    @Test func fiveRejectionsWithinAMinuteAreOneBurst() {
        var window = RejectionWindow()
        var found: [FraudSignal] = []
        for (index, tag) in ["AA", "BB", "CC", "DD", "EE", "FF"].enumerated() {
            found += window.rejected(idTag: "X\(tag)Z", station: "CP-1", at: Self.t0.addingTimeInterval(Double(index) * 10))
        }
        // The fifth completes the burst; the sixth, in the same burst, adds nothing.
        #expect(found.map(\.kind) == [.authorizationBurst])
        #expect(found.first?.detail["rejections"] == .number(5))
        #expect(found.first?.time == Self.t0.addingTimeInterval(40))
    }

    @Test func rejectionsSpreadOverMoreThanTheWindowOrStationsAreNoBurst() {
        var window = RejectionWindow()
        var found: [FraudSignal] = []
        for index in 0..<6 {   // one every 20 s: at most 3 in any 60 s
            found += window.rejected(idTag: "Q\(index)Z", station: "CP-1", at: Self.t0.addingTimeInterval(Double(index) * 20))
        }
        for index in 0..<4 {   // four at CP-2 within seconds: under the count
            found += window.rejected(idTag: "W\(index)Z", station: "CP-2", at: Self.t0.addingTimeInterval(Double(index)))
        }
        #expect(found.isEmpty)
    }

    @Test func threeConsecutiveTokensAreProbing() {
        var window = RejectionWindow()
        var found: [FraudSignal] = []
        for (index, tag) in ["04A1B2C3D9", "04A1B2C3DA", "04A1B2C3DB"].enumerated() {
            found += window.rejected(idTag: tag, station: "CP-1", at: Self.t0.addingTimeInterval(Double(index) * 30))
        }
        #expect(found.map(\.kind) == [.tokenProbing])
        #expect(found.first?.detail["idTags"] == .string("04A1B2C3D9,04A1B2C3DA,04A1B2C3DB"))
        var decimal = RejectionWindow()
        let run = ["CARD0099", "CARD0101", "CARD0100"].enumerated().flatMap { index, tag in
            decimal.rejected(idTag: tag, station: "CP-2", at: Self.t0.addingTimeInterval(Double(index)))
        }
        #expect(run.map(\.kind) == [.tokenProbing])
        #expect(run.first?.key == "tokenProbing:CP-2:CARD0099")
    }

    @Test func unrelatedOrSlowTokensAreNotProbing() {
        var window = RejectionWindow()
        var found = ["04A1B2C3D9", "77FF00AA01", "04A1B2C3DB"].enumerated().flatMap { index, tag in
            window.rejected(idTag: tag, station: "CP-1", at: Self.t0.addingTimeInterval(Double(index) * 30))
        }
        // Consecutive, but over more than the ten-minute window.
        found += ["CARD1", "CARD2", "CARD3"].enumerated().flatMap { index, tag in
            window.rejected(idTag: tag, station: "CP-3", at: Self.t0.addingTimeInterval(Double(index) * 400))
        }
        // Consecutive values under different prefixes.
        found += ["A1", "B2", "C3"].map { window.rejected(idTag: "K\($0)", station: "CP-4", at: Self.t0) }.flatMap { $0 }
        #expect(found.isEmpty)
    }
}
