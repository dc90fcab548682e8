import Synchronization
import Testing
import Transport
@testable import CPMS
@testable import OCPP

/// Commands through the live connection of a station, mapped to its OCPP version, with the
/// station's answer turned into an outcome.
@Suite(.timeLimit(.minutes(1))) struct CommandServiceTests {
    /// Runs a CSMS that registers connections, and one charger answering with `answers`
    /// (action → result payload); actions in `slow` are answered only after five seconds (the timeout is 1.5 s: generous for a loaded machine).
    func withStation(_ version: OCPPVersion, answers: [String: JSONObject], slow: Set<String> = [], received: Received,
                     _ body: (CommandService) async throws -> Void) async throws {
        let registry = ConnectionRegistry()
        var handlers: [String: OCPPConnection.Handler] = [:]
        for (action, answer) in answers {
            handlers[action] = { payload, _ in
                received.log.withLock { $0.append("\(action) \(JSONWriter.string(.object(payload)))") }
                if slow.contains(action) { try await Task.sleep(for: .seconds(5)) }
                return answer
            }
        }
        try await withRegisteringServer(registry) { port in
            let (charger, running) = try await connectCharger(port: port, id: "CP", version: version, handlers: handlers)
            for _ in 0..<200 where await registry.count == 0 { try await Task.sleep(for: .milliseconds(5)) }
            do { try await body(CommandService(connections: registry, timeout: .milliseconds(1_500))) } catch {
                await charger.socket.close()
                await running.value
                throw error
            }
            await charger.socket.close()
            await running.value
        }
    }

    static func status(_ text: String) -> JSONObject { JSONObject([("status", .string(text))]) }

    @Test func ocpp16CommandsAndOutcomes() async throws {
        let received = Received()
        try await withStation(.v16, answers: ["Reset": Self.status("Accepted"), "ChangeAvailability": Self.status("Scheduled"),
                                               "UnlockConnector": Self.status("UnlockFailed"), "TriggerMessage": Self.status("Accepted")],
                              received: received) { commands in
            #expect(await commands.send(.reset(hard: false), to: "CP") == .accepted)
            #expect(await commands.send(.changeAvailability(evse: 2, operative: false), to: "CP") == .scheduled)
            #expect(await commands.send(.unlockConnector(evse: 1, connector: 1), to: "CP") == .rejected("UnlockFailed"))
            #expect(await commands.send(.triggerMessage("StatusNotification", evse: 1), to: "CP") == .accepted)
            #expect(await commands.send(.triggerMessage("LogStatusNotification", evse: nil), to: "CP")
                    == .failed("OCPP 1.6 cannot trigger LogStatusNotification"))
            #expect(await commands.send(.reset(hard: true), to: "CP-ELSEWHERE") == .notConnected)
        }
        #expect(received.log.withLock { $0 } == [#"Reset {"type":"Soft"}"#, #"ChangeAvailability {"connectorId":2,"type":"Inoperative"}"#,
                                            #"UnlockConnector {"connectorId":1}"#,
                                            #"TriggerMessage {"requestedMessage":"StatusNotification","connectorId":1}"#])
    }

    @Test func ocpp201UsesTheSessionAwareResetAndReportsTimeouts() async throws {
        let received = Received()
        try await withStation(.v201, answers: ["Reset": Self.status("Scheduled"), "ChangeAvailability": Self.status("Rejected"),
                                                "UnlockConnector": Self.status("Unlocked")], slow: ["UnlockConnector"],
                              received: received) { commands in
            #expect(await commands.send(.reset(hard: false), to: "CP") == .scheduled)
            #expect(await commands.send(.changeAvailability(evse: nil, operative: true), to: "CP") == .rejected("Rejected"))
            // The station answers UnlockConnector too late: the command times out.
            #expect(await commands.send(.unlockConnector(evse: 1, connector: 1), to: "CP") == .timedOut)
            // A station without TriggerMessage answers with a CALLERROR.
            #expect(await commands.send(.triggerMessage("Heartbeat", evse: nil), to: "CP")
                    == .failed("charger answered NotImplemented: action TriggerMessage is not implemented"))
        }
        #expect(received.log.withLock { $0 } == [#"Reset {"type":"OnIdle"}"#, #"ChangeAvailability {"operationalStatus":"Operative"}"#,
                                                #"UnlockConnector {"evseId":1,"connectorId":1}"#])
    }
}

/// What the charger was asked, in order.
final class Received: Sendable {
    let log = Mutex<[String]>([])
}
