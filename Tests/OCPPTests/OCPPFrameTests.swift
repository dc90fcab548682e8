import Testing
@testable import OCPP

@Suite struct OCPPFrameTests {
    @Test func decodesAndReEncodesEachMessageType() throws {
        let call = try OCPPFrameDecoder.decode(#"[2, "42", "Heartbeat", {}]"#, version: .v16).get()
        #expect(call == .call(id: "42", action: "Heartbeat", payload: JSONObject()))
        #expect(call.encoded() == #"[2,"42","Heartbeat",{}]"#)
        let result = try OCPPFrameDecoder.decode(#"[3,"42",{"currentTime":"2026-11-26T01:00:00Z"}]"#, version: .v16).get()
        #expect(result.encoded() == #"[3,"42",{"currentTime":"2026-11-26T01:00:00Z"}]"#)
        let error = try OCPPFrameDecoder.decode(#"[4,"42","NotImplemented","no",{}]"#, version: .v201).get()
        #expect(error == .callError(id: "42", error: CallError(.notImplemented, "no")))
        #expect(error.encoded() == #"[4,"42","NotImplemented","no",{}]"#)
    }

    @Test(arguments: [
        // text, version, expected id, expected code
        ("not json", OCPPVersion.v16, nil, "FormationViolation"),
        ("not json", .v201, nil, "RpcFrameworkError"),
        (#"{"a":1}"#, .v16, nil, "FormationViolation"),
        (#"[2,"7","Heartbeat",{}"#, .v16, "7", "FormationViolation"),          // truncated: id salvaged
        (#"[2,"7","Heartbeat",{}"#, .v201, "7", "RpcFrameworkError"),
        (#"[2,"7","Heartbeat",[]]"#, .v16, "7", "FormationViolation"),          // payload not an object
        (#"[2,"7","Heartbeat",[]]"#, .v201, "7", "FormatViolation"),
        (#"[2,"7","Heartbeat"]"#, .v201, "7", "RpcFrameworkError"),
        (#"[5,"7","Heartbeat",{}]"#, .v201, "7", "MessageTypeNotSupported"),
        (#"[5,"7","Heartbeat",{}]"#, .v16, "7", "FormationViolation"),
        (#"[2,7,"Heartbeat",{}]"#, .v16, "7", "FormationViolation"),             // whole-number id: answered as its text
        (#"[2,7,"Heartbeat",{}]"#, .v201, "7", "RpcFrameworkError"),
        (#"[2,7.5,"Heartbeat",{}]"#, .v16, nil, "FormationViolation"),           // not a whole number: unreadable
        (#"[3,7,{}]"#, .v16, nil, "FormationViolation"),                         // a result is never answered
        (#"[2,"0123456789012345678901234567890123456","Heartbeat",{}]"#, .v16, "0123456789012345678901234567890123456", "FormationViolation"),
    ] as [(String, OCPPVersion, String?, String)])
    func malformedFramesGetVersionSpecificCodes(text: String, version: OCPPVersion, id: String?, code: String) {
        guard case .failure(let failure) = OCPPFrameDecoder.decode(text, version: version) else {
            Issue.record("\(text) should not decode")
            return
        }
        #expect(failure.error.code.rawValue == code)
        #expect(failure.error.code.isDefined(in: version))
        if code == "FormationViolation", id?.count ?? 0 > 36 {
            #expect(failure.id == nil || failure.id == id)
        } else {
            #expect(failure.id == id)
        }
    }

    @Test func codeSpellingsFollowTheVersion() {
        #expect(CallErrorCode.occurrence(.v16).rawValue == "OccurenceConstraintViolation")
        #expect(CallErrorCode.occurrence(.v201).rawValue == "OccurrenceConstraintViolation")
        #expect(CallErrorCode.formation(.v16).rawValue == "FormationViolation")
        #expect(CallErrorCode.formation(.v201).rawValue == "FormatViolation")
        #expect(!CallErrorCode.formatViolation.isDefined(in: .v16))
        #expect(!CallErrorCode.occurenceConstraintViolation.isDefined(in: .v201))
    }
}

@Suite struct PendingCallsTests {
    let start = ContinuousClock.now

    @Test func oneOutstandingCallAtATimeInOrder() {
        var calls = PendingCalls<String>(queueLimit: 2, idPrefix: "v")
        let first = calls.submit(action: "Reset", payload: JSONObject(), timeout: .seconds(30), waiter: "a", now: start)
        guard case .send(let firstId, "Reset", _) = first.first else { Issue.record("first call should be sent"); return }
        #expect(firstId == "v-1")
        #expect(calls.submit(action: "TriggerMessage", payload: JSONObject(), timeout: .seconds(30), waiter: "b", now: start).isEmpty)
        let (effects, stray) = calls.received(.callResult(id: "v-1", payload: JSONObject()), now: start)
        #expect(!stray)
        guard effects.count == 2, case .resume("a", .success) = effects[0], case .send("v-2", "TriggerMessage", _) = effects[1] else {
            Issue.record("expected resume of a then send of the next call, got \(effects)")
            return
        }
    }

    @Test func strayAndLateResultsAreIgnored() {
        var calls = PendingCalls<String>(idPrefix: "v")
        _ = calls.submit(action: "Reset", payload: JSONObject(), timeout: .seconds(30), waiter: "a", now: start)
        #expect(calls.received(.callResult(id: "other", payload: JSONObject()), now: start).isStray)
        #expect(calls.count == 1)
    }

    @Test func timeoutFailsTheCallerAndSendsTheNext() {
        var calls = PendingCalls<String>(idPrefix: "v")
        _ = calls.submit(action: "Reset", payload: JSONObject(), timeout: .seconds(30), waiter: "a", now: start)
        _ = calls.submit(action: "Reset", payload: JSONObject(), timeout: .seconds(30), waiter: "b", now: start)
        #expect(calls.expire(now: start + .seconds(29)).isEmpty)
        let effects = calls.expire(now: start + .seconds(30))
        guard effects.count == 2, case .resume("a", .failure(.timedOut(action: "Reset", after: .seconds(30)))) = effects[0],
              case .send("v-2", _, _) = effects[1] else {
            Issue.record("expected a timeout then the next send, got \(effects)")
            return
        }
        // The late answer to the timed-out call is now a stray.
        #expect(calls.received(.callResult(id: "v-1", payload: JSONObject()), now: start + .seconds(31)).isStray)
    }

    @Test func fullQueueFailsAtOnceAndDisconnectFailsAll() {
        var calls = PendingCalls<String>(queueLimit: 1, idPrefix: "v")
        _ = calls.submit(action: "A", payload: JSONObject(), timeout: .seconds(30), waiter: "a", now: start)
        _ = calls.submit(action: "B", payload: JSONObject(), timeout: .seconds(30), waiter: "b", now: start)
        let rejected = calls.submit(action: "C", payload: JSONObject(), timeout: .seconds(30), waiter: "c", now: start)
        guard case .resume("c", .failure(.queueFull(limit: 1))) = rejected.first else { Issue.record("expected queueFull"); return }
        let failed = calls.failAll(.notConnected)
        #expect(failed.count == 2)
        #expect(calls.count == 0)
    }
}
