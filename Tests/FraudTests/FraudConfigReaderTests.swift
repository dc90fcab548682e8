import Testing
import YAMLKit
@testable import Fraud

/// The config file's `fraud:` section: values, defaults and every mistake at file:line:col.
@Suite struct FraudConfigReaderTests {
    static func read(_ text: String) throws -> (FraudThresholds, [String]) {
        let root = try #require(try YAMLParser.parse(text, file: "vigil.yaml"))
        let node = try #require(root["fraud"])
        let (thresholds, errors) = FraudConfigReader.read(node)
        return (thresholds, errors.map(\.description))
    }

    @Test func valuesReplaceTheDefaultsAndTheRestKeepThem() throws {
        let (thresholds, errors) = try Self.read("""
            fraud:
              maxPowerKW: 150
              stationMaxPowerKW: {CP-HOME: 11}
              burstCount: 8
              burstWindow: 2m
              registerTolerancePercent: 3
            """)
        #expect(errors.isEmpty)
        #expect(thresholds.maxPower(of: "CP-1") == 150)
        #expect(thresholds.maxPower(of: "CP-HOME") == 11)
        #expect((thresholds.burstCount, thresholds.burstWindow) == (8, 120))
        #expect(thresholds.registerTolerance(forEnergy: 100_000) == 3_000)
        #expect(thresholds.probeRun == FraudThresholds().probeRun)
    }

    @Test func everyMistakeIsReportedAtItsPlace() throws {
        let (thresholds, errors) = try Self.read("""
            fraud:
              maxPowerKw: 150
              burstCount: 1
              probeWindow: ten minutes
              maxPowerKW: -3
              stationMaxPowerKW: {CP-1: fast}
            """)
        #expect(errors == [
            "vigil.yaml:2:3: config fraud: unknown key \"maxPowerKw\" (did you mean \"maxPowerKW\"?)",
            "vigil.yaml:5:15: config fraud: \"maxPowerKW\" must be a positive number, got \"-3\"",
            "vigil.yaml:3:15: config fraud: \"burstCount\" must be a whole number from 2 to 1000, got \"1\"",
            "vigil.yaml:4:16: config fraud: \"probeWindow\" must be a duration such as 60s or 5m, got \"ten minutes\"",
            "vigil.yaml:6:29: config fraud: \"stationMaxPowerKW\" of station \"CP-1\" must be a positive number of kW, got \"fast\"",
        ])
        #expect(thresholds == FraudThresholds())
    }
}
