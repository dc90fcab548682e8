import Foundation
import Fraud
import RuleEngine

/// The HTTP API described in OpenAPI 3.1 (`GET /api/v1/openapi.json`): every route `APIRoutes`,
/// `CommandRoutes`, `LiveRoutes` and the dashboard register — a test holds the two to each other, both ways — with the
/// access each needs, its parameters, bodies, answers and the error shape (docs/security.md
/// lists the error codes).
enum OpenAPIDocument {
    /// One operation: who may call it and what it takes and gives.
    struct Operation {
        var method: String
        var path: String
        var summary: String
        /// `open`, or an `APIAccess`: `viewer`, `operator`, `auditor`, `admin`.
        var access: String
        var query: [(name: String, description: String, type: String)] = []
        var body: [String: Any]? = nil
        var answer: (status: String, description: String, schema: [String: Any])
        var errors: [String] = []
    }

    /// The query parameters each GET route takes, from its operation: a request naming any
    /// other (`statoin=CP-1`) is refused with 400 rather than answered as if it had named none.
    static let queryParameters: [String: Set<String>] = {
        var parameters: [String: Set<String>] = [:]
        for operation in operations where operation.method == "GET" {
            parameters[operation.path, default: []].formUnion(operation.query.map(\.name))
        }
        return parameters
    }()

    static let limit = ("limit", "How many, newest first (1…maximum; else 400 invalid_parameter).", "integer")

