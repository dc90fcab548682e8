import CPMS
import OCPP
import Testing
@testable import API

/// An operator's command body: each field known, meant for the command and of its type — what
/// was taken as absent before became a command to the whole station.
@Suite struct OperatorCommandBodyTests {
    func parse(_ text: String) -> Result<OperatorCommandBody, OperatorCommandBody.Problem> {
        guard case .object(let object) = try? JSONParser.parse(text) else { return .failure(.init(code: .invalidBody, message: "not JSON")) }
        return OperatorCommandBody.parse(object)
    }

    @Test(arguments: [
        (#"{"command":"reset","by":"d"}"#, StationCommand.reset(hard: false), "reset soft"),
        (#"{"command":"reset","type":"HARD","force":true,"reason":"r"}"#, .reset(hard: true), "reset hard"),
        (#"{"command":"disable","connector":2}"#, .changeAvailability(evse: 2, operative: false), "disable connector 2"),
        (#"{"command":"enable"}"#, .changeAvailability(evse: nil, operative: true), "enable"),
        (#"{"command":"unlock","connector":1}"#, .unlockConnector(evse: 1, connector: 1), "unlock connector 1"),
        (#"{"command":"trigger","message":"Heartbeat","connector":1}"#, .triggerMessage("Heartbeat", evse: 1), "trigger Heartbeat connector 1"),
        (#"{"command":"start","idTag":"CARD-1"}"#, .remoteStart(idTag: "CARD-1", evse: nil), "start idTag CARD-1"),
        (#"{"command":"stop","transactionId":42}"#, .remoteStop(transactionId: "42"), "stop transaction 42"),
        (#"{"command":"configure","key":"AuthorizationKey","value":"s3cr3t"}"#, .changeConfiguration(key: "AuthorizationKey", value: "s3cr3t"),
         "configure AuthorizationKey=«redacted, 6 chars»"),
    ])
    func wellFormedBodies(body: String, command: StationCommand, label: String) throws {
        let parsed = try parse(body).get()
        #expect(parsed.command == command && parsed.label == label)
    }

    @Test(arguments: [
        (#"{"command":"disable","connector":"1"}"#, "\"connector\" must be a whole number from 1"),
        (#"{"command":"disable","connector":1.5}"#, "\"connector\" must be a whole number from 1"),
        (#"{"command":"disable","connector":0}"#, "\"connector\" must be a whole number from 1"),
        (#"{"command":"disable","conector":1}"#, "disable takes no \"conector\""),
        (#"{"command":"reset","connector":1}"#, "reset takes no \"connector\" (it belongs to disable, enable, start, trigger, unlock)"),
        (#"{"command":"reset","type":"bogus"}"#, "\"type\" must be \"soft\" or \"hard\""),
        (#"{"command":"reset","type":1}"#, "\"type\" must be a string"),
        (#"{"command":"reset","force":"yes"}"#, "\"force\" must be true or false"),
        (#"{"command":"trigger","message":"Hartbeat"}"#, "\"message\" must be one of"),
        (#"{"command":"unlock"}"#, "unlock needs \"connector\""),
        (#"{"command":"stop","transactionId":4.2}"#, "\"transactionId\" must be a string or a whole number"),
        (#"{"command":"stop"}"#, "stop needs \"transactionId\""),
        (#"{"command":"rest"}"#, "\"command\" must be one of"),
        (#"{"action":"reset"}"#, "unknown field \"action\"; the command is named by \"command\""),
        (#"{"by":"d"}"#, "\"command\" must be one of"),
    ])
    func mistakesAreNamed(body: String, message: String) {
        guard case .failure(let problem) = parse(body) else { Issue.record("\(body) was taken"); return }
        #expect(problem.message.hasPrefix(message), "\(problem.message)")
    }
}
