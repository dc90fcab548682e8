import Synchronization
import Testing
import Transport
@testable import OCPP

/// A station's quirk profile: substitutions and frame repairs as pure functions, tolerances
/// limited to their fields, and the whole profile applied by a connection over a loopback
/// socket, with every use reported.
@Suite(.timeLimit(.minutes(1))) struct StationQuirksTests {
    static func object(_ text: String) throws -> JSONObject {
        guard case .object(let object) = try JSONParser.parse(text) else { throw CallError(.formation(.v16), "not an object") }
        return object
    }

    @Test func substitutionReplacesOnlyTheExactValueAtTheFieldAndReportsEachPath() throws {
        let quirks = StationQuirks(substitutions: [
            StationQuirks.Substitution(quirk: "measurand-typo", action: "MeterValues", field: "meterValue[*].sampledValue[].measurand",
                                       from: "Energy.Active.Import", to: "Energy.Active.Import.Register"),
        ])
        let payload = try Self.object("""
            {"connectorId":1,"meterValue":[{"timestamp":"2026-11-26T01:00:00Z","sampledValue":[{"value":"5","measurand":"Energy.Active.Import"},\
            {"value":"2","measurand":"Power.Active.Import"}]},{"timestamp":"2026-11-26T01:01:00Z","sampledValue":[{"value":"6","measurand":"Energy.Active.Import"}]}]}
            """)
        let (result, applied) = quirks.substitute(payload, action: "MeterValues")
        #expect(applied.map(\.path) == ["meterValue[0].sampledValue[0].measurand", "meterValue[1].sampledValue[0].measurand"])
        #expect(applied.allSatisfy { $0.quirk == "measurand-typo" && $0.kind == "substitute" && $0.replacement == "Energy.Active.Import.Register" })
        let text = JSONWriter.string(.object(result))
        #expect(text.contains(#""measurand":"Power.Active.Import""#))
        #expect(!text.contains(#""measurand":"Energy.Active.Import"}"#))
        // Another action is untouched.
        let (other, none) = quirks.substitute(payload, action: "StopTransaction")
        #expect(none.isEmpty)
        #expect(other == payload)
    }

    @Test func frameRepairReplacesEveryOccurrence() {
        let quirks = StationQuirks(repairs: [StationQuirks.FrameRepair(quirk: "grizzle-empty-list", from: #""configurationKey":]"#,
                                                                        to: #""configurationKey":[]"#)])
        let (text, applied) = quirks.repair(#"[3,"1",{"configurationKey":]}]"#)
        #expect(text == #"[3,"1",{"configurationKey":[]}]"#)
        #expect(applied.count == 1)
        #expect(applied.first?.description == #"frame: "configurationKey":] → "configurationKey":[] (repairFrame, quirk grizzle-empty-list)"#)
        let (clean, nothing) = quirks.repair(#"[3,"1",{"configurationKey":[]}]"#)
        #expect(clean == #"[3,"1",{"configurationKey":[]}]"#)
        #expect(nothing.isEmpty)
    }

    @Test func normalisedPathFoldsIndices() {
        #expect(StationQuirks.normalisedPath("meterValue[3].sampledValue[12].value") == "meterValue[].sampledValue[].value")
        #expect(StationQuirks.normalisedPath("meterValue[*].timestamp") == "meterValue[].timestamp")
        #expect(StationQuirks.normalisedPath("connectorId") == "connectorId")
    }

    @Test func toleranceCoversOnlyItsFields() throws {
        let tolerance = StationQuirks.Tolerance(quirk: "connector-as-string", option: .numbersAsStrings, fields: ["connectorId"])
        var decoder = OCPPDecoder(tolerances: [tolerance])
        let good = try Self.object(#"{"connectorId":"1","idTag":"A","meterStart":5,"timestamp":"2026-11-26T01:00:00Z"}"#)
        let request = try V16.StartTransactionRequest(json: .object(good), at: "", decoder: &decoder)
        #expect(request.connectorId == 1)
        #expect(decoder.applied.map(\.quirk) == ["connector-as-string"])
        var strict = OCPPDecoder(tolerances: [tolerance])
        let bad = try Self.object(#"{"connectorId":"1","idTag":"A","meterStart":"5","timestamp":"2026-11-26T01:00:00Z"}"#)
        #expect(throws: OCPPViolation.self) { _ = try V16.StartTransactionRequest(json: .object(bad), at: "", decoder: &strict) }
    }

    @Test func connectionAppliesTheProfileAndReportsEveryUse() async throws {
        let seen = Mutex<[String]>([])
        let uses = Mutex<[AppliedQuirk]>([])
        var handlers = OCPPHandlers(version: .v16)
        handlers.on(V16.StatusNotificationRequest.self) { request, _ in
            seen.withLock { $0.append("\(request.connectorId) \(request.errorCode.rawValue)") }
            return V16.StatusNotificationResponse()
        }
        handlers.on(V16.HeartbeatRequest.self) { _, _ in V16.HeartbeatResponse(currentTime: OCPPDateTime(secondsSinceEpoch: 1_795_000_000)) }
        let quirks = StationQuirks(
            tolerances: [StationQuirks.Tolerance(quirk: "zone-less", option: .missingTimeZone, actions: ["StatusNotification"], fields: ["timestamp"])],
            substitutions: [StationQuirks.Substitution(quirk: "error-word", action: "StatusNotification", field: "errorCode", from: "Error", to: "OtherError")],
            replyDelays: [StationQuirks.ReplyDelay(quirk: "slow-heartbeat", action: "Heartbeat", delay: .milliseconds(20))])
        let connectionHandlers = handlers.connectionHandlers()
        try await withOCPPServer(handlers: { _ in connectionHandlers }, quirks: quirks,
                                 quirkLog: { applied in uses.withLock { $0 += applied } }) { port in
            var options = WebSocketClient.Options()
            options.connectTimeout = .seconds(60)   // the suite shares two cores: a handshake can wait behind it
            options.subprotocols = ["ocpp1.6"]
            let (socket, _) = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(port)/ocpp/CP-Q", options: options)
            var replies: [String] = []
            for frame in [
                #"[2,"s1","StatusNotification",{"connectorId":1,"errorCode":"Error","status":"Faulted","timestamp":"2026-11-26T01:00:00"}]"#,
                #"[2,"s2","StatusNotification",{"connectorId":1,"errorCode":"Broken","status":"Faulted"}]"#,
                #"[2,"h1","Heartbeat",{}]"#,
            ] {
                try await socket.send(text: frame)
                if case .text(let reply) = try await socket.receive() { replies.append(reply) }
            }
            await socket.close()
            #expect(replies[0] == #"[3,"s1",{}]"#)
            #expect(replies[1].hasPrefix(#"[4,"s2","PropertyConstraintViolation""#))   // only the listed value is substituted
            #expect(replies[2].hasPrefix(#"[3,"h1",{"currentTime""#))
        }
        #expect(seen.withLock { $0 } == ["1 OtherError"])
        let kinds = uses.withLock { $0 }.map { "\($0.quirk ?? "-") \($0.kind) \($0.action) \($0.path)" }
        #expect(kinds == ["error-word substitute StatusNotification errorCode", "zone-less missingTimeZone StatusNotification timestamp",
                          "slow-heartbeat replyDelay Heartbeat "])
    }

    @Test func malformedReplyIsRepairedBeforeParsing() async throws {
        let keys = Mutex<String?>(nil)
        let handlers: [String: OCPPConnection.Handler] = [
            // The CSMS asks the charger for its configuration before answering the boot.
            "BootNotification": { _, connection in
                let reply = try await connection.call("GetConfiguration", JSONObject(), timeout: .seconds(5))
                keys.withLock { $0 = reply["configurationKey"].map { JSONWriter.string($0) } }
                return JSONObject([("status", .string("Accepted")), ("currentTime", .string("2026-11-26T01:00:00Z")), ("interval", .integer(300))])
            },
        ]
        let quirks = StationQuirks(repairs: [StationQuirks.FrameRepair(quirk: "empty-list", from: #""configurationKey":]"#,
                                                                        to: #""configurationKey":[]"#)])
        try await withOCPPServer(handlers: { _ in handlers }, quirks: quirks) { port in
            var options = WebSocketClient.Options()
            options.connectTimeout = .seconds(60)   // the suite shares two cores: a handshake can wait behind it
            options.subprotocols = ["ocpp1.6"]
            let (socket, _) = try await WebSocketClient.connect(to: "ws://127.0.0.1:\(port)/ocpp/CP-G", options: options)
            try await socket.send(text: #"[2,"b1","BootNotification",{"chargePointVendor":"United Chargers","chargePointModel":"GRS"}]"#)
            guard case .text(let call) = try await socket.receive() else { Issue.record("no call"); return }
            #expect(call.contains(#""GetConfiguration""#))
            let id = call.split(separator: "\"")[1]
            try await socket.send(text: #"[3,"\#(id)",{"configurationKey":]}]"#)
            guard case .text(let boot) = try await socket.receive() else { Issue.record("no boot reply"); return }
            #expect(boot.hasPrefix(#"[3,"b1",{"status":"Accepted""#))
            await socket.close()
        }
        #expect(keys.withLock { $0 } == "[]")
    }
}