    static var operations: [Operation] { [
        Operation(method: "GET", path: "/api/v1/health", summary: "Liveness, whether the API needs tokens, the event log and its consumers' lag.",
                  access: "open", answer: ("200", "Healthy.", object(["status": string, "apiAuth": string, "eventLog": anyObject,
                                                                       "eventConsumers": ["type": "array", "items": anyObject], "node": anyObject]))),
        Operation(method: "GET", path: "/metrics", summary: "The service in the Prometheus text format (docs/operator-guide.md).",
                  access: "open", answer: ("200", "Prometheus text exposition 0.0.4.", string)),
        Operation(method: "GET", path: "/api/v1/openapi.json", summary: "This document.", access: "open",
                  answer: ("200", "OpenAPI 3.1.", anyObject)),
        Operation(method: "GET", path: "/api/v1/stations", summary: "Every station with its connectors' live status.", access: "viewer",
                  query: [("limit", "How many, the first by id (1…100000, default 1000); the X-Total-Count header says how many there are.", "integer")],
                  answer: ("200", "Stations.", ["type": "array", "items": ref("Station")]), errors: ["400"]),
        Operation(method: "GET", path: "/api/v1/stations/{id}", summary: "One station with its connectors.", access: "viewer",
                  answer: ("200", "The station, with `openFaults`: every fault open at it (evse 0: the station itself; a 2.0.1 NotifyEvent problem is on no connector's status).",
                           ref("Station")), errors: ["400", "404"]),
        Operation(method: "GET", path: "/api/v1/stations/{id}/configuration",
                  summary: "The station's configuration keys, asked of it live (GetConfiguration / GetVariables; operator access: a full read makes some firmware reboot).",
                  access: "operator", query: [("key", "Comma-separated keys; all when absent.", "string")],
                  answer: ("200", "Keys and values as the station answered (secret settings masked).", anyObject), errors: ["404", "409", "504"]),
        Operation(method: "POST", path: "/api/v1/stations/{id}/commands", summary: "An operator's command to the station (audited with who and why).",
                  access: "operator",
                  body: object(["command": ["type": "string", "enum": StationCommandNames.all],
                                "type": ["type": "string", "enum": ["soft", "hard"], "description": "reset only; soft when absent"],
                                "connector": ["type": "integer", "minimum": 1,
                                              "description": "disable, enable, unlock (required), trigger, start; absent: the whole station"],
                                "message": ["type": "string", "enum": TriggerableMessages.names, "description": "trigger only; StatusNotification when absent"],
                                "idTag": ["type": "string", "description": "start only (required)"],
                                "transactionId": ["type": ["string", "integer"], "description": "stop only (required)"],
                                "key": ["type": "string", "description": "configure only (required)"],
                                "value": ["type": "string", "description": "configure only (required)"],
                                "reason": string, "force": ["type": "boolean", "description": "reset only; needs a reason"], "by": string],
                               required: ["command"], closed: true),
                  answer: ("200", "The station's answer: `command` names what was sent (as the audit trail does), `outcome` is accepted or scheduled.",
                           object(["station": string, "command": string, "outcome": string])),
                  errors: ["400", "404", "409", "415", "502", "503", "504"]),
        Operation(method: "GET", path: "/api/v1/sessions",
                  summary: "Charging sessions, newest first, a page at a time: when more match, `X-Next-Before` and `Link: <…>; rel=\"next\"` give the next page.",
                  access: "viewer",
                  query: [("station", "Only this station's.", "string"), ("site", "Only this site's stations'.", "string"),
                          ("status", "active or completed.", "string"), ("idToken", "Only sessions authorised with this token.", "string"),
                          ("from", "Started at or after (RFC 3339 with a zone).", "string"), ("to", "Started before (RFC 3339 with a zone).", "string"),
                          ("before", "The cursor: only sessions with a smaller id (the previous page's X-Next-Before).", "integer"),
                          ("limit", "Page size (1…1000, default 100).", "integer")],
                  answer: ("200", "Sessions.", ["type": "array", "items": ref("Session")]), errors: ["400", "404"]),
        Operation(method: "GET", path: "/api/v1/sessions/{id}", summary: "One session with its meter samples.", access: "viewer",
                  answer: ("200", "The session, with `samples`.", ref("Session")), errors: ["400", "404"]),
        Operation(method: "GET", path: "/api/v1/sessions/{id}/evidence",
                  summary: "The session's dispute evidence pack (docs/billing.md, \"Evidence pack\"): session, authorisation, meter samples, CDR and tariff version or why not priced, the station's frames, status changes and faults in the session's window, remediation with audit entries, the audit chain's head; `contentHash` is the SHA-256 of the canonical form without it. `format=html` gives the printable page with the pack embedded.",
                  access: "viewer", query: [("format", "json (default) or html.", "string")],
                  answer: ("200", "The evidence pack (`complete` is false while the session runs).",
                           object(["format": string, "version": integer, "complete": ["type": "boolean"], "contentHash": string,
                                   "sectionHashes": anyObject, "session": anyObject, "authorization": anyObject, "meterSamples": ["type": "array"],
                                   "billing": anyObject, "frames": anyObject, "statusChanges": ["type": "array"], "faults": ["type": "array"],
                                   "remediation": anyObject, "audit": anyObject])),
                  errors: ["400", "404"]),
        Operation(method: "GET", path: "/api/v1/billing/cdrs",
                  summary: "Charge detail records of sessions that stopped in the period, oldest first, a page at a time: when more match, `X-Next-After` and `Link: <…>; rel=\"next\"` give the next page; `cdr` is the record exactly as hashed (money in minor units).",
                  access: "viewer",
                  query: [("from", "Stopped at or after (RFC 3339 with a zone).", "string"), ("to", "Stopped before (RFC 3339 with a zone).", "string"),
                          ("site", "Only this site's CDRs.", "string"), ("limit", "At most this many (1…1000, default 100).", "integer"),
                          ("after", "The cursor: the CDRs after this one (the previous page's X-Next-After).", "integer")],
                  answer: ("200", "CDRs.", ["type": "array", "items": object(["id": integer, "contentHash": string, "createdAt": string,
                                                                               "cdr": ["type": "object"]])]),
                  errors: ["400"]),
        Operation(method: "GET", path: "/api/v1/fraud",
                  summary: "Fraud and integrity signals (docs/billing.md), newest first: concurrent use of a token, a token at a site it is not allowed at, offline starts with bad tokens, meter register anomalies, authorisation bursts and probing.",
                  access: "viewer",
                  query: [("from", "Found at or after (RFC 3339 with a zone).", "string"), ("to", "Found before (RFC 3339 with a zone).", "string"),
                          ("station", "Only this station's signals.", "string"),
                          ("kind", "Only this signal: " + FraudSignal.Kind.allCases.map(\.rawValue).joined(separator: ", ") + ".", "string"),
                          ("limit", "At most this many (1…1000, default 100).", "integer")],
                  answer: ("200", "Signals.", ["type": "array", "items": object(["signal": string, "key": string, "station": string, "time": string,
                                                                                  "connector": integer, "session": integer, "transactionId": string,
                                                                                  "idTag": string, "detail": ["type": "object"]])]),
                  errors: ["400"]),
        Operation(method: "GET", path: "/api/v1/maintenance",
                  summary: "The configured maintenance windows, each with whether it is open (no automatic command; availability counts it as maintenance).",
                  access: "viewer",
                  query: [("station", "Windows covering this station (its own, its site's, the network's).", "string"),
                          ("site", "Windows of this site, its stations and the network.", "string"),
                          ("at", "When `open` is judged (RFC 3339 with a zone; default now).", "string")],
                  answer: ("200", "Windows.", ["type": "array", "items": object(["from": string, "to": string, "open": ["type": "boolean"],
                                                                                  "station": string, "site": string])]),
                  errors: ["400", "404"]),
        Operation(method: "GET", path: "/api/v1/decisions", summary: "What the rules decided, each with its id first.", access: "viewer",
                  query: [("station", "Only this station's.", "string"), ("rule", "Only this rule's.", "string"),
                          ("from", "Decided at or after (RFC 3339 with a zone).", "string"), ("to", "Decided at or before.", "string"),
                          (limit.0, limit.1, limit.2)],
                  answer: ("200", "Decisions (docs/rules.md, decision JSON).", ["type": "array", "items": anyObject]), errors: ["400", "404"]),
        Operation(method: "GET", path: "/api/v1/stations/{id}/history", summary: "A station's status reports, in the order the charger made them.",
                  access: "viewer", query: [(limit.0, limit.1, limit.2)],
                  answer: ("200", "Status reports, oldest first.", ["type": "array", "items": anyObject]), errors: ["400", "404"]),
        Operation(method: "GET", path: "/api/v1/stations/{id}/messages", summary: "A station's latest raw OCPP frames, oldest first (the message log).",
                  access: "viewer", query: [(limit.0, limit.1, limit.2)],
                  answer: ("200", "Frames: direction (in: from the station, out: from Vigil), at, text.",
                           ["type": "array", "items": object(["direction": string, "at": string, "text": string])]), errors: ["400", "404"]),
        Operation(method: "GET", path: "/api/v1/commands", summary: "Remediation commands with where each verification stands.",
                  access: "viewer",
                  query: [("station", "Only this station's.", "string"), ("status", "A command status (pending, accepted, rejected, timedOut …).", "string"),
                          ("from", "Created at or after (RFC 3339 with a zone).", "string"), ("to", "Created at or before.", "string"),
                          (limit.0, limit.1, limit.2)],
                  answer: ("200", "Commands, oldest first.", ["type": "array", "items": anyObject]), errors: ["400", "404"]),
        Operation(method: "GET", path: "/api/v1/alerts", summary: "Alerts, open and resolved.", access: "viewer",
                  query: [("status", "open or resolved.", "string"), (limit.0, limit.1, limit.2)],
                  answer: ("200", "Alerts.", ["type": "array", "items": anyObject]), errors: ["400"]),
        Operation(method: "GET", path: "/api/v1/alerts/deliveries", summary: "Webhook deliveries of alerts (the outbox).", access: "viewer",
                  query: [("status", "pending, delivered or dead.", "string"), (limit.0, limit.1, limit.2)],
                  answer: ("200", "Deliveries.", ["type": "array", "items": anyObject]), errors: ["400"]),
        Operation(method: "GET", path: "/api/v1/silences", summary: "Alert silences in force (all with all=true).", access: "viewer",
                  query: [("all", "true: ended ones too.", "boolean")],
                  answer: ("200", "Silences.", ["type": "array", "items": anyObject])),
        Operation(method: "GET", path: "/api/v1/metrics/availability",
                  summary: "Connector availability over a range with downtime by cause (maintenance > offline > faulted > unavailable; docs/operator-guide.md, Reliability metrics).",
                  access: "viewer",
                  query: [("station", "Only this station's connectors.", "string"), ("site", "Only this site's stations' connectors.", "string"),
                          ("from", "RFC 3339 with a zone; default 24 h before `to`.", "string"), ("to", "RFC 3339 with a zone; default now.", "string")],
                  answer: ("200", "Per connector, per station, per site and in total: totalSeconds, availableSeconds, availability, downtimeSeconds by cause, neverConnected.",
                           object(["from": string, "to": string, "connectors": ["type": "array", "items": anyObject],
                                   "stations": ["type": "array", "items": anyObject], "sites": ["type": "array", "items": anyObject],
                                   "total": anyObject])),
                  errors: ["400", "404"]),
        Operation(method: "GET", path: "/api/v1/metrics/sessions",
                  summary: "Session count, success rate (docs/operator-guide.md, Reliability metrics), failures by reason, energy, durations, utilisation and peak hours in the site's time zone.",
                  access: "viewer",
                  query: [("station", "Only this station's sessions.", "string"), ("site", "Only this site's stations' sessions.", "string"),
                          ("from", "RFC 3339 with a zone; default 24 h before `to`.", "string"), ("to", "RFC 3339 with a zone; default now.", "string"),
                          ("minEnergyKWh", "The least energy a successful session delivers (≥ 0, default 0.1).", "number")],
                  answer: ("200", "The scope's figures with peakHours, then per station and per site.",
                           object(["from": string, "to": string, "scope": anyObject, "timeZone": ["type": ["string", "null"]],
                                   "sessions": integer, "active": integer, "successful": integer, "successRate": ["type": ["number", "null"]],
                                   "failures": anyObject, "energyKWh": ["type": "number"], "minEnergyKWh": ["type": "number"],
                                   "meanDurationSeconds": ["type": ["number", "null"]], "medianDurationSeconds": ["type": ["number", "null"]],
                                   "chargingShare": ["type": ["number", "null"]], "occupiedShare": ["type": ["number", "null"]],
                                   "availableSeconds": ["type": "number"], "chargingSeconds": ["type": "number"],
                                   "occupiedSeconds": ["type": "number"], "peakHours": anyObject,
                                   "stations": ["type": "array", "items": anyObject], "sites": ["type": "array", "items": anyObject]])),
                  errors: ["400", "404"]),
        Operation(method: "GET", path: "/api/v1/metrics/errors",
                  summary: "The most frequent fault codes per site, vendor and code, with the catalogue title, first and last seen, mean time to recovery and between faults.",
                  access: "viewer",
                  query: [("station", "Only this station's faults.", "string"), ("site", "Only this site's stations' faults.", "string"),
                          ("from", "RFC 3339 with a zone; default 24 h before `to`.", "string"), ("to", "RFC 3339 with a zone; default now.", "string"),
                          ("limit", "How many codes, most frequent first (1…1000, default 20).", "integer")],
                  answer: ("200", "Codes, most frequent first.",
                           object(["from": string, "to": string, "errors": ["type": "array", "items": anyObject]])),
                  errors: ["400", "404"]),
        Operation(method: "GET", path: "/api/v1/metrics/remediation",
                  summary: "Remediation actions per rule and per vendor/model, the share verification judged recovered, and median recovery with and without a Vigil action.",
                  access: "viewer",
                  query: [("site", "Only this site's stations.", "string"),
                          ("from", "RFC 3339 with a zone; default 24 h before `to`.", "string"), ("to", "RFC 3339 with a zone; default now.", "string")],
                  answer: ("200", "byRule, byModel and the two medians.",
                           object(["from": string, "to": string, "byRule": ["type": "array", "items": anyObject],
                                   "byModel": ["type": "array", "items": anyObject],
                                   "medianRecoveryWithActionSeconds": ["type": ["number", "null"]],
                                   "medianRecoveryWithoutActionSeconds": ["type": ["number", "null"]]])),
                  errors: ["400", "404"]),
        Operation(method: "GET", path: "/api/v1/sites",
                  summary: "Every site (configured, or named by a station) with its name, time zone, stations, connectors by live status and stations online; `unassigned` counts the stations without a site.",
                  access: "viewer",
                  answer: ("200", "Sites and the unassigned stations' counts.",
                           object(["sites": ["type": "array", "items": ref("Site")], "unassigned": anyObject]))),
        Operation(method: "GET", path: "/api/v1/sites/{id}", summary: "One site with its counts and station ids.", access: "viewer",
                  answer: ("200", "The site.", ref("Site")), errors: ["404"]),
        Operation(method: "GET", path: "/api/v1/audit", summary: "Audit entries a filter selects, with their hashes (docs/audit.md).",
                  access: "auditor",
                  query: [("from", "RFC 3339 with a zone; the offset is honoured.", "string"), ("to", "RFC 3339 with a zone.", "string"),
                          ("station", "", "string"), ("site", "", "string"), ("rule", "", "string"), ("action", "A prefix.", "string"),
                          ("outcome", "One Vigil writes or one on record (else 400 naming them).", "string"), ("actor", "", "string"),
                          ("kind", "alert, command, decision, operator, outcome, system, token or verification.", "string"),
                          (limit.0, limit.1, limit.2)],
                  answer: ("200", "Entries, oldest first; `details` nested when JSON (`detailsText` the hashed text).",
                           ["type": "array", "items": anyObject]), errors: ["400", "404"]),
        Operation(method: "GET", path: "/api/v1/audit/export", summary: "The verifiable export (`vigil audit verify --file` checks it offline).",
                  access: "auditor",
                  query: [("format", "jsonl (default) or csv.", "string"), ("bom", "true: a UTF-8 byte order mark (csv only).", "boolean"),
                          ("selectedOnly", "true: leave out the entries linking a filtered selection to its checkpoints.", "boolean"),
                          ("from", "", "string"), ("to", "", "string"), ("station", "", "string"), ("kind", "", "string"),
                          ("site", "", "string"), ("rule", "", "string"), ("action", "", "string"), ("outcome", "", "string"),
                          ("actor", "", "string")],
                  answer: ("200", "JSON lines (application/x-ndjson) or CSV.", string), errors: ["400"]),
        Operation(method: "GET", path: "/api/v1/users", summary: "The API's users (never their tokens).", access: "admin",
                  answer: ("200", "Users.", ["type": "array", "items": object(["name": string, "access": string, "createdAt": string,
                                                                                "approves": ["type": "array", "items": string]])])),
        Operation(method: "GET", path: "/api/v1/rules", summary: "The loaded rules.", access: "viewer",
                  answer: ("200", "Rules.", ["type": "array", "items": object(["id": string, "hash": string, "mode": string,
                                                                                "enabled": ["type": "boolean"], "description": string])])),
        Operation(method: "POST", path: "/api/v1/approvals", summary: "Approve or reject a ladder paused at an approve rung.", access: "operator",
                  body: object(["rule": string, "target": string, "approved": ["type": "boolean"], "by": string, "role": string],
                               required: ["rule", "target", "approved"]),
                  answer: ("202", "Submitted to the rules.", object(["status": string])), errors: ["400", "403", "404", "409", "415", "503"]),
        Operation(method: "GET", path: "/api/v1/me", summary: "Who the caller is: its user and access, or role \"open\" while no API user exists.",
                  access: "viewer", answer: ("200", "The caller.", object(["user": string, "role": string, "approves": ["type": "array", "items": string]],
                                                                      required: ["role"]))),
        Operation(method: "GET", path: "/api/v1/stream",
                  summary: "Live updates as Server-Sent Events: `event: event` (a committed domain event with its sequence), `event: decision`, `event: alert`, "
                    + "a `: heartbeat` comment every 15 s, and a last `event: overflow` before a client too slow to keep up is disconnected. "
                    + "The one route that also takes its token as `?token=` (EventSource cannot send headers).",
                  access: "viewer", query: [("token", "The bearer token, for clients that cannot send an Authorization header.", "string")],
                  answer: ("200", "text/event-stream, until the client leaves or the server stops.", string), errors: ["503"]),
        Operation(method: "GET", path: "/", summary: "Redirects to the dashboard.", access: "open",
                  answer: ("302", "Location: /dashboard/.", string)),
        Operation(method: "GET", path: "/dashboard", summary: "The dashboard's page (docs/dashboard.md); its data comes from this API with the user's token.",
                  access: "open", answer: ("200", "HTML, with a strict Content-Security-Policy.", string)),
        Operation(method: "GET", path: "/dashboard/{asset}", summary: "The dashboard's scripts and style sheets, with ETag (304 on If-None-Match).",
                  access: "open", answer: ("200", "JavaScript or CSS.", string), errors: ["404"]),
    ] }

