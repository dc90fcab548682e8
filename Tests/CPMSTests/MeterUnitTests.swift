@testable import CPMS
import OCPP
import Testing

/// A reading sent without a unit is labelled by what it measures: Wh, OCPP's default, only for
/// energy (a current without a unit was recorded as "16.2 Wh").
@Suite struct MeterUnitTests {
    @Test func aValueWithoutAUnitIsLabelledByItsMeasurand() throws {
        let at = OCPPDateTime(secondsSinceEpoch: 1_795_000_000)
        func unit(_ measurand: String?) -> String? {
            MeterSample.ocpp16(at: at, value: "16.2", isSigned: false, measurand: measurand, unit: nil, phase: nil, context: nil)?.unit
        }
        #expect(unit(nil) == "Wh")
        #expect(unit("Energy.Active.Import.Register") == "Wh" && unit("Energy.Reactive.Import.Register") == "varh")
        #expect(unit("Current.Import") == "A" && unit("Voltage") == "V" && unit("Power.Active.Import") == "W")
        #expect(unit("Power.Offered") == "W" && unit("Power.Reactive.Import") == "var" && unit("SoC") == "Percent")
        #expect(unit("Temperature") == "Celsius" && unit("Power.Factor") == nil && unit("Frequency") == nil && unit("RPM") == nil)
        // A unit given is kept.
        #expect(MeterSample.ocpp16(at: at, value: "7", isSigned: false, measurand: "Power.Active.Import", unit: "kW", phase: nil,
                                   context: nil)?.unit == "kW")
    }
}
