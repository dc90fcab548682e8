import API
import Alerts
import CPMS
import Foundation
import RuleEngine
import ServiceLog
import Remediation
import Store
import Transport
import VendorCatalog
import YAMLKit

/// `vigil config check FILE [serve options] [--json]`: what `vigil serve --config FILE` with
/// those options would run with, before it runs. Every mistake — in the file at
/// `file:line:col`, in a flag, in a VIGIL_… variable, in the rules or vendor catalogue it
/// names, a TLS file it cannot read — then the effective settings with where each came from
/// (secrets masked), then the warnings serve would log at start (`startupWarnings`, the same
/// list). Exit 0 when clean or with warnings only, 1 with errors, 2 for a usage mistake.
struct ConfigCommand {
    /// The verbs `config` takes (help: `CommandHelp.config`).
    enum Verb: String, CaseIterable {
        case check
    }

    let file: String
    let serveArguments: [String]
    let json: Bool

    init(arguments: [String]) throws(UsageError) {
        json = arguments.contains("--json")
        guard let first = arguments.first else { throw UsageError("config needs a verb: check FILE") }
        guard Verb(rawValue: first) != nil else { throw UsageError.unknownVerb(first, of: .config) }
        let rest = arguments.dropFirst().filter { $0 != "--json" }
        guard let path = rest.first, !path.hasPrefix("--") else { throw UsageError("config check needs the FILE to check") }
        file = path
        serveArguments = Array(rest.dropFirst())
        if serveArguments.contains(where: { $0 == "--config" || $0.hasPrefix("--config=") }) {
            throw UsageError("config check takes the file as its argument, not --config")
        }
    }

    /// One effective setting: its flag name, its value as serve will use it, where it came from.
    struct Setting {
        var name: String
        var value: String
        var source: String
    }