    static var string: [String: Any] { ["type": "string"] }
    static var integer: [String: Any] { ["type": "integer"] }
    static var anyObject: [String: Any] { ["type": "object"] }
    static func ref(_ name: String) -> [String: Any] { ["$ref": "#/components/schemas/\(name)"] }
    /// An object schema; `closed`: no other member is taken (the route answers 400 for one).
    static func object(_ properties: [String: [String: Any]], required: [String] = [], closed: Bool = false) -> [String: Any] {
        var schema: [String: Any] = ["type": "object", "properties": properties]
        if !required.isEmpty { schema["required"] = required }
        if closed { schema["additionalProperties"] = false }
        return schema
    }

    static let errorDescriptions = ["400": "Invalid request (see `code`).", "401": "Missing or unknown token.", "403": "Not allowed (role, Host or Origin).",
                                    "404": "Not found.", "409": "Refused in the current state.", "415": "The body must be application/json.",
                                    "500": "Internal error (the body carries a request id only).", "502": "The station answered with an error.",
                                    "503": "A check could not be made (fails closed), or the event stream is full.", "504": "The station did not answer in time."]

    /// The document, as JSON text.
    static var json: String {
        var paths: [String: [String: Any]] = [:]
        for operation in operations {
            var responses: [String: Any] = [operation.answer.status: [
                "description": operation.answer.description,
                "content": [Self.mediaType(operation.path): ["schema": operation.answer.schema]],
            ]]
            var errors = operation.errors + ["500"]
            if operation.access != "open" { errors += ["401", "403"] }
            // What every route checks besides its own errors: a GET refuses a query parameter it
            // does not take, a station path an id not in canonical form (`invalid_parameter`,
            // `invalid_station_id`: 400).
            if operation.method == "GET" || operation.path.contains("/stations/{id}") { errors += ["400"] }
            for status in Set(errors) {
                responses[status] = ["description": errorDescriptions[status] ?? "Error.",
                                     "content": ["application/json": ["schema": ref("Error")]]]
            }
            var entry: [String: Any] = ["summary": operation.summary, "responses": responses, "x-vigil-access": operation.access,
                                        "operationId": operationId(operation)]
            var parameters: [[String: Any]] = operation.query.map {
                ["name": $0.name, "in": "query", "required": false, "description": $0.description, "schema": ["type": $0.type]]
            }
            for name in pathParameters(operation.path) {
                parameters.append(["name": name, "in": "path", "required": true, "schema": string])
            }
            if !parameters.isEmpty { entry["parameters"] = parameters }
            if let body = operation.body {
                entry["requestBody"] = ["required": true, "content": ["application/json": ["schema": body]]]
            }
            entry["security"] = operation.access == "open" ? [[String: Any]]() : [["bearer": [String]()]]
            paths[operation.path, default: [:]][operation.method.lowercased()] = entry
        }
        let document: [String: Any] = [
            "openapi": "3.1.0",
            "info": ["title": "Vigil HTTP API", "version": "1",
                     "description": "Charge-point management: stations, sessions, rule decisions, approvals and operator commands. "
                        + "Once an API user exists every route but the open ones needs `Authorization: Bearer TOKEN`; "
                        + "`x-vigil-access` names the access a route needs (viewer: reads; operator: commands and approvals; "
                        + "auditor: the audit trail besides a viewer's reads; admin: everything, users included)."],
            "paths": paths,
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]],
                "schemas": [
                    "Error": object(["error": string, "code": string, "requestId": string], required: ["error", "code"]),
                    "Connector": object(["evse": integer, "connector": integer, "status": string, "errorCode": ["type": ["string", "null"]],
                                         "vendorErrorCode": ["type": ["string", "null"]], "info": ["type": ["string", "null"]],
                                         "updatedAt": string]),
                    "Site": object(["id": string, "name": string, "timeZone": string, "stations": integer, "connectors": anyObject,
                                    "online": integer, "offline": integer, "stationIds": ["type": "array", "items": string]]),
                    "Session": object(["id": integer, "station": string, "evse": integer, "connector": integer, "transactionRef": string,
                                       "idToken": ["type": ["string", "null"]], "authorization": ["type": ["string", "null"]],
                                       "startTime": string, "stopTime": ["type": ["string", "null"]], "active": ["type": "boolean"],
                                       "meterStartWh": ["type": ["number", "null"]], "meterStopWh": ["type": ["number", "null"]],
                                       "energyWh": ["type": ["number", "null"]], "stopReason": ["type": ["string", "null"]],
                                       "anomalies": ["type": "array", "items": string], "errors": ["type": "array", "items": string],
                                       "samples": ["type": "array", "items": anyObject]]),
                    "Station": object(["id": string, "vendor": ["type": ["string", "null"]], "model": ["type": ["string", "null"]],
                                       "serial": ["type": ["string", "null"]], "firmware": ["type": ["string", "null"]],
                                       "ocppVersion": ["type": ["string", "null"]],
                                       "online": ["type": "boolean"], "registration": string, "site": ["type": ["string", "null"]],
                                       "lastSeen": ["type": ["string", "null"]], "lastBoot": ["type": ["string", "null"]],
                                       "securityProfile": ["type": ["integer", "null"]], "openFaults": ["type": "array", "items": anyObject],
                                       "connectors": ["type": "array", "items": ref("Connector")]]),
                ],
            ],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func mediaType(_ path: String) -> String {
        switch path {
        case "/metrics": return "text/plain"
        case "/api/v1/audit/export": return "application/x-ndjson"
        case "/api/v1/stream": return "text/event-stream"
        case "/", "/dashboard": return "text/html"
        case "/dashboard/{asset}": return "text/javascript"
        default: return "application/json"
        }
    }

    static func pathParameters(_ path: String) -> [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { String($0.dropFirst().dropLast()) }
    }

    static func operationId(_ operation: Operation) -> String {
        let words = operation.path.split(separator: "/").filter { $0 != "api" && $0 != "v1" }
            .map { $0.hasPrefix("{") ? "By" + $0.dropFirst().dropLast().capitalized : $0.capitalized }
        return operation.method.lowercased() + words.joined().replacingOccurrences(of: ".", with: "").replacingOccurrences(of: "-", with: "")
    }
}
