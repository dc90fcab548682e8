import API
import Alerts
import Audit
import CPMS
import Foundation
import OCPP
import Remediation
import RuleEngine
import ServiceLog
import Transport
import VendorCatalog

/// `vigil serve`: the OCPP WebSocket listener (`/ocpp/{chargePointId}`, subprotocols
/// ocpp2.0.1 and ocpp1.6, ws:// or wss://) and the HTTP API. Settings come from flags,
/// else from VIGIL_… environment variables, else from the `--config` YAML file, else defaults.
struct ServeCommand {
    var ocppAddress: SocketAddress
    var httpAddress: SocketAddress
    /// Origins (`https://ops.example.net`) allowed to call the API from a browser, and extra
    /// Host values it answers to besides its listen address (see `APIGuard`).
    var httpAllowedOrigins: [String] = []
    var httpAllowedHosts: [String] = []
    var tlsCertificate: String?
    var tlsKey: String?
    var tlsClientCA: String?
    var databasePath: String
    var vendorCodes: String
    var rulesDirectory: String
    var auditKeyPath: String?
    var auditAnchorPath: String?
    var configPath: String?
    var commandTimeout: Int
    var concurrentUse: ConcurrentUsePolicy
    var duplicateConnections: ConnectionRegistry.DuplicatePolicy
    var tickMilliseconds = 250
    var stationAuth = StationCredentials.Policy.optional
    var messageRetention = MessageLog.Retention()
    var budgetLimits = MessageBudget.Limits()
    /// Charger connections at once from one (non-loopback) address; 0 lifts the cap.
    var connectionsPerAddress = 1_000
    var unknownStations: RegistrationPolicy
    var heartbeatInterval: Int
    var declaredStations: [(id: String, registration: String, site: String?)] = []
    var maintenance: [MaintenanceWindow] = []
    var alertSettings = AlertSettings()
    var remediationPolicy = RemediationPolicy()
    var log = Log()

    static let options: Set<String> = ["ocpp", "http", "tls-cert", "tls-key", "tls-client-ca", "log-level", "log-format",
                                       "db", "unknown-stations", "heartbeat-interval", "vendor-codes", "config", "rules",
                                       "audit-key", "audit-anchor", "command-timeout", "concurrent-use", "duplicate-connections",
                                       "message-log-days", "message-log-frames", "tick-interval", "station-auth",
                                       "station-message-budget", "station-byte-budget", "connections-per-address",
                                       "message-log-bytes", "http-allowed-origins", "http-allowed-hosts"]

