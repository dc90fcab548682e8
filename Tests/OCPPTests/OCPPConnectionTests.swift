import Synchronization
@testable import OCPP
import Testing
import Transport

/// OCPPConnection on both ends of a real WebSocket on 127.0.0.1: Vigil's side and a
/// charger's side built from the same RPC code.
@Suite(.timeLimit(.minutes(1))) struct OCPPConnectionTests {
    static let currentTime = JSONObject([("currentTime", .string("2026-11-26T01:00:00Z"))])

    /// Starts a server whose `/ocpp/{id}` endpoint runs an OCPPConnection with `handlers`.
    func withCSMS(handlers: [String: OCPPConnection.Handler], _ body: (Int) async throws -> Void) async throws {
        try await withOCPPServer(handlers: { _ in handlers }, body)
    }

    func connectCharger(port: Int, version: OCPPVersion, handlers: [String: OCPPConnection.Handler] = [:])
        async throws -> (OCPPConnection, Task<Void, Never>) {
        var options = WebSocketClient.Options()
        options.connectTimeout = .seconds(60)   // the suite shares two cores: a handshake can wait behind it
        options.subprotocols = [version.rawValue]
        let (socket, _) = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(port)/ocpp/CP-1", options: options)
        let charger = OCPPConnection(socket: socket, version: version, stationId: "CP-1", handlers: handlers)
        let running = Task { await charger.run() }
        return (charger, running)
    }

    @Test func callResultAndNestedCallFromAHandler() async throws {
        let handlers: [String: OCPPConnection.Handler] = [
            "Heartbeat": { _, _ in Self.currentTime },
            // Vigil asks the charger for its configuration before answering the boot.
            "BootNotification": { _, connection in
                let configuration = try await connection.call("GetConfiguration", JSONObject(), timeout: .seconds(5))
                return JSONObject([("status", .string("Accepted")), ("interval", .integer(300)),
                                   ("keys", configuration["configurationKey"] ?? .null)])
            },
        ]
        try await withCSMS(handlers: handlers) { port in
            let (charger, running) = try await connectCharger(port: port, version: .v16, handlers: [
                "GetConfiguration": { _, _ in JSONObject([("configurationKey", .array([.string("HeartbeatInterval")]))]) },
            ])
            #expect(try await charger.call("Heartbeat", JSONObject()) == Self.currentTime)
            let boot = try await charger.call("BootNotification", JSONObject([("chargePointVendor", .string("ABB"))]))
            #expect(boot["status"] == .string("Accepted"))
            #expect(boot["keys"] == .array([.string("HeartbeatInterval")]))
            await charger.socket.close()
            await running.value
        }
    }

    /// A session whose task is cancelled stops reading, cancels the handlers still answering,
    /// and returns only once their answers are done; the calls it was waiting on fail.
    @Test func cancellingTheSessionCancelsItsAnswersAndEndsIt() async throws {
        let handler = Mutex<[String]>([])
        let handlers: [String: OCPPConnection.Handler] = [
            "BootNotification": { _, connection in
                _ = try await connection.call("GetConfiguration", JSONObject(), timeout: .seconds(50))
                return JSONObject([("status", .string("Accepted"))])
            },
        ]
        try await withCSMS(handlers: handlers) { port in
            let (charger, running) = try await connectCharger(port: port, version: .v16, handlers: [
                "GetConfiguration": { _, _ in
                    handler.withLock { $0.append("started") }
                    do { try await Task.sleep(for: .seconds(50)) } catch { handler.withLock { $0.append("cancelled") } }
                    return JSONObject([("configurationKey", .array([]))])
                },
            ])
            let boot = Task { try await charger.call("BootNotification", JSONObject(), timeout: .seconds(50)) }
            for _ in 0..<500 where handler.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(10)) }
            running.cancel()
            await running.value   // returns: the handler was cancelled and answered
            #expect(handler.withLock { $0 } == ["started", "cancelled"])
            await #expect(throws: OCPPCallFailure.notConnected) { _ = try await boot.value }
            await charger.socket.close()
        }
    }

    @Test func unknownActionAndThrownCallErrorsReachTheCaller() async throws {
        let handlers: [String: OCPPConnection.Handler] = [
            "Authorize": { _, _ in throw CallError(.propertyConstraintViolation, "idTag: 21 characters exceeds maxLength 20") },
        ]
        try await withCSMS(handlers: handlers) { port in
            let (charger, running) = try await connectCharger(port: port, version: .v201)
            await #expect(throws: OCPPCallFailure.callError(CallError(.notImplemented, "action DataTransfer is not implemented"))) {
                _ = try await charger.call("DataTransfer", JSONObject())
            }
            await #expect(throws: OCPPCallFailure.callError(CallError(.propertyConstraintViolation, "idTag: 21 characters exceeds maxLength 20"))) {
                _ = try await charger.call("Authorize", JSONObject())
            }
            await charger.socket.close()
            await running.value
        }
    }

    @Test func malformedFramesAreAnsweredByIdOrCounted() async throws {
        try await withCSMS(handlers: [:]) { port in
            var options = WebSocketClient.Options()
            options.connectTimeout = .seconds(60)   // the suite shares two cores: a handshake can wait behind it
            options.subprotocols = ["ocpp2.0.1"]
            let (socket, _) = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(port)/ocpp/CP-9", options: options)
            try await socket.send(text: #"[2,"m1","Heartbeat",{}"#)     // truncated: id still readable
            let reply = try await socket.receive()
            #expect(reply == .text(#"[4,"m1","RpcFrameworkError","message is not valid JSON: invalid JSON at byte 22: unexpected end of input in array",{}]"#))
            try await socket.send(text: #"[9,"m2","Heartbeat",{}]"#)
            #expect(try await socket.receive() == .text(#"[4,"m2","MessageTypeNotSupported","message type id 9 is not 2 (CALL), 3 (CALLRESULT) or 4 (CALLERROR)",{}]"#))
            try await socket.send(text: "garbage")                        // no id: counted, not answered
            try await socket.send(text: #"[2,"m3","Heartbeat",{}]"#)
            #expect(try await socket.receive() == .text(#"[4,"m3","NotImplemented","action Heartbeat is not implemented",{}]"#))
            await socket.close()
        }
    }

    @Test func callsToASilentChargerTimeOutInOrder() async throws {
        let outcomes = OutcomeLog()
        let handlers: [String: OCPPConnection.Handler] = [
            "Heartbeat": { _, connection in
                // Two calls queue behind each other; the silent charger answers neither.
                async let first = Result(catching: { try await connection.call("Reset", JSONObject(), timeout: .milliseconds(200)) })
                async let second = Result(catching: { try await connection.call("TriggerMessage", JSONObject(), timeout: .milliseconds(200)) })
                await outcomes.record([await first, await second].map { result -> String in
                    if case .failure(let failure as OCPPCallFailure) = result { return failure.description }
                    return "unexpected"
                })
                return Self.currentTime
            },
        ]
        try await withCSMS(handlers: handlers) { port in
            var options = WebSocketClient.Options()
            options.connectTimeout = .seconds(60)   // the suite shares two cores: a handshake can wait behind it
            options.subprotocols = ["ocpp1.6"]
            let (socket, _) = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(port)/ocpp/CP-2", options: options)
            try await socket.send(text: #"[2,"h1","Heartbeat",{}]"#)
            // The charger sees the calls one at a time and never answers.
            var seen: [String] = []
            while let message = try await socket.receive() {
                guard case .text(let text) = message else { continue }
                seen.append(text)
                if text.hasPrefix("[3,") { break }
            }
            // Which of the two concurrent `async let` calls is submitted first is up to the
            // scheduler; what matters is that they went out one at a time and both timed out.
            #expect(seen.count == 3)
            let actions = seen.prefix(2).map { $0.contains(#""Reset""#) ? "Reset" : $0.contains(#""TriggerMessage""#) ? "TriggerMessage" : "?" }
            #expect(Set(actions) == ["Reset", "TriggerMessage"])
            #expect(seen[2] == #"[3,"h1",{"currentTime":"2026-11-26T01:00:00Z"}]"#)
            #expect(await outcomes.entries == ["no answer to Reset within 0.2 seconds", "no answer to TriggerMessage within 0.2 seconds"])
            await socket.close()
        }
    }

    @Test func vigilsCallWaitsForTheAnswerInProgress() async throws {
        // The rules decide a Reset while the fault report is still being recorded: the charger
        // must see the report answered before the Reset arrives.
        let handlers: [String: OCPPConnection.Handler] = [
            "StatusNotification": { _, connection in
                Task.detached { _ = try? await connection.call("Reset", JSONObject([("type", .string("Hard"))]), timeout: .seconds(5)) }
                try await Task.sleep(for: .milliseconds(150))   // the store's commit
                return JSONObject()
            },
        ]
        try await withCSMS(handlers: handlers) { port in
            var options = WebSocketClient.Options()
            options.connectTimeout = .seconds(60)   // the suite shares two cores: a handshake can wait behind it
            options.subprotocols = ["ocpp1.6"]
            let (socket, _) = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(port)/ocpp/CP-3", options: options)
            try await socket.send(text: #"[2,"s1","StatusNotification",{"connectorId":1,"errorCode":"GroundFailure","status":"Faulted"}]"#)
            guard case .text(let first) = try await socket.receive(), case .text(let second) = try await socket.receive() else {
                Issue.record("expected two text frames")
                return
            }
            #expect(first == #"[3,"s1",{}]"#)
            #expect(second.hasPrefix("[2,") && second.contains(#""Reset""#))
            await socket.close()
        }
    }

    @Test func answersFirstHoldsOnlyForAnswersAlreadyInProgress() {
        var order = AnswersFirst<String>()
        #expect(order.submit("a") == "a")                 // nothing being answered: goes at once
        let first = order.beginAnswer()
        #expect(order.submit("b") == nil)                 // waits for answer 1
        let second = order.beginAnswer()
        #expect(order.submit("c") == nil)                 // waits for answers 1 and 2
        #expect(order.endAnswer(second) == [])            // "b" still waits for 1, "c" behind it
        let third = order.beginAnswer()
        #expect(order.endAnswer(first) == ["b", "c"])     // "c" did not wait for answer 3
        #expect(order.heldCount == 0)
        #expect(order.submit("d") == nil)
        #expect(order.releaseAll() == ["d"])
        #expect(order.endAnswer(third) == [])
        #expect(order.submit("e") == "e")
    }
}

actor OutcomeLog {
    var entries: [String] = []
    func record(_ values: [String]) { entries += values }
}

extension Result where Failure == Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
