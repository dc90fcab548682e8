import CPMS
import Foundation
import OCPP
import Remediation
import RuleEngine
import Transport
import VendorCatalog

/// `vigil serve`: the OCPP WebSocket listener (`/ocpp/{chargePointId}`, subprotocols
/// ocpp2.0.1 and ocpp1.6, ws:// or wss://) and the HTTP API. Settings come from flags,
/// else from VIGIL_… environment variables, else from the `--config` YAML file, else defaults.
struct ServeCommand {
    var ocppAddress: SocketAddress
    var httpAddress: SocketAddress
    var tlsCertificate: String?
    var tlsKey: String?
    var tlsClientCA: String?
    var databasePath: String
    var vendorCodes: String
    var rulesDirectory: String
    var unknownStations: RegistrationPolicy
    var heartbeatInterval: Int
    var declaredStations: [(id: String, registration: String, site: String?)] = []
    var log = Log()

    static let options: Set<String> = ["ocpp", "http", "tls-cert", "tls-key", "tls-client-ca", "log-level", "log-format",
                                       "db", "unknown-stations", "heartbeat-interval", "vendor-codes", "config", "rules"]

    init(arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment) throws(UsageError) {
        let parsed = try Arguments(arguments)
        try parsed.rejectUnknown(allowed: Self.options)
        var file = ServeConfigFile()
        if let path = parsed.value("config") ?? environment["VIGIL_CONFIG"] { file = try ServeConfigFile.load(path: path) }
        declaredStations = file.stations
        func setting(_ name: String) -> String? {
            parsed.value(name) ?? environment["VIGIL_" + name.uppercased().replacingOccurrences(of: "-", with: "_")] ?? file.settings[name]
        }
        func address(_ name: String, default fallback: String) throws(UsageError) -> SocketAddress {
            let text = setting(name) ?? fallback
            guard let address = SocketAddress.parse(text) else { throw UsageError("--\(name) must be HOST:PORT, got \(text.debugDescription)") }
            return address
        }
        ocppAddress = try address("ocpp", default: "0.0.0.0:9000")
        httpAddress = try address("http", default: "127.0.0.1:8080")
        databasePath = setting("db") ?? "./var/vigil.sqlite"
        vendorCodes = setting("vendor-codes") ?? "./VendorCodes"
        rulesDirectory = setting("rules") ?? "./Rules"
        let policy = setting("unknown-stations") ?? "accept"
        guard let parsedPolicy = RegistrationPolicy(rawValue: policy) else {
            throw UsageError("--unknown-stations must be accept, pending or reject, got \(policy.debugDescription)")
        }
        unknownStations = parsedPolicy
        let interval = setting("heartbeat-interval") ?? "300"
        guard let seconds = Int(interval), seconds > 0 else {
            throw UsageError("--heartbeat-interval must be a positive number of seconds, got \(interval.debugDescription)")
        }
        heartbeatInterval = seconds
        tlsCertificate = setting("tls-cert")
        tlsKey = setting("tls-key")
        tlsClientCA = setting("tls-client-ca")
        if (tlsCertificate == nil) != (tlsKey == nil) { throw UsageError("--tls-cert and --tls-key go together") }
        if tlsClientCA != nil && tlsCertificate == nil { throw UsageError("--tls-client-ca needs --tls-cert and --tls-key") }
        if let level = setting("log-level") {
            guard let parsedLevel = Log.Level(name: level) else { throw UsageError("--log-level must be debug, info, warning or error, got \(level.debugDescription)") }
            log.minimum = parsedLevel
        }
        if let format = setting("log-format") {
            guard format == "text" || format == "json" else { throw UsageError("--log-format must be text or json, got \(format.debugDescription)") }
            log.json = format == "json"
        }
    }

    /// The rule set to start with; none (with a warning) when the directory does not exist.
    func loadRules() throws -> RuleSet {
        guard FileManager.default.fileExists(atPath: rulesDirectory) else {
            log(.warning, "no rules directory; no rule will act until one is created and vigil is reloaded (SIGHUP)",
                ["path": rulesDirectory])
            return RuleSet(rules: [])
        }
        do { return try RuleSet.load(directory: rulesDirectory) } catch {
            throw CommandFailure(description: "the rules in \(rulesDirectory) have errors (see `vigil rules check`):\n\(error)")
        }
    }

