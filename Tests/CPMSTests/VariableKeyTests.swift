import Testing
@testable import CPMS

/// 2.0.1 settings are named `Component.Variable`, with optional `[instance]` on either part.
@Suite struct VariableKeyTests {
    @Test(arguments: [
        ("OCPPCommCtrlr.HeartbeatInterval", "OCPPCommCtrlr", nil, "HeartbeatInterval", nil),
        ("EVSE[1].Power", "EVSE", "1", "Power", nil),
        ("TxCtrlr.EVConnectionTimeOut[main]", "TxCtrlr", nil, "EVConnectionTimeOut", "main"),
        ("SampledDataCtrlr.TxUpdatedMeasurands.Extra", "SampledDataCtrlr", nil, "TxUpdatedMeasurands.Extra", nil),
    ] as [(String, String, String?, String, String?)])
    func parsesAndPrintsBack(text: String, component: String, componentInstance: String?, variable: String, variableInstance: String?) throws {
        let key = try #require(VariableKey(text))
        #expect(key == VariableKey(component: component, componentInstance: componentInstance, variable: variable, variableInstance: variableInstance))
        #expect(key.text == text)
    }

    @Test(arguments: ["HeartbeatInterval", ".Variable", "Component.", "EVSE[.Power", "EVSE[].Power", "EVSE]1[.Power"])
    func rejectsWhatIsNotComponentDotVariable(text: String) {
        #expect(VariableKey(text) == nil)
    }
}
