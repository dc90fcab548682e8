import OCPP

/// The OCPP 1.6 frames the load generator sends, pre-encoded: each CALL is a constant text
/// around its message id (and, for MeterValues, the energy register), so building one costs a
/// string append or three, never a `JSONEncoder`. Also reads what comes back without a JSON
/// parser: enough of the frame to tell the reply to our call from a CALL of the server.
///
/// The cycle is the one `bench cpms` has always used: StatusNotification (Charging and
/// Available in turn, so every one is a status change), MeterValues with four samples,
/// Heartbeat.
struct BenchFrames: Sendable {
    /// What an incoming frame is, for a charger waiting for the reply to its call.
    enum Incoming: Equatable {
        /// The answer to our outstanding call: a CALLRESULT, or (from `vigil echo`) our own
        /// CALL sent back.
        case reply
        /// A CALLERROR for our call: it answers, but the server refused the message.
        case callError
        /// A CALL of the server (Reset, GetConfiguration …), to answer.
        case call(id: String, action: String)
        /// Anything else: a reply to another id, a frame we cannot read.
        case stray
    }

    /// `[2,"B","BootNotification",{…}]`: a charger's first message.
    static let boot = #"[2,"B","BootNotification",{"chargePointVendor":"Bench","chargePointModel":"Sim"}]"#
    static let bootId = "B"

    private static let head = #"[2,""#
    private static let charging = #"","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Charging"}]"#
    private static let available = #"","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Available"}]"#
    private static let heartbeat = #"","Heartbeat",{}]"#
    private static let meterTail = #"","measurand":"Energy.Active.Import.Register"},{"value":"7200","measurand":"Power.Active.Import"},"#
        + #"{"value":"31.2","measurand":"Current.Import"},{"value":"230.4","measurand":"Voltage"}]}]}]"#
    /// `","MeterValues",… "value":"` with the run's timestamp: the register value follows.
    private let meterMiddle: String

    /// `timestamp`: the MeterValues sample time, fixed for the run.
    init(timestamp: OCPPDateTime) {
        meterMiddle = #"","MeterValues",{"connectorId":1,"meterValue":[{"timestamp":""# + timestamp.rfc3339 + #"","sampledValue":[{"value":""#
    }

    /// The message id of call number `sequence` of a charger: unique per connection, and never
    /// one Vigil's own ids (lower-case base 36) could be.
    static func id(_ sequence: Int) -> String {
        "L" + String(sequence)
    }

    /// Call number `sequence` of the cycle with message id `id`; `meter` is the energy register
    /// reported when it is a MeterValues.
    func call(_ sequence: Int, id: String, meter: Int) -> String {
        var frame = String()
        switch sequence % 3 {
        case 0:
            let status = (sequence / 3) % 2 == 0 ? Self.charging : Self.available
            frame.reserveCapacity(Self.head.utf8.count + id.utf8.count + status.utf8.count)
            frame += Self.head; frame += id; frame += status
        case 1:
            let register = String(meter)
            frame.reserveCapacity(Self.head.utf8.count + id.utf8.count + meterMiddle.utf8.count + register.utf8.count + Self.meterTail.utf8.count)
            frame += Self.head; frame += id; frame += meterMiddle; frame += register; frame += Self.meterTail
        default:
            frame.reserveCapacity(Self.head.utf8.count + id.utf8.count + Self.heartbeat.utf8.count)
            frame += Self.head; frame += id; frame += Self.heartbeat
        }
        return frame
    }

    /// A StatusNotification reporting connector 1 Faulted with `InternalError` (the
    /// remediation probes).
    static func fault(id: String) -> String {
        #"[2,""# + id + #"","StatusNotification",{"connectorId":1,"errorCode":"InternalError","status":"Faulted"}]"#
    }

    /// The charger's answer to a CALL of the server: accepted (an empty key list for
    /// GetConfiguration, whose answer has no status).
    static func answer(id: String, action: String) -> String {
        action == "GetConfiguration" ? #"[3,""# + id + #"",{"configurationKey":[]}]"# : #"[3,""# + id + #"",{"status":"Accepted"}]"#
    }

    /// Reads the message type, the id and (for a CALL) the action of `text`, and compares the
    /// id with `expected`, the charger's outstanding call.
    static func classify(_ text: String, expecting expected: String) -> Incoming {
        var text = text
        return text.withUTF8 { bytes in
            var index = 0
            func skipSpaces() {
                while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 { index += 1 }
            }
            /// The next JSON string (without escapes, which OCPP ids and actions do not need).
            func string() -> Range<Int>? {
                skipSpaces()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
                let start = index + 1
                index = start
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\") { return nil }
                    index += 1
                }
                guard index < bytes.count else { return nil }
                defer { index += 1 }
                return start..<index
            }
            func comma() -> Bool {
                skipSpaces()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ",") else { return false }
                index += 1
                return true
            }
            skipSpaces()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "[") else { return .stray }
            index += 1
            skipSpaces()
            guard index < bytes.count else { return .stray }
            let type = bytes[index]
            index += 1
            guard comma(), let id = string() else { return .stray }
            let matches = expected.utf8.elementsEqual(UnsafeBufferPointer(rebasing: bytes[id]))
            switch type {
            case UInt8(ascii: "3"): return matches ? .reply : .stray
            case UInt8(ascii: "4"): return matches ? .callError : .stray
            case UInt8(ascii: "2"):
                if matches { return .reply }   // vigil echo: our own call sent back
                guard comma(), let action = string() else { return .stray }
                return .call(id: String(decoding: UnsafeBufferPointer(rebasing: bytes[id]), as: UTF8.self),
                             action: String(decoding: UnsafeBufferPointer(rebasing: bytes[action]), as: UTF8.self))
            default: return .stray
            }
        }
    }
}
