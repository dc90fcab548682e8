import OCPP
import Testing
@testable import Simulator

/// What a personality's `bends` do to the payloads a simulated charger sends.
@Suite struct ProtocolBendsTests {
    @Test func bendsApplyToTheirFieldsAndActions() throws {
        let text = """
        - name: quirky
          vendor: Acme
          model: Q1
          reconnectSeconds: 12
          bends:
            timestampsWithoutZone: true
            numbersAsStrings: [connectorId]
            extraFields: { vendorDiagnostics: "fw-trace-7" }
            substitute:
              - { action: StatusNotification, field: errorCode, from: OtherError, to: Error }
        """
        let personality = try #require(try Personality.load(text, file: "p.yaml").get().first)
        #expect(personality.reconnectSeconds == 12)
        let payload = JSONObject([("connectorId", .integer(1)), ("errorCode", .string("OtherError")), ("status", .string("Faulted")),
                                  ("timestamp", .string("2026-11-26T01:00:00.000Z"))])
        let bent = personality.bends.apply(to: payload, action: "StatusNotification")
        #expect(JSONWriter.string(.object(bent)) ==
                #"{"connectorId":"1","errorCode":"Error","status":"Faulted","timestamp":"2026-11-26T01:00:00.000","vendorDiagnostics":"fw-trace-7"}"#)
        // The substitution is for StatusNotification only; nested timestamps lose their offset too.
        let meter = JSONObject([("connectorId", .integer(1)), ("meterValue", .array([.object(JSONObject([
            ("timestamp", .string("2026-11-26T01:00:00+01:00")), ("sampledValue", .array([]))]))]))])
        #expect(JSONWriter.string(.object(personality.bends.apply(to: meter, action: "MeterValues"))) ==
                #"{"connectorId":"1","meterValue":[{"timestamp":"2026-11-26T01:00:00","sampledValue":[]}],"vendorDiagnostics":"fw-trace-7"}"#)
    }

    @Test func noBendsLeaveThePayloadAlone() {
        let payload = JSONObject([("connectorId", .integer(1)), ("timestamp", .string("2026-11-26T01:00:00Z"))])
        #expect(ProtocolBends().apply(to: payload, action: "StatusNotification") == payload)
    }

    @Test func brokenBendsAreReportedWithTheirPlace() {
        let text = "- name: q\n  vendor: A\n  model: B\n  bends: { timestampsWithoutZone: true, extraFields: [a], typo: 1 }\n"
        guard case .failure(let failure) = Personality.load(text, file: "p.yaml") else { Issue.record("loaded"); return }
        #expect(failure.errors.map(\.description) == [
            #"p.yaml:4:59: personality q bends: unknown key "typo""#,
            #"p.yaml:4:54: personality q bends: "extraFields" must be a mapping of names to string values"#,
        ])
    }
}
