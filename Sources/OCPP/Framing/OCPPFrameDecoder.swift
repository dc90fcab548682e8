/// Why a text message is not a usable OCPP-J frame. `id` is set when the message id could
/// still be read, so the peer can be answered with a CALLERROR it can correlate; without an
/// id the message can only be logged and counted.
public struct OCPPFrameError: Error, Equatable, Sendable, CustomStringConvertible {
    public var id: String?
    public var error: CallError
    public var description: String { "\(error.code): \(error.description)" + (id.map { " (message id \($0))" } ?? "") }
}

/// Turns a received text message into an `OCPPFrame`, or says exactly what is wrong with
/// it in the version's own error codes. Payloads are only checked for being objects here;
/// their schema validation belongs to the typed messages.
public enum OCPPFrameDecoder {
    /// Message ids are at most 36 characters (OCPP-J: "maximum of 36 characters").
    public static let maxIdLength = 36

    public static func decode(_ text: String, version: OCPPVersion) -> Result<OCPPFrame, OCPPFrameError> {
        let value: JSONValue
        do {
            value = try JSONParser.parse(text)
        } catch {
            return .failure(OCPPFrameError(id: salvageId(text), error: CallError(.rpcFraming(version), "message is not valid JSON: \(error)")))
        }
        guard case .array(let elements) = value else {
            return .failure(OCPPFrameError(id: nil, error: CallError(.rpcFraming(version), "message is a JSON \(value.typeName), not an array")))
        }
        guard elements.count >= 3, case .number(let typeNumber) = elements[0], let messageType = typeNumber.intValue else {
            let id = elements.count > 1 ? stringValue(elements[1]) : nil
            return .failure(OCPPFrameError(id: id, error: CallError(.rpcFraming(version), "message must start with a numeric message type id and a message id")))
        }
        guard case .string(let id) = elements[1] else {
            // A CALL whose id is a whole number is answered under that number's text, so a
            // charger that compares ids by value can still match the error to its request.
            var answerable: String?
            if messageType == 2, case .number(let number) = elements[1], let whole = number.intValue { answerable = String(whole) }
            return .failure(OCPPFrameError(id: answerable, error: CallError(.rpcFraming(version),
                "message id must be a string, got \(elements[1].typeName)" + (answerable.map { " (write it as \"\($0)\")" } ?? ""))))
        }
        func fail(_ code: CallErrorCode, _ message: String) -> Result<OCPPFrame, OCPPFrameError> {
            .failure(OCPPFrameError(id: id, error: CallError(code, message)))
        }
        guard !id.isEmpty, id.count <= maxIdLength else {
            return fail(.rpcFraming(version), "message id must be 1 to \(maxIdLength) characters, got \(id.count)")
        }
        switch messageType {
        case 2:
            guard elements.count == 4 else { return fail(.rpcFraming(version), "CALL must have 4 elements, got \(elements.count)") }
            guard case .string(let action) = elements[2], !action.isEmpty else {
                return fail(.rpcFraming(version), "CALL action must be a non-empty string")
            }
            guard case .object(let payload) = elements[3] else {
                return fail(.formation(version), "CALL payload must be an object, got \(elements[3].typeName)")
            }
            return .success(.call(id: id, action: action, payload: payload))
        case 3:
            guard elements.count == 3 else { return fail(.rpcFraming(version), "CALLRESULT must have 3 elements, got \(elements.count)") }
            guard case .object(let payload) = elements[2] else {
                return fail(.formation(version), "CALLRESULT payload must be an object, got \(elements[2].typeName)")
            }
            return .success(.callResult(id: id, payload: payload))
        case 4:
            guard elements.count == 5 || elements.count == 4 else {
                return fail(.rpcFraming(version), "CALLERROR must have 5 elements, got \(elements.count)")
            }
            guard case .string(let code) = elements[2], case .string(let description) = elements[3] else {
                return fail(.rpcFraming(version), "CALLERROR code and description must be strings")
            }
            var details = JSONObject()
            if elements.count == 5 {
                guard case .object(let object) = elements[4] else {
                    return fail(.formation(version), "CALLERROR details must be an object, got \(elements[4].typeName)")
                }
                details = object
            }
            return .success(.callError(id: id, error: CallError(CallErrorCode(rawValue: code), description, details: details)))
        default:
            return fail(.unknownMessageType(version), "message type id \(messageType) is not 2 (CALL), 3 (CALLRESULT) or 4 (CALLERROR)")
        }
    }

    private static func stringValue(_ value: JSONValue) -> String? {
        if case .string(let text) = value, !text.isEmpty, text.count <= maxIdLength { return text }
        return nil
    }

    /// Best effort for text that is not valid JSON: `[2,"abc",…` still names its id.
    static func salvageId(_ text: String) -> String? {
        var rest = Substring(text).drop { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard rest.first == "[" else { return nil }
        rest = rest.dropFirst().drop { $0 == " " }
        guard let comma = rest.firstIndex(of: ","), ["2", "3", "4"].contains(rest[..<comma].trimmingSpaces()) else { return nil }
        rest = rest[rest.index(after: comma)...].drop { $0 == " " }
        guard rest.first == "\"" else { return nil }
        rest = rest.dropFirst()
        guard let quote = rest.firstIndex(of: "\"") else { return nil }
        let id = rest[..<quote]
        guard !id.isEmpty, id.count <= maxIdLength, !id.contains("\\") else { return nil }
        return String(id)
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var result = self
        while result.last == " " { result = result.dropLast() }
        return result
    }
}
