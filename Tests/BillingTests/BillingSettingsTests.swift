import Testing
import YAMLKit
@testable import Billing

/// The config file's `billing:` section: the running cost's cadence, its bounds and `off`.
@Suite struct BillingSettingsTests {
    static func read(_ text: String) throws -> (BillingSettings, [String]) {
        let node = try #require(try YAMLParser.parse(text, file: "vigil.yaml"))
        let (settings, errors) = BillingSettings.read(try #require(node["billing"]))
        return (settings, errors.map(\.description))
    }

    @Test(arguments: [("5m", Duration.seconds(300)), ("90s", .seconds(90)), ("10s", .seconds(10)), ("24h", .seconds(86_400)),
                      ("600", .seconds(600))] as [(String, Duration)])
    func aDurationFrom10sTo24hIsTheInterval(text: String, interval: Duration) throws {
        let (settings, errors) = try Self.read("billing: {costUpdatedInterval: \(text)}")
        #expect(errors == [])
        #expect(settings.costUpdatedInterval == interval)
    }

    @Test func offSendsNoneAndTheDefaultIsFiveMinutes() throws {
        #expect(try Self.read("billing: {costUpdatedInterval: off}").0.costUpdatedInterval == nil)
        #expect(try Self.read("billing: {}").0.costUpdatedInterval == .seconds(300))
    }

    @Test func mistakesAreNamedAtTheirPlace() throws {
        let (settings, errors) = try Self.read("""
            billing:
              costUpdatedIntervall: 5m
              costUpdatedInterval: 5s
            """)
        #expect(settings.costUpdatedInterval == .seconds(300))
        #expect(errors == [
            "vigil.yaml:2:3: config billing: unknown key \"costUpdatedIntervall\" (did you mean \"costUpdatedInterval\"?)",
            "vigil.yaml:3:24: config billing: \"costUpdatedInterval\" must be a duration from 10s to 24h, such as 5m, or off, got \"5s\"",
        ])
        #expect(try Self.read("billing: [5m]").1 == ["vigil.yaml:1:10: config billing: expected a mapping, got a sequence"])
    }
}