    func run() async throws -> Int32 {
        SystemLimits.raiseFileDescriptorLimit()
        var ocppConfiguration = HTTPServerConfiguration()
        if let tlsCertificate, let tlsKey {
            ocppConfiguration.tls = try TLSContext(serverCertificateFile: tlsCertificate, privateKeyFile: tlsKey, clientCAFile: tlsClientCA)
        }
        var catalog: VendorCatalog?
        if FileManager.default.fileExists(atPath: vendorCodes) {
            do { catalog = try VendorCatalog.load(directory: vendorCodes) } catch {
                throw CommandFailure(description: "the vendor catalogue \(vendorCodes) has errors (see `vigil codes check`):\n\(error)")
            }
        } else {
            log(.warning, "no vendor catalogue; faults get no manufacturer guidance", ["path": vendorCodes])
        }
        let store = try openStore(at: databasePath, create: true)
        try await store.markAllOffline()
        for station in declaredStations {
            if try await store.declareStation(id: station.id, registration: station.registration, site: station.site) {
                log(.info, "station declared from the config file", ["station": station.id, "registration": station.registration])
            }
        }
        let ruleSet = try loadRules()
        let runner = await RuleRunner(ruleSet: ruleSet, catalog: catalog, store: store) { [log] level, message, fields in
            log(Log.Level(name: level) ?? .info, message, fields)
        }
        log(.info, "rules loaded", ["directory": rulesDirectory, "rules": String(ruleSet.rules.count)])
        var stations = StationHandlers(store: store, policy: unknownStations, heartbeatInterval: heartbeatInterval, catalog: catalog,
                                       clock: { OCPPDateTime(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)) })
        let events = DomainEventFactory(directory: StationDirectory(store: store)) { event in runner.submit(event) }
        stations.events = events
        let messages = MessageLog(store: store)
        let endpoint = OCPPEndpoint(log: log, stations: stations, connections: ConnectionRegistry(), messages: messages, events: events)
        let ocpp = try HTTPServer(address: ocppAddress, router: endpoint.router(), configuration: ocppConfiguration)
        let http = try HTTPServer(address: httpAddress, router: APIRoutes.router(store: store, runner: runner))
        printLine("ocpp listening on \(ocpp.boundAddress)\(ocppConfiguration.tls == nil ? "" : " (TLS)")")
        printLine("http listening on \(http.boundAddress)")
        log(.info, "database ready", ["path": databasePath, "unknown-stations": unknownStations.rawValue])
        // A station that misses two heartbeat intervals (and sends nothing else) is offline.
        let interval = heartbeatInterval
        let sweep: @Sendable () async -> Void = { [log] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(min(30, interval)))
                if Task.isCancelled { return }
                let cutoff = OCPPDateTime(secondsSinceEpoch: Int64(Date().timeIntervalSince1970) - Int64(2 * interval)).rfc3339
                if let silent = try? await store.markSilentStationsOffline(before: cutoff), !silent.isEmpty {
                    log(.warning, "stations missed their heartbeats; marked offline", ["stations": silent.joined(separator: ",")])
                }
            }
        }
        // The raw message log is written in batches (one transaction per flush) and pruned hourly,
        // with the domain events kept for `rules replay` (14 days).
        let writeMessages: @Sendable () async -> Void = { [log] in
            var sincePrune = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                do { try await messages.flush() } catch { log(.error, "cannot write the message log", ["error": "\(error)"]) }
                sincePrune += 1
                if sincePrune >= 4 * 3600 {
                    sincePrune = 0
                    let now = OCPPDateTime(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)).rfc3339
                    try? await messages.prune(now: now)
                    try? await store.pruneEvents(olderThanSeconds: 14 * 86_400, now: now)
                }
            }
        }
        let rules: @Sendable () async -> Void = { await runner.run() }
        let reloader = RuleReloader(directory: rulesDirectory, runner: runner, log: log)
        let reload: @Sendable () async -> Void = { await reloader.run() }
        await Shutdown.runUntilSignalled([ocpp, http], background: [sweep, writeMessages, rules, reload], log: log)
        _ = try? await messages.flush()   // frames of the drain
        if messages.dropped > 0 { log(.warning, "message log fell behind", ["dropped": String(messages.dropped)]) }
        log(.info, "stopped")
        return 0
    }
}

