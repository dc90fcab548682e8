import Testing
@testable import YAMLKit

/// The one duration reader of rules, alert settings, scenarios and the CLI.
@Suite struct DurationTextTests {
    @Test(arguments: [
        ("90s", 90.0), ("5m", 300), ("1.5h", 5_400), ("2d", 172_800), ("1w", 604_800), ("1h30m", 5_400),
        ("1d2h3m4s", 93_784), ("0s", 0), ("0.5s", 0.5),
    ])
    func reads(text: String, seconds: Double) {
        #expect(DurationText.seconds(text) == seconds)
    }

    @Test(arguments: ["", "5", "m", "5x", "30m1h", "5m5m", "1.h", ".5h", "1..5h", "-5m", "5 m", "600w", "1h 30m"])
    func refuses(text: String) {
        #expect(DurationText.seconds(text) == nil)
    }

    @Test func bareNumbersOnlyWhereAllowed() {
        #expect(DurationText.seconds("45", allowBareNumber: true) == 45)
        #expect(DurationText.seconds("2.5", allowBareNumber: true) == 2.5)
        #expect(DurationText.seconds("45") == nil)
        #expect(DurationText.seconds("-5", allowBareNumber: true) == nil)
        #expect(DurationText.seconds("1e3", allowBareNumber: true) == nil)
    }
}
