import Audit
import CPMS
import Foundation
import OCPP
import Remediation
import ServiceLog
import Transport

/// `POST /api/v1/stations/{id}/commands`: an operator's own command to a station (reset,
/// unlock, enable, disable, trigger, remote start and stop), sent at once through the
/// station's live connection and put on the audit trail with who asked and why, before it is
/// sent and with its outcome. The executor's automatic gates do not apply: a person decided —
/// except one: a station with a fault open that the catalogue says is never reset (ground
/// fault, welded contactor …) is reset only with `"force": true` and a `"reason"`, and the
/// forcing is audited with who and why (409 otherwise; 503 when the open faults cannot be read).
///
/// Body: `{"command": "reset", "type": "hard", "connector": 1, "message": "StatusNotification",
/// "idTag": "CARD-1", "transactionId": "42", "key": "HeartbeatInterval", "value": "300",
/// "by": "dana", "reason": "…", "force": true}`. `GET /api/v1/stations/{id}/configuration?key=A,B` reads
/// settings (1.6 keys, all when none given; 2.0.1 `Component.Variable`). Values of secret settings
/// (`SecretSettings`: AuthorizationKey, BasicAuthPassword …) are sent to the station as given and
/// appear everywhere else — audit trail, answer, CLI output — as `«redacted, N chars»`.
enum CommandRoutes {
    static func route(_ router: inout Router, store: StationStore, commands service: CommandService, auditor: Auditor, auth: APIAuth,
                      safety: NeverResetCheck, log: Log) {
        /// 404 for a station neither in the registry nor connected here, before anything is audited.
        @Sendable func unknown(_ station: String) async -> HTTPResponse? {
            if await service.connections.connection(for: station) != nil { return nil }
            do {
                if try await store.registration(of: station) != nil { return nil }
            } catch {
                return APIError.internalError(error, context: "looking up station \(station)", log: log).response
            }
            return APIError(.notFound, "no station \(station)").response
        }
        router.on("POST", "/api/v1/stations/{id}/commands", auth: auth, needs: .operator) { request, user in
            let station = request.pathParameters["id"] ?? ""
            if let unknown = await unknown(station) { return unknown }
            func reply(_ status: HTTPStatus, _ fields: [(String, JSONValue)]) -> HTTPResponse {
                .json(status, Array(JSONWriter.string(.object(JSONObject(fields))).utf8))
            }
            func refuse(_ code: APIError.Code, _ message: String) -> HTTPResponse { APIError(code, message).response }
            guard case .object(let body)? = try? JSONParser.parse(request.body) else {
                return refuse(.invalidBody, "the body must be a JSON object")
            }
            func text(_ key: String) -> String? { if case .string(let value)? = body[key] { return value } else { return nil } }
            // The command first (an unknown one is `unknown_command`, whatever else is missing),
            // then who asks: with API users the token says; without, the body must.
            let parsed: OperatorCommandBody
            switch OperatorCommandBody.parse(body) {
            case .success(let body): parsed = body
            case .failure(let problem): return refuse(problem.code, problem.message)
            }
            guard let person = user?.name ?? text("by").flatMap({ $0.isEmpty ? nil : $0 }) else {
                return refuse(.missingField, "say who asks: \"by\"")
            }
            let (name, command) = (parsed.name, parsed.command)
            // What the station's schema would refuse is the operator's mistake, told before
            // anything is sent or audited (the version of its connection, else its last boot).
            let version: OCPPVersion?
            if let connection = await service.connections.connection(for: station) {
                version = connection.version
            } else {
                version = (try? await store.station(station))?.ocppVersion.flatMap(OCPPVersion.init(rawValue:))
            }
            if let version, let problem = command.schemaProblem(for: version) {
                return refuse(.invalidBody, problem)
            }
            var label = parsed.label
            var details = text("reason") ?? "no reason given"
            if name == "reset" {
                let forced = body["force"] == .bool(true)
                let reason = text("reason").flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
                if forced && reason == nil {
                    return refuse(.missingField, "\"force\" needs a \"reason\": it goes on the audit trail")
                }
                do {
                    if let (fault, entry) = try await safety.openFault(station: station) {
                        let open = NeverResetCheck.describe(station: station, fault: fault, entry: entry)
                        guard forced else {
                            await auditor.record(AuditRecord(kind: "operator", actor: person, station: station, action: "manual \(label)",
                                                             outcome: "refused", details: "\(open); not forced"))
                            return refuse(.safetyFaultOpen, "\(open), which is never reset automatically; a reset needs \"force\": true and a \"reason\" (vigil stations command \(station) reset --force --reason …)")
                        }
                        label += " (forced past an open safety fault)"
                        details = "forced by \(person): \(reason ?? ""); \(open)"
                    }
                } catch {
                    guard forced else {
                        let failure = APIError.internalError(error, context: "reading the open faults of \(station)", log: log)
                        var refusal = APIError(.faultsUnreadable,
                                               "cannot read the open faults of \(station) (server log, request \(failure.requestId ?? "?")); "
                                               + "a reset needs \"force\": true and a \"reason\" until they can be read")
                        refusal.requestId = failure.requestId
                        return refusal.response
                    }
                    label += " (forced; open faults unreadable)"
                    details = "forced by \(person): \(reason ?? ""); the open faults could not be read: \(error)"
                }
            }
            await auditor.record(AuditRecord(kind: "operator", actor: person, station: station, action: "manual \(label)", outcome: "sending",
                                             details: details))
            let connectedBefore = await service.isReachable(station)
            let outcome = await service.send(command, to: station)
            let (word, failure): (String, APIError.Code?) = {
                switch outcome {
                case .accepted: return ("accepted", nil)
                case .scheduled: return ("scheduled", nil)
                case .rejected(let why): return ("rejected: \(why)", .commandRejected)
                case .timedOut: return ("timed out", .stationTimeout)
                // Connected when it was sent, gone before its answer (a reset often drops the
                // socket at once): not "never sent" — the station may have acted on it.
                case .notConnected where connectedBefore:
                    return ("connection lost before the answer (sent: the station may have acted on it)", .notConnected)
                case .notConnected: return ("not connected", .notConnected)
                case .failed(let why): return ("failed: \(why)", .stationFailed)
                }
            }()
            await auditor.record(AuditRecord(kind: "outcome", actor: station, station: station, action: "manual \(label)", outcome: word,
                                             details: "asked by \(person)"))
            let fields: [(String, JSONValue)] = [("station", .string(station)), ("command", .string(label)), ("outcome", .string(word))]
            guard let failure else { return reply(.ok, fields) }
            // Not a success: the error shape too, so clients read every failure the same way.
            return reply(failure.status, fields + APIError(failure, "\(station): \(label) → \(word)").fields)
        }
        // Operator access: a full GetConfiguration makes some firmware reboot (ABB Terra AC ≤ 1.8.21).
        router.on("GET", "/api/v1/stations/{id}/configuration", auth: auth, needs: .operator) { request, _ in
            let station = request.pathParameters["id"] ?? ""
            if let unknown = await unknown(station) { return unknown }
            let keys = (request.query["key"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            func reply(_ status: HTTPStatus, _ fields: [(String, JSONValue)]) -> HTTPResponse {
                .json(status, Array(JSONWriter.string(.object(JSONObject(fields))).utf8))
            }
            func refuse(_ code: APIError.Code, _ message: String) -> HTTPResponse { APIError(code, message).response }
            switch await service.readConfiguration(of: station, keys: keys) {
            case .settings(let settings, let unknown):
                let rows = settings.map { setting -> JSONValue in
                    .object(JSONObject([("key", .string(setting.key)), ("value", setting.value.map { .string(SecretSettings.recordable($0, key: setting.key)) } ?? .null),
                                        ("readonly", .bool(setting.readonly)), ("status", .string(setting.status))]))
                }
                return reply(.ok, [("station", .string(station)), ("settings", .array(rows)), ("unknown", .array(unknown.map { .string($0) }))])
            case .notConnected: return APIError(.notConnected, "\(station) is not connected").response
            case .timedOut: return APIError(.stationTimeout, "\(station) did not answer in time").response
            case .failed(let why): return APIError(.stationFailed, why).response
            }
        }
    }
}

/// The commands an operator can send a station (`POST /api/v1/stations/{id}/commands`,
/// `vigil stations command`), so the CLI refuses a misspelt one before asking the server.
public enum StationCommandNames {
    public static let all = ["reset", "unlock", "enable", "disable", "trigger", "start", "stop", "configure"]
}
