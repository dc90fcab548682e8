import API
import Alerts
import Cluster
import Audit
import Billing
import Fraud
import CPMS
import Foundation
import OCPP
import Remediation
import RuleEngine
import ServiceLog
import Store
import Transport
import VendorCatalog
import YAMLKit

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
    /// The SQLite file or PostgreSQL database (`--db`, `db:`; `DatabaseLocation`).
    var database: StoreLocation
    var vendorCodes: String
    var rulesDirectory: String
    var auditKeyPath: String?
    var auditAnchorPath: String?
    var configPath: String?
    var commandTimeout: Int
    var concurrentUse: ConcurrentUsePolicy
    var duplicateConnections: ConnectionRegistry.DuplicatePolicy
    /// This node's name in the station leases (PostgreSQL; `--node-id`), nil: `NodeName.standard`.
    var nodeId: String?
    var tickMilliseconds = 250
    var stationAuth = StationCredentials.Policy.optional
    /// With a client CA (profile 3), a station without a certificate must give a password
    /// whatever `stationAuth` says: the CA is the operator asking for authenticated stations.
    var effectiveStationAuth: StationCredentials.Policy { tlsClientCA != nil ? .required : stationAuth }
    var messageRetention = MessageLog.Retention()
    var budgetLimits = MessageBudget.Limits()
    /// Charger connections at once from one (non-loopback) address; 0 lifts the cap.
    var connectionsPerAddress = 1_000
    var unknownStations: RegistrationPolicy
    var heartbeatInterval: Int
    var declaredStations: [DeclaredStation] = []
    var maintenance: [MaintenanceWindow] = []
    /// The configured sites (`sites:`): names and time zones for the site and session metrics.
    var sites: [Site] = []
    var alertSettings = AlertSettings()
    var remediationPolicy = RemediationPolicy()
    /// The config file's `tariffs:`; none: no pricing.
    var tariffs: [Tariff] = []
    /// The fraud and integrity checks' thresholds (`fraud:`, docs/billing.md).
    var fraudThresholds = FraudThresholds()
    /// Pricing's settings beside the tariffs (`billing:`: the running cost's cadence).
    var billingSettings = BillingSettings()
    var log = Log()

    static let options: Set<String> = ["ocpp", "http", "tls-cert", "tls-key", "tls-client-ca", "log-level", "log-format",
                                       "db", "unknown-stations", "heartbeat-interval", "vendor-codes", "config", "rules",
                                       "audit-key", "audit-anchor", "command-timeout", "concurrent-use", "duplicate-connections",
                                       "message-log-days", "message-log-frames", "tick-interval", "station-auth",
                                       "station-message-budget", "station-byte-budget", "connections-per-address",
                                       "message-log-bytes", "http-allowed-origins", "http-allowed-hosts", "node-id"]

    /// Where each setting's value came from, by flag name (`vigil config check` shows it); a
    /// setting left out took its default.
    var origins: [String: SettingOrigin] = [:]

    /// Every setting from the flags, VIGIL_… variables, the config file and the defaults; throws
    /// all the mistakes at once (`SettingProblem`s, one per line).
    init(arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment) throws(UsageError) {
        var problems: [SettingProblem] = []
        try self.init(arguments: arguments, environment: environment, problems: &problems)
        guard problems.isEmpty else { throw UsageError(SettingProblem.ordered(problems).map(\.description).joined(separator: "\n")) }
    }

    /// Reads every setting, recording each mistake in `problems` — with where the bad value
    /// came from: the flag, the variable, or the config file's line and column — and using the
    /// default in its place, so that one run reports them all (`vigil config check`). Throws
    /// only for a malformed command line (an unknown option, a missing value) or an unreadable
    /// config file. `configFile` is read instead of `--config` / `VIGIL_CONFIG` when given.
    init(arguments: [String], environment: [String: String], configFile: String? = nil,
         problems: inout [SettingProblem]) throws(UsageError) {
        let parsed = Arguments(arguments)
        try parsed.rejectUnknown(allowed: Self.options)
        var file = ServeConfigFile()
        if let path = configFile ?? parsed.value("config") ?? environment["VIGIL_CONFIG"] {
            let errors: [YAMLError]
            (file, errors) = try ServeConfigFile.read(path: path)
            problems += errors.map { SettingProblem(mark: $0.mark, text: $0.problem) }
            configPath = path
        }
        declaredStations = file.stations
        maintenance = file.maintenance
        sites = file.sites
        alertSettings = file.alerts
        remediationPolicy = file.remediation
        tariffs = file.tariffs
        fraudThresholds = file.fraud
        billingSettings = file.billing
        var origins: [String: SettingOrigin] = [:]
        func setting(_ name: String) -> String? {
            let variable = "VIGIL_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
            if let value = parsed.value(name) {
                origins[name] = .flag
                return value
            }
            if let value = environment[variable] {
                origins[name] = .environment(variable)
                return value
            }
            if let value = file.settings[name] {
                origins[name] = file.marks[name].map { .file($0) } ?? .flag
                return value
            }
            return nil
        }
        /// A bad value: the problem names its source; the default stays in force.
        func reject(_ name: String, _ complaint: String) {
            problems.append(SettingProblem(name: name, origin: origins[name] ?? .flag, complaint: complaint))
        }
        /// A setting that names a file: an empty value (`VIGIL_AUDIT_KEY=`) names none, and is a
        /// problem rather than the current directory or "cannot read ".
        func filePath(_ name: String) -> String? {
            guard let path = setting(name) else { return nil }
            guard !path.trimmingCharacters(in: .whitespaces).isEmpty else {
                reject(name, "is empty: give the path of a file, or leave the setting out")
                return nil
            }
            return path
        }
        func address(_ name: String, default fallback: String) -> SocketAddress {
            let text = setting(name) ?? fallback
            if let address = SocketAddress.parse(text) { return address }
            reject(name, "must be HOST:PORT, got \(text.debugDescription)")
            return SocketAddress.parse(fallback) ?? SocketAddress(host: "127.0.0.1", port: 0)
        }
        ocppAddress = address("ocpp", default: "0.0.0.0:9000")
        httpAddress = address("http", default: "127.0.0.1:8080")
        func list(_ name: String) -> [String] {
            (setting(name) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        httpAllowedOrigins = list("http-allowed-origins")
        for origin in httpAllowedOrigins where !(origin.hasPrefix("http://") || origin.hasPrefix("https://")) || origin == "*" {
            reject("http-allowed-origins", "takes origins such as https://ops.example.net, got \(origin.debugDescription)")
        }
        httpAllowedHosts = list("http-allowed-hosts")
        for host in httpAllowedHosts where host.contains("/") || host == "*" {
            reject("http-allowed-hosts", "takes HOST:PORT values such as vigil.example.net:8080, got \(host.debugDescription)")
        }
        switch DatabaseLocation.parse(setting("db") ?? "./var/vigil.sqlite") {
        case .success(let location): database = location
        case .failure(let failure):
            database = .sqlite(path: "./var/vigil.sqlite")
            reject("db", failure.description)
        }
        vendorCodes = setting("vendor-codes") ?? "./VendorCodes"
        rulesDirectory = setting("rules") ?? "./Rules"
        auditKeyPath = filePath("audit-key")
        if database.engine == .postgresql && auditKeyPath == nil {
            // SQLite's default key lives beside the database file; PostgreSQL has no file, and
            // ./var/audit.key would change with the working directory (a new key, a chain that
            // no longer verifies). The key must not live in the database it signs.
            reject("audit-key", "a PostgreSQL database needs the audit key's file named: --audit-key FILE, VIGIL_AUDIT_KEY "
                   + "or auditKey: in the config file (there is no database file to keep it beside)")
        }
        auditAnchorPath = filePath("audit-anchor")
        /// The setting as an integer that `valid` accepts; nil (with a problem) otherwise.
        func integer(_ name: String, _ complaint: String, valid: (Int) -> Bool) -> Int? {
            guard let text = setting(name) else { return nil }
            if let value = Int(text), valid(value) { return value }
            reject(name, "\(complaint), got \(text.debugDescription)")
            return nil
        }
        /// The setting as one of a closed set of raw values; nil (with a problem) otherwise.
        func choice<Value: RawRepresentable>(_ name: String, _ complaint: String) -> Value? where Value.RawValue == String {
            guard let text = setting(name) else { return nil }
            if let value = Value(rawValue: text) { return value }
            reject(name, "\(complaint), got \(text.debugDescription)")
            return nil
        }
        commandTimeout = integer("command-timeout", "must be 1 to 600 seconds") { (1...600).contains($0) } ?? 30
        concurrentUse = choice("concurrent-use", "must be allow or reject") ?? .reject
        duplicateConnections = choice("duplicate-connections", "must be keep-new or keep-old") ?? .keepNew
        if let name = setting("node-id") {
            if let problem = NodeName.problem(with: name) { reject("node-id", "\(problem), got \(name.debugDescription)") } else { nodeId = name }
        }
        stationAuth = choice("station-auth", "must be optional or required") ?? .optional
        tickMilliseconds = integer("tick-interval", "must be 10 to 60000 milliseconds") { (10...60_000).contains($0) } ?? 250
        if let days = integer("message-log-days", "must be 1 to 3650", valid: { (1...3_650).contains($0) }) {
            messageRetention.maxAgeSeconds = days * 86_400
        }
        if let frames = integer("message-log-frames", "must be a number of at least 1000", valid: { $0 >= 1_000 }) {
            messageRetention.maxFrames = frames
        }
        if let bytes = integer("message-log-bytes", "must be a number of at least 1048576", valid: { $0 >= 1 << 20 }) {
            messageRetention.maxBytes = bytes
        }
        if let value = integer("station-message-budget", "must be 0 (off) or at least 60 messages per minute", valid: { $0 == 0 || $0 >= 60 }) {
            budgetLimits.messagesPerMinute = value
        }
        if let value = integer("station-byte-budget", "must be 0 (off) or at least 1048576 bytes per minute", valid: { $0 == 0 || $0 >= 1 << 20 }) {
            budgetLimits.bytesPerMinute = value
        }
        connectionsPerAddress = integer("connections-per-address", "must be 0 (no cap) or a number of connections") { $0 >= 0 } ?? 1_000
        unknownStations = choice("unknown-stations", "must be accept, pending or reject") ?? .accept
        // At most a day: the offline sweep waits two intervals, so a longer one would hide a silent station.
        heartbeatInterval = integer("heartbeat-interval", "must be a number of seconds from 1 to 86400 (a day)") { (1...86_400).contains($0) } ?? 300
        tlsCertificate = filePath("tls-cert")
        tlsKey = filePath("tls-key")
        tlsClientCA = filePath("tls-client-ca")
        if tlsCertificate != nil && tlsKey == nil { reject("tls-cert", "needs --tls-key (tlsKey) too: --tls-cert and --tls-key go together") }
        if tlsKey != nil && tlsCertificate == nil { reject("tls-key", "needs --tls-cert (tlsCert) too: --tls-cert and --tls-key go together") }
        if tlsClientCA != nil && tlsCertificate == nil { reject("tls-client-ca", "needs --tls-cert and --tls-key") }
        if let level = setting("log-level") {
            if let parsedLevel = Log.Level(name: level) { log.minimum = parsedLevel }
            else { reject("log-level", "must be debug, info, warning or error, got \(level.debugDescription)") }
        }
        if let format = setting("log-format") {
            if format == "text" || format == "json" { log.json = format == "json" }
            else { reject("log-format", "must be text or json, got \(format.debugDescription)") }
        }
        self.origins = origins
    }

    /// The rule set to start with; none (with a warning) when the directory does not exist.
    func loadRules() throws -> RuleSet {
        guard FileManager.default.fileExists(atPath: rulesDirectory) else {
            log(.warning, Self.noRulesWarning, ["path": rulesDirectory])
            return RuleSet(rules: [])
        }
        do { return try RuleSet.load(directory: rulesDirectory) } catch {
            throw CommandFailure(description: "the rules in \(rulesDirectory) have errors (see `vigil rules check`):\n\(error)")
        }
    }

    func run() async throws -> Int32 {
        StopSignals.install()   // a stop during start-up waits for the service, not lost
        SystemLimits.raiseFileDescriptorLimit()
        var ocppConfiguration = HTTPServerConfiguration()
        ocppConfiguration.maxConnectionsPerAddress = connectionsPerAddress
        if let tlsCertificate, let tlsKey {
            // Profiles 2 and 3 on one listener: a certificate, when presented, must verify; a
            // station without one must give its password (`effectiveStationAuth`), so a fleet can
            // move from passwords to certificates station by station.
            ocppConfiguration.tls = try TLSContext(serverCertificateFile: tlsCertificate, privateKeyFile: tlsKey, clientCAFile: tlsClientCA,
                                                   requireClientCertificate: false)
        }
        // The anchor is tamper evidence: one that cannot be written protects nothing (fail closed).
        if let auditAnchorPath, let trouble = AuditAnchorWriter.problem(path: auditAnchorPath) {
            throw CommandFailure(description: "\(trouble); create it (or correct auditAnchor / --audit-anchor) and start again")
        }
        var catalog: VendorCatalog?
        if FileManager.default.fileExists(atPath: vendorCodes) {
            do { catalog = try VendorCatalog.load(directory: vendorCodes) } catch {
                throw CommandFailure(description: "the vendor catalogue \(vendorCodes) has errors (see `vigil codes check`):\n\(error)")
            }
        } else {
            log(.warning, Self.noCatalogWarning, ["path": vendorCodes])
        }
        let store = try openStore(at: database, create: true)
        // The WAL is copied into the database file beside the writer, never inside a commit a
        // charger's answer waits for.
        let checkpointer = try await store.checkpointInBackground()
        let connections = ConnectionRegistry(policy: duplicateConnections)
        // Several nodes on one PostgreSQL database: stations other nodes serve stay online, and a
        // command for one of them goes to the node serving it.
        var commandService = CommandService(connections: connections, timeout: .seconds(commandTimeout))
        // The audit key first: a key that is not the trail's stops serve before it takes any
        // station; and the nodes' requests to each other are sealed with a key derived from it.
        let keyPath = AuditKey.path(option: auditKeyPath, database: database)
        let auditKey = try await AuditKey.loadForServe(path: keyPath, audit: AuditStore(host: store), now: StoreTime.format(Date()))
        let cluster = try await startCluster(store: store, connections: connections, commands: commandService, auditKey: auditKey)
        commandService.elsewhere = cluster?.requests
        let servedElsewhere: @Sendable () async throws -> Set<String> = { try await cluster?.leases.servedElsewhere() ?? [] }
        // A crash leaves the stations this node had connected marked online: they were, until
        // about its last liveness record (read before this run's sweep writes a new one).
        // One node serves a SQLite file, under one name whatever its port; nodes sharing a
        // PostgreSQL database each by its own (the leases' name).
        let nodeName = cluster == nil ? "serve" : nodeId ?? NodeName.standard(ocppPort: ocppAddress.port)
        // Never later than now: a clock stepped back since would put the offline record ahead of
        // the station's next online one.
        // With several nodes, a station another node held until it crashed was online until that
        // node's last record, not this one's.
        let now = StoreTime.format(Date())
        func capped(_ at: String) -> String { StoreTime.parse(at).map { $0 > Date() } == true ? now : at }
        let alive = try await store.nodesAlive()
        var byStation: [String: String?] = [:]
        if cluster != nil {
            for (station, node) in try await StationLeaseStore(host: store).holders() where node != nodeName {
                byStation[station] = .some(alive[node].map(capped))
            }
        }
        let lostAtStart = try await store.markAllOffline(except: try await servedElsewhere(), aliveUntil: alive[nodeName].map(capped),
                                                         aliveUntilByStation: byStation)
        for station in declaredStations {
            if try await store.declareStation(id: station.id, registration: station.registration, site: station.site) {
                log(.info, "station declared from the config file", ["station": station.id, "registration": station.registration])
            } else {
                try await reconcileDeclared(station, store: store)
            }
        }
        // The file is the only source of connector types: what it no longer declares is forgotten.
        try await store.replaceConnectorTypes(declaredStations.flatMap(\.connectorTypes))
        let ruleSet = try loadRules()
        let logger = log.line
        let auditor = Auditor(store: store, key: auditKey,
                              anchor: auditAnchorPath.map(AuditAnchorWriter.init(path:)), log: logger)
        // Sign what an earlier run left unsigned (killed before its shutdown checkpoint, or a CLI
        // command without the key) — saying so first when it is more than a run leaves — and copy
        // to the anchor what it has not seen yet.
        await Self.noteLateSigning(store: store, auditor: auditor, log: log)
        await auditor.checkpoint()
        // The durable event log: every event is appended before its charger is answered; the
        // rules and the executor consume it by cursor (register both before the first append).
        let eventLog = EventLog(store: store, source: cluster == nil ? .local : .shared)
        // With several nodes, only the node holding the remediation role acts (and consumes the log).
        let gate = RemediationGate(open: cluster == nil)
        let runner = try await RuleRunner(ruleSet: ruleSet, catalog: catalog, store: store, events: eventLog, auditor: auditor,
                                          tickInterval: .milliseconds(tickMilliseconds), log: logger)
        log(.info, "rules loaded", ["directory": rulesDirectory, "rules": String(ruleSet.rules.count), "audit-key": keyPath,
                                    "audit-anchor": auditAnchorPath ?? "none"])
        await runner.setEnvironment(RuleEnvironment(maintenance: maintenance))
        var policy = remediationPolicy
        policy.maintenance = maintenance
        let alertService = AlertService(store: store, settings: alertSettings, audit: { await auditor.record($0) }, log: logger,
                                        live: eventLog.live)
        let dispatcher = AlertDispatcher(store: store, settings: alertSettings, audit: { await auditor.record($0) }, log: logger)
        let executor = RemediationExecutor(store: store, commands: commandService,
                                           auditor: auditor, catalog: catalog, policy: policy, log: logger, feedback: { runner.submit($0) },
                                           alerts: alertService, reads: try StationStore(readingFrom: database))
        if cluster == nil { await executor.recover() }   // several nodes: when this node takes the remediation over
        let decisions = await executor.decisions(from: runner, live: eventLog.live)
        let act: @Sendable () async -> Void = { await Self.urgently { await executor.carryOut(decisions) } }
        var stations = StationHandlers(store: store, policy: unknownStations, heartbeatInterval: heartbeatInterval, catalog: catalog,
                                       clock: { OCPPDateTime(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1_000).rounded(.down))) })
        // The executor takes only boots, connections and faults: filtered as they are appended.
        try await eventLog.register("remediation", accepts: { RemediationExecutor.observes($0) })
        let billing = try await startBilling(store: store, events: eventLog, commands: commandService)
        let detectFraud = try await startFraud(store: store, events: eventLog)
        let events = DomainEventFactory(directory: StationDirectory(store: store), log: eventLog)
        stations.events = events
        // Stations still marked online when the last run (or the node that served them) ended
        // without closing their sockets — a crash: their connections are gone, and the rules hear
        // it, or they would go on taking them for connected (no station-offline alert, a ladder
        // acting on a station that is not there).
        await Self.raiseDisconnects(lostAtStart, reason: "connection lost while no node served it (found at start)", events: events, log: log)
        if let quotes = billing?.service { stations.finalCost = { await quotes.quote(session: $0) } }
        if let sender = billing?.runningCost {
            stations.runningSessionUpdated = { sender.observe($0) }
            stations.transactionEnding = { sender.transactionEnding(station: $0, transactionId: $1) }
        }
        stations.concurrentUse = concurrentUse
        let messages = MessageLog(store: store, retention: messageRetention)
        let quirkLog = QuirkLog(store: store)
        var endpoint = OCPPEndpoint(log: log, stations: stations, connections: connections, messages: messages, quirkLog: quirkLog,
                                    events: events, usesTLS: ocppConfiguration.tls != nil, stationAuth: effectiveStationAuth)
        endpoint.budget = MessageBudget(limits: budgetLimits)
        let traffic = OCPPTraffic()
        endpoint.traffic = traffic
        endpoint.leases = cluster?.leases
        await cluster?.takeApprovals(into: runner, auditor: auditor)
        let ocpp = try HTTPServer(address: ocppAddress, router: endpoint.router(), configuration: ocppConfiguration)
        let apiGuard = APIGuard(allowedOrigins: httpAllowedOrigins, allowedHosts: httpAllowedHosts, store: store, log: log)
        let http = try HTTPServer(address: httpAddress, router: APIRoutes.router(store: store, runner: runner, auditor: auditor,
                                                                                  commands: commandService, catalog: catalog, events: eventLog,
                                                                                  traffic: traffic, sites: SiteDirectory(sites),
                                                                                  node: cluster?.status(host: store),
                                                                                  guard: apiGuard, log: log))
        apiGuard.boundAddress.withLock { $0 = http.boundAddress }
        // Repeated hourly while the API stays open (and on mutating requests, at most once a minute).
        let openWarning: @Sendable () async -> Void = { await apiGuard.remindWhileOpen() }
        let hasAPIUsers = !((try? await APIUserStore(host: store).apiUsers().isEmpty) ?? true)
        for warning in startupWarnings(usesTLS: ocppConfiguration.tls != nil, hasAPIUsers: hasAPIUsers, http: http.boundAddress, auditKey: keyPath,
                                       ruleSet: ruleSet) {
            log(.warning, warning.message, warning.fields.merging(warning.fix.map { ["fix": $0] } ?? [:]) { first, _ in first })
        }
        printLine("ocpp listening on \(ocpp.boundAddress)\(ocppConfiguration.tls == nil ? "" : " (TLS)")")
        printLine("http listening on \(http.boundAddress)")
        log(.info, "database ready", ["path": database.description, "unknown-stations": unknownStations.rawValue])
        // Offline is decided by the socket (closed, or not answering the keep-alive pings); the
        // sweep marks silent stations without an answering connection (see OfflineSweep).
        var sweeper = OfflineSweep(store: store, connections: connections, heartbeatInterval: heartbeatInterval,
                                   keepAlive: endpoint.webSocket, clock: stations.clock, servedElsewhere: servedElsewhere)
        sweeper.node = nodeName
        sweeper.reportLiveness = { [log] error in log(.error, "cannot record this node alive (used after a crash)", ["error": "\(error)"]) }
        let offlineSweep = sweeper
        let sweep: @Sendable () async -> Void = { [log] in
            await offlineSweep.run { result in
                switch result {
                case .success(let marked):
                    log(.warning, "stations silent and without an answering connection; marked offline",
                        ["stations": marked.joined(separator: ",")])
                    // The rules hear it as a disconnect (the socket's own close, when it comes, raises another).
                    await Self.raiseDisconnects(marked, reason: "silent: no message within two heartbeat intervals, no answering connection",
                                                events: events, log: log)
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
        // Repeats the repeat interval held back go out once it is over (on the node that acts).
        let heldRepeats: @Sendable () async -> Void = { await alertService.sendHeldRepeats(every: .seconds(5)) }
        // The time half of the audit cadence: the head is signed within a minute of any entry.
        let signAudit: @Sendable () async -> Void = { await auditor.run(every: .seconds(AuditChain.Cadence.standard.seconds)) }
        let acting = ([rules, react, act, expire, detectFraud, heldRepeats] + (billing.map { [$0.task] } ?? [])).map(gate.gated)
        var clustered = cluster?.background ?? []
        if let role = cluster?.remediation {
            clustered.append { [log] in
                await Self.runRemediationRole(role, events: eventLog, runner: runner, executor: executor, gate: gate, log: log)
            }
            clustered.append { await Self.followSharedBacklog(role, events: eventLog, host: store) }
        }
        await Shutdown.runUntilSignalled([ocpp, http], background: [sweep, writeLogs, reload, deliver, signAudit, openWarning] + acting + clustered,
                                         log: log)
        await executor.drainInFlight()   // their outcomes on the trail before its last checkpoint
        await auditor.checkpoint()
        do { try await messages.flush() } catch { log(.error, "cannot write the last frames of the message log", ["error": "\(error)"]) }
        do { try await quirkLog.flush() } catch { log(.error, "cannot write the quirk record", ["error": "\(error)"]) }
        checkpointer?.stop()
        cluster?.stop()
        log(.info, "stopped")
        return 0
    }

    /// Runs `body` as a high-priority child task on the fault loop's thread: the rule runner
    /// and the executor go ahead of the fleet's traffic wherever work queues — on the store's
    /// thread (`ThreadExecutor` runs such jobs first) — and their code between actors never
    /// waits for a turn on the pool the connections keep busy.
    static func urgently(_ body: @escaping @Sendable () async -> Void) async {
        await withDiscardingTaskGroup { group in
            group.addTask(executorPreference: ThreadExecutor.remediation.tasks, priority: UrgentPriority.level) {
                UrgentPriority.raiseCurrentTask()   // the requested priority alone does not reach the task's jobs
                await body()
            }
        }
    }

    /// The `disconnected` event of each station whose connection ended without a close (found at
    /// start, or silent in the offline sweep): the rules would otherwise go on taking it for
    /// connected. A failure to record one is logged; the others are still raised.
    static func raiseDisconnects(_ stations: [String], reason: String, events: DomainEventFactory, log: Log) async {
        for station in stations {
            do {
                try await events.emit(.disconnected, station: station, at: Date(), fields: ["reason": .string(reason)])
            } catch {
                log(.error, "cannot record a station's lost connection in the event log", ["station": station, "error": "\(error)"])
            }
        }
    }
}
