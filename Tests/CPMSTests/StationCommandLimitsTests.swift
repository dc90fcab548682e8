@testable import CPMS
import OCPP
import Testing

/// A manual command's fields checked against the station's version's schema limits before it
/// is sent or audited (an audit saw a 33-character idTag go out to a 1.6 station).
@Suite struct StationCommandLimitsTests {
    /// A message the station's version cannot trigger is the operator's mistake, refused before
    /// anything is sent or audited (a 1.6 station was sent an audited "trigger TransactionEvent").
    @Test func eachVersionTriggersItsOwnMessages() {
        #expect(StationCommand.triggerMessage("TransactionEvent", evse: nil).schemaProblem(for: .v16)?
            .hasPrefix("OCPP 1.6 cannot trigger \"TransactionEvent\"; it triggers BootNotification, ") == true)
        #expect(StationCommand.triggerMessage("TransactionEvent", evse: nil).schemaProblem(for: .v201) == nil)
        #expect(StationCommand.triggerMessage("DiagnosticsStatusNotification", evse: nil).schemaProblem(for: .v201) != nil)
        #expect(StationCommand.triggerMessage("Heartbeat", evse: 1).schemaProblem(for: .v16) == nil)
    }

    @Test func eachVersionsLimitsAreTheSchemas() {
        let tag = String(repeating: "A", count: 21)
        #expect(StationCommand.remoteStart(idTag: tag, evse: nil).schemaProblem(for: .v16) == "\"idTag\" is 21 characters; OCPP 1.6 allows at most 20")
        #expect(StationCommand.remoteStart(idTag: tag, evse: nil).schemaProblem(for: .v201) == nil)
        #expect(StationCommand.remoteStart(idTag: tag + String(repeating: "B", count: 16), evse: 1).schemaProblem(for: .v201)
                == "\"idTag\" is 37 characters; OCPP 2.0.1 allows at most 36")
        #expect(StationCommand.remoteStop(transactionId: "abc").schemaProblem(for: .v16)?.contains("must be a whole number") == true)
        #expect(StationCommand.remoteStop(transactionId: "abc").schemaProblem(for: .v201) == nil)
        #expect(StationCommand.changeConfiguration(key: "HeartbeatInterval", value: "60").schemaProblem(for: .v16) == nil)
        #expect(StationCommand.changeConfiguration(key: "HeartbeatInterval", value: String(repeating: "x", count: 501))
                    .schemaProblem(for: .v16) == "\"value\" is 501 characters; OCPP 1.6 allows at most 500")
        #expect(StationCommand.changeConfiguration(key: "HeartbeatInterval", value: "60").schemaProblem(for: .v201)?
                    .hasPrefix("\"key\" must be Component.Variable") == true)
        #expect(StationCommand.changeConfiguration(key: "OCPPCommCtrlr.HeartbeatInterval", value: "60").schemaProblem(for: .v201) == nil)
        #expect(StationCommand.reset(hard: true).schemaProblem(for: .v16) == nil)
        // Characters, not bytes: 20 letters with accents fit.
        #expect(StationCommand.remoteStart(idTag: String(repeating: "é", count: 20), evse: nil).schemaProblem(for: .v16) == nil)
    }
}
