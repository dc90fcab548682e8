@testable import OCPP
import Synchronization
import Testing
import Transport

/// Typed handlers over a real loopback WebSocket: validation at the edge with the version's
/// CallError codes and field paths, NotSupported vs NotImplemented, typed outgoing calls.
@Suite(.timeLimit(.minutes(1))) struct OCPPHandlersTests {
    static let bootTime = OCPPDateTime(secondsSinceEpoch: 1_795_000_000)

    func withCSMS(_ handlers: OCPPHandlers, _ body: (Int) async throws -> Void) async throws {
        let connectionHandlers = handlers.connectionHandlers()
        try await withOCPPServer(handlers: { _ in connectionHandlers }, body)
    }

    /// A raw charger: sends exact text and returns the exact reply.
    func exchange(port: Int, version: OCPPVersion, _ frames: [String]) async throws -> [String] {
        var options = WebSocketClient.Options()
        options.connectTimeout = .seconds(60)   // the suite shares two cores: a handshake can wait behind it
        options.subprotocols = [version.rawValue]
        let (socket, _) = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(port)/ocpp/CP-1", options: options)
        var replies: [String] = []
        for frame in frames {
            try await socket.send(text: frame)
            if case .text(let reply) = try await socket.receive() { replies.append(reply) }
        }
        await socket.close()
        return replies
    }

    static var v16Handlers: OCPPHandlers {
        var handlers = OCPPHandlers(version: .v16)
        handlers.on(V16.BootNotificationRequest.self) { request, _ in
            V16.BootNotificationResponse(status: request.chargePointVendor == "Blocked" ? .rejected : .accepted,
                                         currentTime: bootTime, interval: 300)
        }
        handlers.on(V16.StatusNotificationRequest.self) { _, _ in V16.StatusNotificationResponse() }
        return handlers
    }

    @Test func validCallGetsTypedResult() async throws {
        try await withCSMS(Self.v16Handlers) { port in
            let replies = try await exchange(port: port, version: .v16, [
                #"[2,"b1","BootNotification",{"chargePointVendor":"ABB","chargePointModel":"Terra 54"}]"#,
            ])
            #expect(replies == [#"[3,"b1",{"status":"Accepted","currentTime":"2026-11-18T11:06:40Z","interval":300}]"#])
        }
    }

    @Test(arguments: [
        (#"[2,"s1","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Available","info":"123456789012345678901234567890123456789012345678901"}]"#,
         #"[4,"s1","PropertyConstraintViolation","info: 51 characters exceeds maxLength 50",{"path":"info"}]"#),
        (#"[2,"s2","StatusNotification",{"errorCode":"NoError","status":"Available"}]"#,
         #"[4,"s2","OccurenceConstraintViolation","connectorId: required property is missing",{"path":"connectorId"}]"#),
        (#"[2,"s3","StatusNotification",{"connectorId":"1","errorCode":"NoError","status":"Available"}]"#,
         #"[4,"s3","TypeConstraintViolation","connectorId: expected integer, got string \"1\"",{"path":"connectorId"}]"#),
        (#"[2,"s6","StatusNotification",{"connectorId":-1,"errorCode":"NoError","status":"Available"}]"#,
         #"[4,"s6","PropertyConstraintViolation","connectorId: -1 is below the minimum 0",{"path":"connectorId"}]"#),
        (#"[2,"s4","Reset",{"type":"Soft"}]"#,
         #"[4,"s4","NotSupported","Reset is not supported by this central system",{}]"#),
        (#"[2,"s5","Teleport",{}]"#,
         #"[4,"s5","NotImplemented","action Teleport is not implemented",{}]"#),
    ])
    func invalidCallsGetTheSpecifiedCallError(frame: String, expected: String) async throws {
        try await withCSMS(Self.v16Handlers) { port in
            let replies = try await exchange(port: port, version: .v16, [frame])
            #expect(replies == [expected])
        }
    }

    @Test func theRequestsWithProseRangesAreChecked() {
        let now = Self.bootTime
        #expect(V16.StatusNotificationRequest(connectorId: -1, errorCode: .noError, status: .available).rangeViolation?.path == "connectorId")
        #expect(V16.StatusNotificationRequest(connectorId: 0, errorCode: .noError, status: .available).rangeViolation == nil)
        #expect(V16.StartTransactionRequest(connectorId: 0, idTag: "X", meterStart: 0, timestamp: now).rangeViolation?.message
                == "0 is below the minimum 1")
        #expect(V201.TransactionEventRequest(eventType: .updated, timestamp: now, triggerReason: .meterValuePeriodic, seqNo: 1,
                                             transactionInfo: V201.TransactionType(transactionId: "t"),
                                             evse: V201.EVSEType(id: 0, connectorId: 0)).rangeViolation == nil)   // seen in the field
        #expect(V16.HeartbeatRequest().rangeViolation == nil)
    }

    @Test func enumOutOfRangeNamesTheNestedPath() async throws {
        var handlers = OCPPHandlers(version: .v16)
        handlers.on(V16.MeterValuesRequest.self) { _, _ in V16.MeterValuesResponse() }
        try await withCSMS(handlers) { port in
            let replies = try await exchange(port: port, version: .v16, [
                #"[2,"m1","MeterValues",{"connectorId":1,"meterValue":[{"timestamp":"2026-11-26T01:00:00Z","sampledValue":[{"value":"1"},{"value":"2","measurand":"Banana"}]}]}]"#,
            ])
            #expect(replies.count == 1)
            #expect(replies.first?.hasPrefix(#"[4,"m1","PropertyConstraintViolation","meterValue[0].sampledValue[1].measurand: \"Banana\" is not one of"#) == true)
            #expect(replies.first?.hasSuffix(#"{"path":"meterValue[0].sampledValue[1].measurand"}]"#) == true)
        }
    }

    @Test func version201UsesItsOwnSpelling() async throws {
        var handlers = OCPPHandlers(version: .v201)
        handlers.on(V201.HeartbeatRequest.self) { _, _ in V201.HeartbeatResponse(currentTime: Self.bootTime) }
        try await withCSMS(handlers) { port in
            let replies = try await exchange(port: port, version: .v201, [
                #"[2,"h1","Heartbeat",{}]"#,
                #"[2,"h2","StatusNotification",{"timestamp":"2026-11-26T01:00:00Z","connectorStatus":"Available","evseId":1}]"#,
                #"[2,"h3","Heartbeat",[]]"#,
            ])
            #expect(replies[0] == #"[3,"h1",{"currentTime":"2026-11-18T11:06:40Z"}]"#)
            #expect(replies[1] == #"[4,"h2","NotSupported","StatusNotification is not supported by this central system",{}]"#)
            #expect(replies[2] == #"[4,"h3","FormatViolation","CALL payload must be an object, got array",{}]"#)
        }
    }

    @Test func leniencyIsAppliedOnlyWhenAllowedAndReported() async throws {
        let applied = Mutex<[String]>([])
        var handlers = OCPPHandlers(version: .v16, leniency: [.numbersAsStrings])
        handlers.on(V16.StatusNotificationRequest.self) { request, _ in
            #expect(request.connectorId == 1)
            return V16.StatusNotificationResponse()
        }
        // What was tolerated reaches the connection's quirk log (the raw-log side of `vigil serve`).
        let connectionHandlers = handlers.connectionHandlers()
        try await withOCPPServer(handlers: { _ in connectionHandlers },
                                 quirkLog: { list in applied.withLock { $0 += list.map(\.description) } }) { port in
            let replies = try await exchange(port: port, version: .v16, [
                #"[2,"l1","StatusNotification",{"connectorId":"1","errorCode":"NoError","status":"Available"}]"#,
            ])
            #expect(replies == [#"[3,"l1",{}]"#])
        }
        #expect(applied.withLock { $0 }.count == 1)
        #expect(applied.withLock { $0 }.first == #"StatusNotification connectorId: "1" (numbersAsStrings)"#)
    }

    @Test func typedOutgoingCallValidatesTheResponse() async throws {
        let outcomes = Mutex<[String]>([])
        var handlers = OCPPHandlers(version: .v16)
        handlers.on(V16.HeartbeatRequest.self) { _, connection in
            do {
                let reset = try await connection.call(V16.ResetRequest(type: .soft), timeout: .seconds(5))
                outcomes.withLock { $0.append("reset \(reset.status.rawValue)") }
                _ = try await connection.call(V16.ResetRequest(type: .hard), timeout: .seconds(5))
            } catch {
                outcomes.withLock { $0.append("\(error)") }
            }
            return V16.HeartbeatResponse(currentTime: Self.bootTime)
        }
        try await withCSMS(handlers) { port in
            var options = WebSocketClient.Options()
            options.connectTimeout = .seconds(60)   // the suite shares two cores: a handshake can wait behind it
            options.subprotocols = ["ocpp1.6"]
            let (socket, _) = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(port)/ocpp/CP-1", options: options)
            let charger = OCPPConnection(socket: socket, version: .v16, stationId: "CP-1", handlers: [
                "Reset": { payload, _ in
                    // Accepts a soft reset properly; answers the hard one with an invalid status.
                    payload["type"] == .string("Soft") ? JSONObject([("status", .string("Accepted"))])
                                                       : JSONObject([("status", .string("Maybe"))])
                },
            ])
            async let running: Void = charger.run()
            _ = try await charger.call("Heartbeat", JSONObject())
            await socket.close()
            await running
        }
        #expect(outcomes.withLock { $0 } == ["reset Accepted", #"invalid response: status: "Maybe" is not one of Accepted, Rejected"#])
    }
}
