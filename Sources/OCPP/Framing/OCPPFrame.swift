/// One OCPP-J RPC message (OCPP-J §4): CALL `[2, id, action, payload]`, CALLRESULT
/// `[3, id, payload]` or CALLERROR `[4, id, code, description, details]`.
public enum OCPPFrame: Sendable, Equatable {
    case call(id: String, action: String, payload: JSONObject)
    case callResult(id: String, payload: JSONObject)
    case callError(id: String, error: CallError)

    public var id: String {
        switch self {
        case .call(let id, _, _), .callResult(let id, _), .callError(let id, _): return id
        }
    }

    /// The frame as JSON text, compact, payload keys in their order.
    public func encoded() -> String {
        let array: [JSONValue]
        switch self {
        case .call(let id, let action, let payload):
            array = [.integer(2), .string(id), .string(action), .object(payload)]
        case .callResult(let id, let payload):
            array = [.integer(3), .string(id), .object(payload)]
        case .callError(let id, let error):
            array = [.integer(4), .string(id), .string(error.code.rawValue), .string(error.description), .object(error.details)]
        }
        return JSONWriter.string(.array(array))
    }
}