/// The HTTP API (read-only for now): health, stations, one station with its connectors, sessions.
enum APIRoutes {
    static func router(store: StationStore, runner: RuleRunner) -> Router {
        var router = Router()
        router.on("GET", "/api/v1/health") { _ in
            .json(.ok, Array(#"{"status":"ok"}"#.utf8))
        }
        router.on("GET", "/api/v1/stations") { _ in
            do {
                let stations = try await store.stations()
                return .json(.ok, Array(JSONWriter.string(.array(stations.map(json))).utf8))
            } catch {
                return .json(.internalServerError, Array(JSONWriter.string(.object(JSONObject([("error", .string("\(error)"))]))).utf8))
            }
        }
        router.on("GET", "/api/v1/sessions") { request in
            do {
                let sessions = try await store.sessions(station: request.query["station"])
                let body = try JSONSerialization.data(withJSONObject: sessions.map { SessionsCommand.object($0, samples: nil) }, options: [.sortedKeys])
                return .json(.ok, Array(body))
            } catch {
                return .json(.internalServerError, Array(JSONWriter.string(.object(JSONObject([("error", .string("\(error)"))]))).utf8))
            }
        }
        router.on("GET", "/api/v1/decisions") { request in
            do {
                let limit = request.query["limit"].flatMap { Int($0) } ?? 100
                let rows = try await store.decisions(station: request.query["station"], rule: request.query["rule"], limit: min(limit, 10_000))
                return .json(.ok, Array(("[" + rows.map(\.json).joined(separator: ",") + "]").utf8))
            } catch {
                return .json(.internalServerError, Array(JSONWriter.string(.object(JSONObject([("error", .string("\(error)"))]))).utf8))
            }
        }
        // An operator approves (or rejects) a ladder paused at an `approve` rung:
        // {"rule": ID, "target": "CP-1/2", "approved": true, "by": "dana", "role": "supervisor"}.
        router.on("POST", "/api/v1/approvals") { request in
            func reply(_ status: HTTPStatus, _ message: String) -> HTTPResponse {
                .json(status, Array(JSONWriter.string(.object(JSONObject([(status == .accepted ? "status" : "error", .string(message))]))).utf8))
            }
            guard case .object(let body)? = try? JSONParser.parse(request.body) else { return reply(.badRequest, "the body must be a JSON object") }
            guard case .string(let rule)? = body["rule"], case .string(let target)? = body["target"],
                  case .bool(let approved)? = body["approved"], case .string(let person)? = body["by"], !person.isEmpty else {
                return reply(.badRequest, "give rule, target, approved (true/false) and by (who decides)")
            }
            var role: String?
            if case .string(let text)? = body["role"] { role = text }
            guard await runner.ruleSet.rule(rule) != nil else { return reply(.notFound, "no rule \(rule)") }
            guard await runner.approve(rule: rule, target: target, approved: approved, by: person, role: role) else {
                return reply(.conflict, "no ladder of \(rule) for \(target) is waiting for an approval")
            }
            return reply(.accepted, approved ? "approval submitted" : "rejection submitted")
        }
        router.on("GET", "/api/v1/rules") { _ in
            let rules = await runner.ruleSet.rules.map { rule -> JSONValue in
                .object(JSONObject([("id", .string(rule.id)), ("hash", .string(rule.hash)), ("mode", .string(rule.mode.rawValue)),
                                    ("enabled", .bool(rule.enabled)), ("description", .string(rule.description))]))
            }
            return .json(.ok, Array(JSONWriter.string(.array(rules)).utf8))
        }
        router.on("GET", "/api/v1/stations/{id}") { request in
            let id = request.pathParameters["id"] ?? ""
            do {
                guard let station = try await store.station(id) else {
                    return .json(.notFound, Array(JSONWriter.string(.object(JSONObject([("error", .string("no station \(id)"))]))).utf8))
                }
                return .json(.ok, Array(JSONWriter.string(json(station)).utf8))
            } catch {
                return .json(.internalServerError, Array(JSONWriter.string(.object(JSONObject([("error", .string("\(error)"))]))).utf8))
            }
        }
        return router
    }

    static func json(_ station: StationRecord) -> JSONValue {
        func text(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
        let connectors = station.connectors.map { connector -> JSONValue in
            .object(JSONObject([("evse", .integer(connector.evse)), ("connector", .integer(connector.connector)),
                                ("status", .string(connector.status)), ("errorCode", text(connector.errorCode)),
                                ("vendorErrorCode", text(connector.vendorErrorCode)), ("info", text(connector.info)),
                                ("updatedAt", .string(connector.updatedAt))]))
        }
        return .object(JSONObject([("id", .string(station.id)), ("vendor", text(station.vendor)), ("model", text(station.model)),
                                   ("serial", text(station.serial)), ("firmware", text(station.firmware)),
                                   ("ocppVersion", text(station.ocppVersion)), ("registration", .string(station.registration)),
                                   ("online", .bool(station.isOnline)), ("lastSeen", text(station.lastSeen)),
                                   ("lastBoot", text(station.lastBoot)), ("connectors", .array(connectors))]))
    }
}
