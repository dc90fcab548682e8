import Foundation
import Testing
@testable import RuleEngine

@Suite struct RuleDurationTests {
    @Test(arguments: [("90s", 90), ("5m", 300), ("1h30m", 5_400), ("7d", 604_800), ("2w", 1_209_600), ("0s", 0), ("1d2h3m4s", 93_784)])
    func parses(text: String, seconds: Int) {
        #expect(RuleDuration(parsing: text)?.seconds == seconds)
    }

    @Test(arguments: ["", "5", "m", "5x", "1m1h", "5m5m", "-5m", "1.5h", "5 m", "99999999999999d"])
    func rejects(text: String) {
        #expect(RuleDuration(parsing: text) == nil)
    }

    @Test func printsTheShortestForm() {
        #expect(RuleDuration(seconds: 5_400).description == "1h30m")
        #expect(RuleDuration(seconds: 86_400).description == "1d")
        #expect(RuleDuration(seconds: 61).spoken == "1 minute 1 second")
    }
}

@Suite struct RFC3339Tests {
    @Test func agreesWithFoundationsFormatter() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        var seconds: Int64 = -2_208_988_800   // 1900-01-01
        while seconds < 7_258_118_400 {       // 2200-01-01
            let date = Date(timeIntervalSince1970: TimeInterval(seconds) + 0.75)
            #expect(RFC3339.format(date) == formatter.string(from: date))
            seconds += 86_400 * 37 + 3_671
        }
    }
}