    func run() async throws -> Int32 {
        guard FileManager.default.isReadableFile(atPath: file) else { throw CommandFailure(description: "cannot read the config file \(file): \(unreadableReason(file))") }
        let environment = ProcessInfo.processInfo.environment
        var problems: [SettingProblem] = []
        let serve = try ServeCommand(arguments: serveArguments, environment: environment, configFile: file, problems: &problems)
        problems = SettingProblem.ordered(problems + Self.filesProblems(serve))
        guard problems.isEmpty else {
            if json {
                printLine(Self.encode(["file": file, "status": "errors", "errors": problems.map(Self.object)]))
            } else {
                for problem in problems { printStoredLine(problem.description) }
                printLine("\(file): \(problems.count) error\(problems.count == 1 ? "" : "s"); vigil serve would not start")
            }
            return 1
        }
        let keyPath = AuditKey.path(option: serve.auditKeyPath, database: serve.database)
        let (hasAPIUsers, notes) = await Self.apiUsers(in: serve.database)
        var warnings = serve.startupWarnings(usesTLS: serve.tlsCertificate != nil, hasAPIUsers: hasAPIUsers, http: serve.httpAddress,
                                             auditKey: keyPath,
                                             // Read quietly: serve's own load logs the missing directory, listed below as a warning already.
                                             ruleSet: FileManager.default.fileExists(atPath: serve.rulesDirectory)
                                                 ? try? RuleSet.load(directory: serve.rulesDirectory) : RuleSet(rules: []))
        if !FileManager.default.fileExists(atPath: serve.rulesDirectory) {
            warnings.insert(ServeCommand.RiskyDefault(message: ServeCommand.noRulesWarning, fields: ["path": serve.rulesDirectory]), at: 0)
        }
        if !FileManager.default.fileExists(atPath: serve.vendorCodes) {
            warnings.insert(ServeCommand.RiskyDefault(message: ServeCommand.noCatalogWarning, fields: ["path": serve.vendorCodes]), at: 0)
        }
        let settings = Self.settings(serve, auditKey: keyPath)
        if json {
            printLine(Self.encode([
                "file": file, "status": warnings.isEmpty ? "ok" : "warnings", "errors": [Any](),
                "settings": settings.map { ["name": $0.name, "value": $0.value, "source": $0.source] },
                "routes": serve.alertSettings.routes.map(Self.maskedRoute),
                "stations": serve.declaredStations.map {
                    ["id": $0.id, "registration": $0.registration, "site": $0.site as Any,
                     "connectors": Dictionary(uniqueKeysWithValues: $0.connectorTypes.map { (Self.connectorKey($0), $0.type.rawValue) })]
                },
                "warnings": warnings.map { warning -> [String: Any] in
                    var object: [String: Any] = ["message": warning.message]
                    if let fix = warning.fix { object["fix"] = fix }
                    return object
                },
                "notes": notes + Self.tariffNotes(serve),
                "tariffs": serve.tariffs.map { ["id": $0.id, "scope": BillingCommand.scope($0), "currency": $0.currency.code] },
                "billing": ["costUpdatedInterval": Self.interval(serve.billingSettings.costUpdatedInterval)],
            ]))
        } else {
            printLine("\(file): no errors")
            printLine("")
            printLine("effective settings (flags over VIGIL_… variables over the file over the defaults):")
            let width = settings.map(\.name.count).max() ?? 0
            for setting in settings {
                printStoredLine("  \(setting.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(setting.value)  (\(setting.source))")
            }
            if !serve.alertSettings.routes.isEmpty {
                printLine("alert routes:")
                for route in serve.alertSettings.routes {
                    let masked = Self.maskedRoute(route)
                    printStoredLine("  \(route.endpoint) \(route.format.rawValue) min \(route.minSeverity.rawValue) secret \(masked["secret"] as? String ?? "")"
                                    + (route.routingKey == nil ? "" : " routing key \(masked["routingKey"] as? String ?? "")"))
                }
            }
            if !serve.declaredStations.isEmpty { printLine("stations declared: \(serve.declaredStations.count)") }
            if !serve.maintenance.isEmpty { printLine("maintenance windows: \(serve.maintenance.count)") }
            if !serve.tariffs.isEmpty {
                printStoredLine("tariffs: " + serve.tariffs.map { "\($0.id) (\(BillingCommand.scope($0)), \($0.currency.code))" }.joined(separator: ", "))
                printLine("running cost to 2.0.1 stations (CostUpdated): " + (serve.billingSettings.costUpdatedInterval == nil
                    ? "off" : "at most every \(Self.interval(serve.billingSettings.costUpdatedInterval)) per session"))
            }
            for note in notes + Self.tariffNotes(serve) { printLine("note: \(note)") }
            printLine("")
            for warning in warnings {
                printStoredLine("warning: \(warning.message)" + (warning.fix.map { "; do instead: \($0)" } ?? ""))
            }
            printLine(warnings.isEmpty ? "no warnings" : "\(warnings.count) warning\(warnings.count == 1 ? "" : "s") (exit status 0: warnings alone do not stop vigil serve)")
        }
        return 0
    }

    /// What the reader of a config file should know about its tariffs that is not a mistake: a
    /// tariff for a connector type no station here declares (a misspelt station entry, or
    /// connectors not declared yet) — it can then only price connectors without a declared type,
    /// for which the criterion is ignored.
    static func tariffNotes(_ serve: ServeCommand) -> [String] {
        let declared = Set(serve.declaredStations.flatMap(\.connectorTypes).map(\.type.rawValue))
        let types = serve.tariffs.compactMap { tariff -> String? in
            guard let type = tariff.connectorType, !declared.contains(type) else { return nil }
            return "tariff \(tariff.id): no station in this file declares a \(type) connector (stations: connectors:); "
                + "on connectors without a declared type its connectorType is ignored (docs/billing.md)"
        }
        // A site compares exactly, as every identity does: a tariff for `north` never prices a
        // station at `North` (the session took the default tariff, unnoticed).
        let sites = Set(serve.sites.map(\.id) + serve.declaredStations.compactMap(\.site))
        let siteNotes = serve.tariffs.compactMap { tariff -> String? in
            guard let site = tariff.site, !sites.isEmpty, !sites.contains(site) else { return nil }
            let near = sites.sorted().first { $0.lowercased() == site.lowercased() }
            return "tariff \(tariff.id): no site \(site.debugDescription) in this file (sites:, stations: site:)"
                + (near.map { "; site names compare exactly — did you mean \($0.debugDescription)?" } ?? "; it prices only stations given that site later")
        }
        return types + siteNotes
    }

