import Testing
import YAMLKit

/// The field reader's unknown-key messages: the closest allowed key, or — for a number that
/// became a key because a decimal comma split a flow mapping's value — the decimal point.
@Suite struct YAMLFieldReaderTests {
    func problems(_ text: String, allowed: [String]) throws -> [String] {
        let root = try #require(try YAMLParser.parse(text, file: "f.yaml"))
        return YAMLFieldReader(root, context: "band", allowed: allowed).errors.map(\.problem)
    }

    @Test func aMisspeltKeyGetsTheClosestAllowedOne() throws {
        #expect(try problems("{energyPerKwh: 0.39}", allowed: ["energyPerKWh", "timePerHour"])
                == [#"band: unknown key "energyPerKwh" (did you mean "energyPerKWh"?)"#])
    }

    @Test func aDecimalCommaInAFlowMappingIsNamed() throws {
        #expect(try problems("{energyPerKWh: 0,39}", allowed: ["energyPerKWh", "timePerHour"])
                == [#"band: unknown key "39" (a decimal comma? numbers take a point: 0.39, not 0,39)"#])
    }
}
