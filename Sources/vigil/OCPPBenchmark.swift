import Foundation
import OCPP
import ServiceLog

/// The OCPP hot path without sockets: frame text → JSON tree → typed, validated request →
/// JSON tree → frame text, for the three messages chargers send most, on one core.
enum OCPPBenchmark {
    static let statusNotification = #"[2,"1001","StatusNotification",{"connectorId":2,"errorCode":"GroundFailure","status":"Faulted","timestamp":"2026-11-26T01:02:03.456Z","vendorId":"ABB","vendorErrorCode":"0x0120","info":"RCD tripped"}]"#

    static let meterValues: String = {
        let measurands = ["Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Current.Import", "Current.Import",
                          "Voltage", "Voltage", "Voltage", "Temperature", "SoC"]
        let samples = measurands.enumerated().map { index, measurand in
            #"{"value":"\#(1000 + index).\#(index)","context":"Sample.Periodic","measurand":"\#(measurand)","unit":"\#(measurand == "SoC" ? "Percent" : measurand == "Temperature" ? "Celsius" : measurand == "Voltage" ? "V" : measurand == "Current.Import" ? "A" : measurand == "Power.Active.Import" ? "W" : "Wh")"}"#
        }.joined(separator: ",")
        return #"[2,"1002","MeterValues",{"connectorId":1,"transactionId":4711,"meterValue":[{"timestamp":"2026-11-26T01:02:03Z","sampledValue":[\#(samples)]}]}]"#
    }()

    static let transactionEvent = #"[2,"1003","TransactionEvent",{"eventType":"Updated","timestamp":"2026-11-26T01:02:03.456+01:00","triggerReason":"MeterValuePeriodic","seqNo":17,"transactionInfo":{"transactionId":"f3b1c2d4-0001","chargingState":"Charging"},"evse":{"id":1,"connectorId":1},"meterValue":[{"timestamp":"2026-11-26T01:02:03Z","sampledValue":[{"value":12345.6,"measurand":"Energy.Active.Import.Register","unitOfMeasure":{"unit":"Wh"}},{"value":7400,"measurand":"Power.Active.Import"}]}]}]"#

    static func run(seconds: Double) {
        printLine("OCPP benchmark: parse + validate + decode + encode + write, one core")
        measure("StatusNotification (1.6)", statusNotification, version: .v16, seconds: seconds)
        measure("MeterValues, 10 samples (1.6)", meterValues, version: .v16, seconds: seconds)
        measure("TransactionEvent (2.0.1)", transactionEvent, version: .v201, seconds: seconds)
    }

    static func measure(_ name: String, _ text: String, version: OCPPVersion, seconds: Double) {
        // One correctness pass first: a benchmark of a message that fails validation would
        // measure the error path.
        guard roundTrip(text, version: version) != nil else {
            printLine("\(name): does not validate; not measured")
            return
        }
        var count = 0
        var bytes = 0
        let start = DispatchTime.now().uptimeNanoseconds
        let end = start + UInt64(seconds * 1e9)
        while DispatchTime.now().uptimeNanoseconds < end {
            for _ in 0..<200 { bytes &+= roundTrip(text, version: version)?.utf8.count ?? 0 }
            count += 200
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let label = name.padding(toLength: 32, withPad: " ", startingAt: 0)
        printLine("  \(label)" + String(format: "%9.0f messages/s (%.2f µs each)", Double(count) / elapsed, elapsed / Double(count) * 1e6))
        BenchResults.shared.add("ocpp", name, Double(count) / elapsed, "messages/s")
        _ = bytes
    }

    static func roundTrip(_ text: String, version: OCPPVersion) -> String? {
        guard case .success(.call(let id, let action, let payload)) = OCPPFrameDecoder.decode(text, version: version) else { return nil }
        var decoder = OCPPDecoder()
        guard let request = try? version.decodeRequest(action: action, json: .object(payload), decoder: &decoder), case .object(let encoded) = request.json() else { return nil }
        return OCPPFrame.call(id: id, action: action, payload: encoded).encoded()
    }
}