    /// `costUpdatedInterval` as the file could write it: `300s`, or `off`.
    static func interval(_ duration: Duration?) -> String {
        guard let duration else { return "off" }
        let milliseconds = duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
        return milliseconds % 1_000 == 0 ? "\(milliseconds / 1_000)s" : "\(Double(milliseconds) / 1_000)s"
    }

    /// A connector's key as the file writes it: `1` (every connector of EVSE 1) or `1/2`.
    static func connectorKey(_ entry: ConnectorTypeAssignment) -> String {
        entry.connector == 0 ? String(entry.evse) : "\(entry.evse)/\(entry.connector)"
    }

    /// What serve would refuse at start beyond the settings themselves: rules or a vendor
    /// catalogue with errors, TLS files it cannot read. Each points at the setting's position in
    /// the file when it was set there.
    static func filesProblems(_ serve: ServeCommand) -> [SettingProblem] {
        var problems: [SettingProblem] = []
        func problem(_ name: String, _ text: String) {
            if case .file(let mark)? = serve.origins[name] {
                problems.append(SettingProblem(mark: mark, text: "config: \"\(ServeConfigFile.key(of: name) ?? name)\": \(text)"))
            } else {
                problems.append(SettingProblem(mark: nil, text: text))
            }
        }
        if FileManager.default.fileExists(atPath: serve.rulesDirectory) {
            do { _ = try RuleSet.load(directory: serve.rulesDirectory) } catch {
                problem("rules", "the rules in \(serve.rulesDirectory) have \(error.errors.count) error\(error.errors.count == 1 ? "" : "s"); run `vigil rules check \(serve.rulesDirectory)`")
            }
        }
        if FileManager.default.fileExists(atPath: serve.vendorCodes) {
            do { _ = try VendorCatalog.load(directory: serve.vendorCodes) } catch {
                problem("vendor-codes", "the vendor catalogue \(serve.vendorCodes) has \(error.errors.count) error\(error.errors.count == 1 ? "" : "s"); run `vigil codes check \(serve.vendorCodes)`")
            }
        }
        var readable = true
        for (name, path) in [("tls-cert", serve.tlsCertificate), ("tls-key", serve.tlsKey), ("tls-client-ca", serve.tlsClientCA)] {
            if let path, !FileManager.default.isReadableFile(atPath: path) { problem(name, "cannot read \(path.debugDescription)"); readable = false }
        }
        // Loaded as serve loads them: a key of another certificate, or a file that is not PEM,
        // passed here and stopped serve (a restart loop under systemd's ExecStartPre check).
        if readable, let certificate = serve.tlsCertificate, let key = serve.tlsKey {
            do { _ = try TLSContext(serverCertificateFile: certificate, privateKeyFile: key, clientCAFile: serve.tlsClientCA) } catch {
                problem("tls-cert", "the TLS files cannot be used: \(error)")
            }
        }
        if let anchor = serve.auditAnchorPath, let trouble = AuditAnchorWriter.problem(path: anchor) { problem("audit-anchor", trouble) }
        return problems
    }

    /// Whether the database has an API user, read without migrating or creating anything; a
    /// note says when it could not be read (no database yet counts as none: the API starts open).
    static func apiUsers(in path: StoreLocation) async -> (Bool, [String]) {
        do {
            guard try path.exists() else {
                if case .sqlite(let file) = path, FileManager.default.fileExists(atPath: file) {
                    return (false, ["\(file) holds no Vigil tables: vigil serve would add its tables to this file at its first start"])
                }
                return (false, ["no database at \(path) yet: vigil serve creates it\(path.engine == .sqlite ? " (mode 0600)" : "") at its first start"])
            }
            let store = try StationStore(readingFrom: path)
            return (try await !APIUserStore(host: store).apiUsers().isEmpty, [])
        } catch {
            return (false, ["cannot read the API users from \(path) (\(error)); the warning below assumes none"])
        }
    }

