import Foundation
import OCPP
import ServiceLog
import Transport

/// `vigil ocpp-harness`: a minimal central system for interoperability tests. It validates
/// every charger message against its schema (both versions), answers the charge-point
/// initiated actions with fixed valid responses, and lets a test make Vigil call a charger
/// through HTTP: `POST /call/{station}/{action}` with the JSON payload as body answers
/// `{"result": …}` (the charger's validated response) or `{"error": …}` with status 502.
struct OCPPHarnessCommand {
    let ocppAddress: SocketAddress
    let httpAddress: SocketAddress

    init(arguments: [String]) throws(UsageError) {
        let parsed = Arguments(arguments)
        try parsed.rejectUnknown(allowed: ["ocpp", "http"])
        guard let ocpp = SocketAddress.parse(parsed.value("ocpp") ?? "127.0.0.1:0"),
              let http = SocketAddress.parse(parsed.value("http") ?? "127.0.0.1:0") else {
            throw UsageError("--ocpp and --http must be HOST:PORT")
        }
        ocppAddress = ocpp
        httpAddress = http
    }

    /// Fixed responses for the actions a charger initiates; `{now}` becomes the current time.
    static let responses: [OCPPVersion: [String: String]] = [
        .v16: [
            "BootNotification": #"{"status":"Accepted","currentTime":"{now}","interval":300}"#,
            "Heartbeat": #"{"currentTime":"{now}"}"#,
            "StatusNotification": "{}",
            "Authorize": #"{"idTagInfo":{"status":"Accepted"}}"#,
            "StartTransaction": #"{"transactionId":{transactionId},"idTagInfo":{"status":"Accepted"}}"#,
            "StopTransaction": #"{"idTagInfo":{"status":"Accepted"}}"#,
            "MeterValues": "{}",
            "DataTransfer": #"{"status":"Accepted"}"#,
            "DiagnosticsStatusNotification": "{}",
            "FirmwareStatusNotification": "{}",
            "SecurityEventNotification": "{}",
            "SignCertificate": #"{"status":"Accepted"}"#,
            "LogStatusNotification": "{}",
            "SignedFirmwareStatusNotification": "{}",
        ],
        .v201: [
            "BootNotification": #"{"currentTime":"{now}","interval":300,"status":"Accepted"}"#,
            "Heartbeat": #"{"currentTime":"{now}"}"#,
            "StatusNotification": "{}",
            "Authorize": #"{"idTokenInfo":{"status":"Accepted"}}"#,
            "TransactionEvent": #"{"idTokenInfo":{"status":"Accepted"}}"#,
            "MeterValues": "{}",
            "NotifyEvent": "{}",
            "NotifyReport": "{}",
            "DataTransfer": #"{"status":"Accepted"}"#,
            "SecurityEventNotification": "{}",
            "FirmwareStatusNotification": "{}",
            "LogStatusNotification": "{}",
            "SignCertificate": #"{"status":"Accepted"}"#,
            "ClearedChargingLimit": "{}",
            "NotifyChargingLimit": "{}",
            "ReservationStatusUpdate": "{}",
        ],
    ]

    func run() async throws -> Int32 {
        let stations = StationTable()
        let counter = TransactionCounter()
        var ocppRouter = Router()
        ocppRouter.webSocket("/ocpp/{chargePointId}", WebSocketRoute(
            negotiate: { _, offered in WebSocketRoute.selectSubprotocol(from: OCPPVersion.subprotocols, offered: offered) },
            handler: { socket, info in
                let version = OCPPVersion(rawValue: info.subprotocol ?? "") ?? .v16
                let station = info.pathParameters["chargePointId"] ?? "?"
                let connection = OCPPConnection(socket: socket, version: version, stationId: station,
                                                handlers: Self.handlers(version: version, counter: counter))
                await stations.set(station, connection)
                await connection.run()
                await stations.remove(station, connection)
            }))
        var httpRouter = Router()
        httpRouter.on("POST", "/call/{station}/{action}") { request in
            await Self.call(request, stations: stations)
        }
        let ocpp = try HTTPServer(address: ocppAddress, router: ocppRouter)
        let http = try HTTPServer(address: httpAddress, router: httpRouter)
        printLine("ocpp listening on \(ocpp.boundAddress)")
        printLine("http listening on \(http.boundAddress)")
        await Shutdown.runUntilSignalled([ocpp, http], log: Log())
        return 0
    }

    /// Raw handlers that validate the request with the version's generated types and answer
    /// with the fixed response (itself validated, so the harness never sends an invalid one).
    static func handlers(version: OCPPVersion, counter: TransactionCounter) -> [String: OCPPConnection.Handler] {
        var handlers: [String: OCPPConnection.Handler] = [:]
        for (action, template) in responses[version] ?? [:] {
            handlers[action] = { payload, _ in
                var decoder = OCPPDecoder()
                do throws(OCPPViolation) {
                    let request = try version.decodeRequest(action: action, json: .object(payload), decoder: &decoder)
                    // The ranges OCPP states in prose, as serve's handlers check them.
                    if let violation = request?.rangeViolation { throw violation }
                } catch {
                    throw CallError(violation: error, version: version)
                }
                let now = OCPPDateTime(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)).rfc3339
                var text = template.replacingOccurrences(of: "{now}", with: now)
                if text.contains("{transactionId}") {
                    text = text.replacingOccurrences(of: "{transactionId}", with: String(await counter.next()))
                }
                guard case .object(let response) = try JSONParser.parse(text) else { return JSONObject() }
                return response
            }
        }
        return handlers
    }

    static func call(_ request: HTTPRequest, stations: StationTable) async -> HTTPResponse {
        let station = request.pathParameters["station"] ?? ""
        let action = request.pathParameters["action"] ?? ""
        guard let connection = await stations.get(station) else {
            return .json(HTTPStatus(code: 404, reason: "Not Found"), Array(#"{"error":"station not connected"}"#.utf8))
        }
        guard case .object(let payload)? = try? JSONParser.parse(request.body.isEmpty ? [0x7B, 0x7D] : request.body) else {
            return .json(.badRequest, Array(#"{"error":"body must be a JSON object"}"#.utf8))
        }
        do {
            let result = try await connection.call(action, payload, timeout: .seconds(10))
            var decoder = OCPPDecoder()
            do throws(OCPPViolation) {
                _ = try connection.version.decodeResponse(action: action, json: .object(result), decoder: &decoder)
            } catch {
                return errorResponse("invalid response: \(error)")
            }
            return .json(.ok, Array(JSONWriter.string(.object(JSONObject([("result", .object(result))]))).utf8))
        } catch {
            return errorResponse("\(error)")
        }
    }

    static func errorResponse(_ message: String) -> HTTPResponse {
        .json(HTTPStatus(code: 502, reason: "Bad Gateway"), Array(JSONWriter.string(.object(JSONObject([("error", .string(message))]))).utf8))
    }
}

/// The harness's connected chargers by id.
actor StationTable {
    private var connections: [String: OCPPConnection] = [:]
    func set(_ id: String, _ connection: OCPPConnection) { connections[id] = connection }
    func get(_ id: String) -> OCPPConnection? { connections[id] }
    func remove(_ id: String, _ connection: OCPPConnection) {
        if connections[id] === connection { connections[id] = nil }
    }
}

/// Transaction ids handed out by the harness.
actor TransactionCounter {
    private var last = 0
    func next() -> Int {
        last += 1
        return last
    }
}
