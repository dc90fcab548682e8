import CPMS
import OCPP
import RuleEngine

/// An operator's command as `POST /api/v1/stations/{id}/commands` takes it, checked before
/// anything is audited or sent (and by `vigil stations command` before it asks the server):
/// every field known and meant for the command, each of its type. A misspelt `"conector"`, a
/// connector given as `"1"` or `1.5`, or a reset `"type": "bogus"` is an error — taken as
/// absent, each once sent a command to the whole station, or a soft reset for a hard one
/// (`"HARD"` is read as `hard`: the letter case is not a mistake worth refusing).
///
/// The label names what is sent, for the audit trail and the answer: `reset hard`,
/// `disable connector 2`, `trigger Heartbeat connector 1`, `start idTag CARD-1`,
/// `stop transaction 42`, `configure HeartbeatInterval=300` (a secret setting's value redacted).
public struct OperatorCommandBody: Sendable {
    public let name: String
    public let command: StationCommand
    public let label: String

    /// Why a body is refused: the API's error code and a sentence naming the field.
    public struct Problem: Error, Sendable {
        public let code: APIError.Code
        public let message: String
    }

    /// Fields every command takes.
    static let commonFields = ["command", "by", "reason"]

    /// The fields each command takes besides the common ones.
    public static let fields: [String: [String]] = [
        "reset": ["type", "force"],
        "enable": ["connector"], "disable": ["connector"],
        "unlock": ["connector"],
        "trigger": ["message", "connector"],
        "start": ["idTag", "connector"],
        "stop": ["transactionId"],
        "configure": ["key", "value"],
    ]

    public static func parse(_ body: JSONObject) -> Result<OperatorCommandBody, Problem> {
        func refuse(_ code: APIError.Code, _ message: String) -> Result<OperatorCommandBody, Problem> {
            .failure(Problem(code: code, message: message))
        }
        guard case .string(let name)? = body["command"], let own = fields[name] else {
            // `{"action": "reset"}`: the field is misnamed, not the command unknown — say that first.
            let known = Set(commonFields + fields.values.flatMap { $0 })
            if body["command"] == nil, let stray = body.members.map(\.key).first(where: { !known.contains($0) }) {
                return refuse(.invalidBody, "unknown field \"\(stray)\"; the command is named by \"command\", one of \(StationCommandNames.all.joined(separator: ", "))")
            }
            return refuse(.unknownCommand, "\"command\" must be one of \(StationCommandNames.all.joined(separator: ", "))")
        }
        let allowed = commonFields + own
        if let stray = body.members.map(\.key).first(where: { !allowed.contains($0) }) {
            let meantFor = fields.filter { $0.value.contains(stray) }.map(\.key).sorted()
            let hint = meantFor.isEmpty ? "" : " (it belongs to \(meantFor.joined(separator: ", ")))"
            let takes = (own + ["by", "reason"]).map { "\"\($0)\"" }.joined(separator: ", ")
            return refuse(.invalidBody, "\(name) takes no \"\(stray)\"\(hint); it takes \(takes)")
        }
        for key in ["by", "reason", "type", "message", "idTag", "key", "value"] {
            switch body[key] {
            case nil, .null?, .string?: continue
            default: return refuse(.invalidBody, "\"\(key)\" must be a string")
            }
        }
        if let force = body["force"], force != .bool(true), force != .bool(false) {
            return refuse(.invalidBody, "\"force\" must be true or false")
        }
        func text(_ key: String) -> String? { if case .string(let value)? = body[key] { return value } else { return nil } }
        // A connector is a whole number from 1; left out, the command is for the whole station.
        var connector: Int?
        if let value = body["connector"], value != .null {
            guard case .number(let number) = value, let whole = number.intValue, whole >= 1 else {
                return refuse(.invalidBody, "\"connector\" must be a whole number from 1 (leave it out for the whole station), got \(JSONWriter.string(value))")
            }
            connector = whole
        }
        let at = connector.map { " connector \($0)" } ?? ""
        switch name {
        case "reset":
            let type = text("type")?.lowercased() ?? "soft"
            guard type == "soft" || type == "hard" else {
                return refuse(.invalidBody, "\"type\" must be \"soft\" or \"hard\", got \(text("type")?.debugDescription ?? "")")
            }
            return .success(OperatorCommandBody(name: name, command: .reset(hard: type == "hard"), label: "reset \(type)"))
        case "enable", "disable":
            return .success(OperatorCommandBody(name: name, command: .changeAvailability(evse: connector, operative: name == "enable"),
                                                label: name + at))
        case "unlock":
            guard let connector else { return refuse(.missingField, "unlock needs \"connector\" (a whole number from 1)") }
            return .success(OperatorCommandBody(name: name, command: .unlockConnector(evse: connector, connector: 1), label: name + at))
        case "trigger":
            let message = text("message") ?? "StatusNotification"
            guard TriggerableMessages.names.contains(message) else {
                return refuse(.invalidBody, "\"message\" must be one of \(TriggerableMessages.names.joined(separator: ", ")), got \(message.debugDescription)")
            }
            return .success(OperatorCommandBody(name: name, command: .triggerMessage(message, evse: connector), label: "trigger \(message)\(at)"))
        case "start":
            guard let idTag = text("idTag"), !idTag.isEmpty else { return refuse(.missingField, "start needs \"idTag\"") }
            return .success(OperatorCommandBody(name: name, command: .remoteStart(idTag: idTag, evse: connector), label: "start idTag \(idTag)\(at)"))
        case "stop":
            let transaction: String
            switch body["transactionId"] {
            case .string(let value)? where !value.isEmpty: transaction = value
            case .number(let number)?:
                guard let whole = number.intValue else { return refuse(.invalidBody, "\"transactionId\" must be a string or a whole number") }
                transaction = String(whole)
            case nil, .null?: return refuse(.missingField, "stop needs \"transactionId\"")
            default: return refuse(.invalidBody, "\"transactionId\" must be a string or a whole number")
            }
            return .success(OperatorCommandBody(name: name, command: .remoteStop(transactionId: transaction), label: "stop transaction \(transaction)"))
        default:   // configure
            guard let key = text("key"), !key.isEmpty, let value = text("value") else {
                return refuse(.missingField, "configure needs \"key\" and \"value\"")
            }
            // A secret setting's value goes to the station only: the label (audit, answer) redacts it.
            return .success(OperatorCommandBody(name: name, command: .changeConfiguration(key: key, value: value),
                                                label: "configure \(key)=\(SecretSettings.recordable(value, key: key))"))
        }
    }
}