    /// Every setting serve takes, as it will use it, in the order of `vigil serve --help`.
    static func settings(_ serve: ServeCommand, auditKey: String) -> [Setting] {
        let values: [(String, String)] = [
            ("ocpp", serve.ocppAddress.description + (serve.tlsCertificate == nil ? " (ws://)" : " (wss://)")),
            ("http", serve.httpAddress.description),
            ("http-allowed-hosts", serve.httpAllowedHosts.isEmpty ? "-" : serve.httpAllowedHosts.joined(separator: ",")),
            ("http-allowed-origins", serve.httpAllowedOrigins.isEmpty ? "-" : serve.httpAllowedOrigins.joined(separator: ",")),
            ("tls-cert", serve.tlsCertificate ?? "-"),
            ("tls-key", serve.tlsKey ?? "-"),
            ("tls-client-ca", serve.tlsClientCA ?? "-"),
            ("db", serve.database.description),
            ("unknown-stations", serve.unknownStations.rawValue),
            ("heartbeat-interval", "\(serve.heartbeatInterval)"),
            ("vendor-codes", serve.vendorCodes),
            ("rules", serve.rulesDirectory),
            ("audit-key", auditKey),
            ("audit-anchor", serve.auditAnchorPath ?? "-"),
            ("command-timeout", "\(serve.commandTimeout)"),
            ("concurrent-use", serve.concurrentUse.rawValue),
            ("duplicate-connections", serve.duplicateConnections.rawValue),
            ("node-id", serve.nodeId ?? (serve.database.engine == .postgresql ? "default: host and OCPP port" : "- (SQLite: one node)")),
            ("message-log-days", "\(serve.messageRetention.maxAgeSeconds / 86_400)"),
            ("message-log-frames", "\(serve.messageRetention.maxFrames)"),
            ("message-log-bytes", "\(serve.messageRetention.maxBytes)"),
            ("station-auth", serve.effectiveStationAuth == serve.stationAuth ? serve.stationAuth.rawValue
                : "\(serve.effectiveStationAuth.rawValue) (a client CA is set: a station without a certificate must give its password)"),
            ("station-message-budget", "\(serve.budgetLimits.messagesPerMinute)"),
            ("station-byte-budget", "\(serve.budgetLimits.bytesPerMinute)"),
            ("connections-per-address", "\(serve.connectionsPerAddress)"),
            ("tick-interval", "\(serve.tickMilliseconds)"),
            ("log-level", serve.log.minimum.name),
            ("log-format", serve.log.json ? "json" : "text"),
        ]
        return values.map { name, value in
            let source: String
            if name == "audit-key" && serve.origins[name] == nil {
                source = ProcessInfo.processInfo.environment["VIGIL_AUDIT_KEY"] != nil ? "VIGIL_AUDIT_KEY" : "default: beside the database"
            } else {
                source = serve.origins[name]?.description ?? "default"
            }
            return Setting(name: name, value: value, source: source)
        }
    }

    /// A webhook route with its URL masked (`Redacted`, as the outbox and the log show it) and
    /// its secret and routing key reduced to their length and first characters.
    static func maskedRoute(_ route: AlertRoute) -> [String: Any] {
        var object: [String: Any] = ["name": route.name, "endpoint": route.endpoint, "format": route.format.rawValue,
                                     "minSeverity": route.minSeverity.rawValue, "secret": "«set, \(route.secret.count) chars»"]
        if let key = route.routingKey { object["routingKey"] = Redacted.key(key) }
        return object
    }

    static func object(_ problem: SettingProblem) -> [String: Any] {
        var object: [String: Any] = ["message": problem.text, "text": problem.description]
        if let mark = problem.mark {
            object["file"] = mark.file
            object["line"] = mark.line
            object["column"] = mark.column
        }
        return object
    }

    static func encode(_ object: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