    init(arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment) throws(UsageError) {
        let parsed = Arguments(arguments)
        try parsed.rejectUnknown(allowed: Self.options)
        var file = ServeConfigFile()
        if let path = parsed.value("config") ?? environment["VIGIL_CONFIG"] {
            file = try ServeConfigFile.load(path: path)
            configPath = path
        }
        declaredStations = file.stations
        maintenance = file.maintenance
        alertSettings = file.alerts
        remediationPolicy = file.remediation
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
        func list(_ name: String) -> [String] {
            (setting(name) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        httpAllowedOrigins = list("http-allowed-origins")
        for origin in httpAllowedOrigins where !(origin.hasPrefix("http://") || origin.hasPrefix("https://")) || origin == "*" {
            throw UsageError("--http-allowed-origins takes origins such as https://ops.example.net, got \(origin.debugDescription)")
        }
        httpAllowedHosts = list("http-allowed-hosts")
        for host in httpAllowedHosts where host.contains("/") || host == "*" {
            throw UsageError("--http-allowed-hosts takes HOST:PORT values such as vigil.example.net:8080, got \(host.debugDescription)")
        }
        databasePath = setting("db") ?? "./var/vigil.sqlite"
        vendorCodes = setting("vendor-codes") ?? "./VendorCodes"
        rulesDirectory = setting("rules") ?? "./Rules"
        auditKeyPath = setting("audit-key")
        auditAnchorPath = setting("audit-anchor")
        let timeout = setting("command-timeout") ?? "30"
        guard let timeoutSeconds = Int(timeout), timeoutSeconds > 0, timeoutSeconds <= 600 else {
            throw UsageError("--command-timeout must be 1 to 600 seconds, got \(timeout.debugDescription)")
        }
        commandTimeout = timeoutSeconds
        let concurrent = setting("concurrent-use") ?? "reject"
        guard let parsedConcurrent = ConcurrentUsePolicy(rawValue: concurrent) else {
            throw UsageError("--concurrent-use must be allow or reject, got \(concurrent.debugDescription)")
        }
        concurrentUse = parsedConcurrent
        let duplicates = setting("duplicate-connections") ?? "keep-new"
        guard let parsedDuplicates = ConnectionRegistry.DuplicatePolicy(rawValue: duplicates) else {
            throw UsageError("--duplicate-connections must be keep-new or keep-old, got \(duplicates.debugDescription)")
        }
        duplicateConnections = parsedDuplicates
        if let auth = setting("station-auth") {
            guard let policy = StationCredentials.Policy(rawValue: auth) else {
                throw UsageError("--station-auth must be optional or required, got \(auth.debugDescription)")
            }
            stationAuth = policy
        }
        if let tick = setting("tick-interval") {
            guard let value = Int(tick), value >= 10, value <= 60_000 else {
                throw UsageError("--tick-interval must be 10 to 60000 milliseconds, got \(tick.debugDescription)")
            }
            tickMilliseconds = value
        }
        if let days = setting("message-log-days") {
            guard let value = Int(days), value >= 1, value <= 3_650 else {
                throw UsageError("--message-log-days must be 1 to 3650, got \(days.debugDescription)")
            }
            messageRetention.maxAgeSeconds = value * 86_400
        }
        if let frames = setting("message-log-frames") {
            guard let value = Int(frames), value >= 1_000 else {
                throw UsageError("--message-log-frames must be a number of at least 1000, got \(frames.debugDescription)")
            }
            messageRetention.maxFrames = value
        }
        if let text = setting("message-log-bytes") {
            guard let value = Int(text), value >= 1 << 20 else {
                throw UsageError("--message-log-bytes must be a number of at least 1048576, got \(text.debugDescription)")
            }
            messageRetention.maxBytes = value
        }
        if let text = setting("station-message-budget") {
            guard let value = Int(text), value == 0 || value >= 60 else {
                throw UsageError("--station-message-budget must be 0 (off) or at least 60 messages per minute, got \(text.debugDescription)")
            }
            budgetLimits.messagesPerMinute = value
        }
        if let text = setting("station-byte-budget") {
            guard let value = Int(text), value == 0 || value >= 1 << 20 else {
                throw UsageError("--station-byte-budget must be 0 (off) or at least 1048576 bytes per minute, got \(text.debugDescription)")
            }
            budgetLimits.bytesPerMinute = value
        }
        if let text = setting("connections-per-address") {
            guard let value = Int(text), value >= 0 else {
                throw UsageError("--connections-per-address must be 0 (no cap) or a number of connections, got \(text.debugDescription)")
            }
            connectionsPerAddress = value
        }
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
        ocppConfiguration.maxConnectionsPerAddress = connectionsPerAddress
        if let tlsCertificate, let tlsKey {
            ocppConfiguration.tls = try TLSContext(serverCertificateFile: tlsCertificate, privateKeyFile: tlsKey, clientCAFile: tlsClientCA)
        }
        var catalog: VendorCatalog?
        if FileManager.default.fileExists(atPath: vendorCodes) {
            do { catalog = try VendorCatalog.load(directory: vendorCodes) } catch {
                throw CommandFailure(description: "the vendor catalogue \(vendorCodes) has errors (see `vigil codes check`):\n\(error)")
            }
        } else {
            log(.warning, "no vendor catalogue; faults get no manufacturer guidance, and no station with an open fault is reset automatically (it cannot be classed)", ["path": vendorCodes])
        }
        let store = try openStore(at: databasePath, create: true)
        // The WAL is copied into the database file beside the writer, never inside a commit a
        // charger's answer waits for.
        let checkpointer = try await store.checkpointInBackground()
        try await store.markAllOffline()
        for station in declaredStations {
            if try await store.declareStation(id: station.id, registration: station.registration, site: station.site) {
                log(.info, "station declared from the config file", ["station": station.id, "registration": station.registration])
            }
        }
        let ruleSet = try loadRules()
        let logger = log.line
        let keyPath = AuditKey.path(option: auditKeyPath, databasePath: databasePath)
        let auditor = Auditor(store: store, key: try AuditKey.load(path: keyPath, create: true),
                              anchor: auditAnchorPath.map(AuditAnchorWriter.init(path:)), log: logger)
        // Sign what an earlier run left unsigned (killed before its shutdown checkpoint, or a CLI
        // command without the key) and copy to the anchor what it has not seen yet.
        await auditor.checkpoint()
        // The durable event log: every event is appended before its charger is answered; the
        // rules and the executor consume it by cursor (register both before the first append).
        let eventLog = EventLog(store: store)
        let runner = try await RuleRunner(ruleSet: ruleSet, catalog: catalog, store: store, events: eventLog, auditor: auditor,
                                          tickInterval: .milliseconds(tickMilliseconds), log: logger)
        var secretFiles = [("database", databasePath), ("audit key", keyPath)]
        if let configPath { secretFiles.append(("config file", configPath)) }
        if let tlsKey { secretFiles.append(("TLS private key", tlsKey)) }
        for (path, message) in PrivateFiles.exposed(secretFiles) { log(.warning, message, ["path": path]) }
        log(.info, "rules loaded", ["directory": rulesDirectory, "rules": String(ruleSet.rules.count), "audit-key": keyPath,
                                    "audit-anchor": auditAnchorPath ?? "none"])
        await runner.setEnvironment(RuleEnvironment(maintenance: maintenance))
        var policy = remediationPolicy
        policy.maintenance = maintenance
        let alertService = AlertService(store: store, settings: alertSettings, audit: { await auditor.record($0) }, log: logger)
        let dispatcher = AlertDispatcher(store: store, settings: alertSettings, audit: { await auditor.record($0) }, log: logger)
        if alertSettings.routes.isEmpty { log(.warning, "no alert routes configured (alerts: routes: in the config file); alerts are kept and audited, not sent") }
        if (try? await APIUserStore(host: store).apiUsers().isEmpty) ?? true {
            log(.warning, "the HTTP API has no users and is open to anyone who can reach --http; add one with `vigil users add`",
                ["http": httpAddress.description])
        }
        for warning in riskyDefaults(usesTLS: ocppConfiguration.tls != nil) { log(.warning, warning.message, ["fix": warning.fix]) }
        let connections = ConnectionRegistry(policy: duplicateConnections)
        let commandService = CommandService(connections: connections, timeout: .seconds(commandTimeout))
        let executor = RemediationExecutor(store: store, commands: commandService,
                                           auditor: auditor, catalog: catalog, policy: policy, log: logger, feedback: { runner.submit($0) },
                                           alerts: alertService, reads: try StationStore(readingFrom: databasePath))
        await executor.recover()
        let decisions = await executor.decisions(from: runner)
        let act: @Sendable () async -> Void = { await Self.urgently { await executor.carryOut(decisions) } }
        var stations = StationHandlers(store: store, policy: unknownStations, heartbeatInterval: heartbeatInterval, catalog: catalog,
                                       clock: { OCPPDateTime(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1_000).rounded(.down))) })
        // The executor takes only boots, connections and faults: filtered as they are appended.
        try await eventLog.register("remediation", accepts: { RemediationExecutor.observes($0) })
        let events = DomainEventFactory(directory: StationDirectory(store: store), log: eventLog)
        stations.events = events
        stations.concurrentUse = concurrentUse
        let messages = MessageLog(store: store, retention: messageRetention)
        let quirkLog = QuirkLog(store: store)
        var endpoint = OCPPEndpoint(log: log, stations: stations, connections: connections, messages: messages, quirkLog: quirkLog,
                                    events: events, usesTLS: ocppConfiguration.tls != nil, stationAuth: stationAuth)
        endpoint.budget = MessageBudget(limits: budgetLimits)
        let traffic = OCPPTraffic()
        endpoint.traffic = traffic
        let ocpp = try HTTPServer(address: ocppAddress, router: endpoint.router(), configuration: ocppConfiguration)
        let apiGuard = APIGuard(allowedOrigins: httpAllowedOrigins, allowedHosts: httpAllowedHosts, store: store, log: log)
        let http = try HTTPServer(address: httpAddress, router: APIRoutes.router(store: store, runner: runner, auditor: auditor,
                                                                                  commands: commandService, catalog: catalog, events: eventLog,
                                                                                  traffic: traffic, guard: apiGuard, log: log))
        apiGuard.boundAddress.withLock { $0 = http.boundAddress }
        // Repeated hourly while the API stays open (and on mutating requests, at most once a minute).
        let openWarning: @Sendable () async -> Void = { await apiGuard.remindWhileOpen() }
        if ["0.0.0.0", "::"].contains(http.boundAddress.host) && httpAllowedHosts.isEmpty {
            log(.warning, "the HTTP API listens on all interfaces but answers only requests whose Host is \(http.boundAddress); "
                + "name the host:port clients use with --http-allowed-hosts", ["http": http.boundAddress.description])
        }
        printLine("ocpp listening on \(ocpp.boundAddress)\(ocppConfiguration.tls == nil ? "" : " (TLS)")")
        printLine("http listening on \(http.boundAddress)")
        log(.info, "database ready", ["path": databasePath, "unknown-stations": unknownStations.rawValue])
        // Offline is decided by the socket (closed, or not answering the keep-alive pings); the
        // sweep marks silent stations without an answering connection (see OfflineSweep).
        let offlineSweep = OfflineSweep(store: store, connections: connections, heartbeatInterval: heartbeatInterval,
                                        keepAlive: endpoint.webSocket, clock: stations.clock)
        let sweep: @Sendable () async -> Void = { [log] in
            await offlineSweep.run { result in
                switch result {
                case .success(let marked):
                    log(.warning, "stations silent and without an answering connection; marked offline",
                        ["stations": marked.joined(separator: ",")])
                case .failure(let error):
                    log(.error, "cannot sweep for offline stations", ["error": "\(error)"])
                }
            }
        }
        // Raw frames are written with every group commit; the quirk record and the logs' pruning
        // are LogUpkeep's.
        let upkeep = LogUpkeep(messages: messages, quirks: quirkLog, store: store) { [log] what, error in
            log(.error, what, ["error": "\(error)"])
        }
        let writeLogs: @Sendable () async -> Void = { await upkeep.run() }
        // The executor's consumer: its cursor is saved after each batch.
        let react: @Sendable () async -> Void = { [log] in
            await Self.urgently { await eventLog.consume("remediation", onSaveFailure: { error in
                log(.error, "cannot save the executor's event-log cursor", ["error": "\(error)"])
            }) { batch in
                await executor.observe(batch.map(\.event))
            } }
        }
        let rules: @Sendable () async -> Void = { await Self.urgently { await runner.run() } }
        let reloader = RuleReloader(directory: rulesDirectory, runner: runner, auditor: auditor, log: log)
        let reload: @Sendable () async -> Void = { await reloader.run() }
        // Queued commands for stations that never came back expire on record.
        let expire: @Sendable () async -> Void = { await executor.expireQueue(every: .seconds(30)) }
        let deliver: @Sendable () async -> Void = { await dispatcher.run() }
        // The time half of the audit cadence: the head is signed within a minute of any entry.
        let signAudit: @Sendable () async -> Void = { await auditor.run(every: .seconds(AuditChain.Cadence.standard.seconds)) }
        await Shutdown.runUntilSignalled([ocpp, http], background: [sweep, writeLogs, rules, react, act, reload, expire, deliver, signAudit, openWarning],
                                         log: log)
        await auditor.checkpoint()
        do { try await messages.flush() } catch { log(.error, "cannot write the last frames of the message log", ["error": "\(error)"]) }
        do { try await quirkLog.flush() } catch { log(.error, "cannot write the quirk record", ["error": "\(error)"]) }
        checkpointer?.stop()
        log(.info, "stopped")
        return 0
    }

    /// Runs `body` as a high-priority child task on the fault loop's thread: the rule runner
    /// and the executor go ahead of the fleet's traffic wherever work queues — on the store's
    /// thread (`ThreadExecutor` runs such jobs first) — and their code between actors never
    /// waits for a turn on the pool the connections keep busy.
    static func urgently(_ body: @escaping @Sendable () async -> Void) async {
        await withDiscardingTaskGroup { group in
            group.addTask(executorPreference: ThreadExecutor.remediation.tasks, priority: .high) { await body() }
        }
    }
}
