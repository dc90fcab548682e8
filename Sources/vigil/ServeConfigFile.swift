import Alerts
import Billing
import CPMS
import Fraud
import Foundation
import Remediation
import RuleEngine
import YAMLKit

/// The `vigil serve --config FILE` YAML file: every serve setting (camelCase keys) and the
/// stations to pre-declare. Flags and VIGIL_… variables override it. Every mistake is
/// reported as `file:line:col`, unknown keys included.
///
/// ```yaml
/// ocpp: 0.0.0.0:9000
/// http: 127.0.0.1:8080
/// db: ./var/vigil.sqlite
/// unknownStations: reject
/// heartbeatInterval: 300
/// sites:
///   - {id: depot-north, name: Depot North, timeZone: Europe/Berlin}
/// stations:
///   - id: CP-1
///   - {id: CP-2, registration: pending, site: depot-north, connectors: {1: CCS2, 2: Type2}}
/// httpAllowedHosts: [vigil.example.net:8080]      # lists; flags take a,b
/// httpAllowedOrigins: [https://ops.example.net]
/// tariffs:                                        # docs/billing.md
///   - {id: standard, currency: EUR, vatPercent: 19, bands: [{energyPerKWh: 0.39}]}
/// fraud: {maxPowerKW: 150, burstCount: 5, burstWindow: 60s}   # docs/billing.md
/// billing: {costUpdatedInterval: 5m}                          # docs/billing.md
/// ```
struct ServeConfigFile {
    /// YAML key → flag name.
    static let keys: [String: String] = [
        "ocpp": "ocpp", "http": "http", "db": "db", "vendorCodes": "vendor-codes", "unknownStations": "unknown-stations",
        "heartbeatInterval": "heartbeat-interval", "logLevel": "log-level", "logFormat": "log-format",
        "tlsCert": "tls-cert", "tlsKey": "tls-key", "tlsClientCA": "tls-client-ca", "rules": "rules",
        "auditKey": "audit-key", "auditAnchor": "audit-anchor", "commandTimeout": "command-timeout", "concurrentUse": "concurrent-use",
        "duplicateConnections": "duplicate-connections", "messageLogDays": "message-log-days", "messageLogFrames": "message-log-frames",
        "tickInterval": "tick-interval", "stationAuth": "station-auth",
        "stationMessageBudget": "station-message-budget", "stationByteBudget": "station-byte-budget",
        "connectionsPerAddress": "connections-per-address", "messageLogBytes": "message-log-bytes", "nodeId": "node-id",
    ]
    /// YAML list key → flag name; the list is kept comma-joined, as the flag takes it.
    static let listKeys: [String: String] = ["httpAllowedOrigins": "http-allowed-origins", "httpAllowedHosts": "http-allowed-hosts"]

    /// Settings by flag name.
    var settings: [String: String] = [:]
    /// Stations to declare at start-up, with their registration, site and connector types.
    var stations: [DeclaredStation] = []
    /// Sites with their name and IANA time zone (`sites:`); a site a station names that is not
    /// listed here is valid and counts in UTC (`vigil config check` warns about it).
    var sites: [Site] = []
    /// Planned work: no automatic command (and, for rules that say `unless: { maintenance: true }`,
    /// no firing) for these sites or stations between `from` and `to`.
    var maintenance: [MaintenanceWindow] = []
    /// Webhook routes and delivery settings (`alerts:`).
    var alerts = AlertSettings()
    /// The executor's safety settings (`remediation:`).
    var remediation = RemediationPolicy()
    /// What sessions cost (`tariffs:`, docs/billing.md).
    var tariffs: [Tariff] = []
    /// The fraud and integrity checks' thresholds (`fraud:`, docs/billing.md).
    var fraud = FraudThresholds()
    /// Pricing's settings beside the tariffs (`billing:`, docs/billing.md).
    var billing = BillingSettings()

    /// Where each setting's value is in the file, by flag name (`vigil config check` and the
    /// messages about a bad value point there).
    var marks: [String: YAMLMark] = [:]

    /// The file at `path`; throws every mistake in it, one `file:line:col: …` line each.
    static func load(path: String) throws(UsageError) -> ServeConfigFile {
        let (config, errors) = try read(path: path)
        guard errors.isEmpty else { throw UsageError(errors.map(\.description).joined(separator: "\n")) }
        return config
    }

    /// The file at `path` with every mistake found in it: each key is checked, so one run
    /// shows them all. A YAML syntax error is the exception: the parser stops there, so it is
    /// the only error reported. Throws only when the file cannot be read.
    static func read(path: String) throws(UsageError) -> (ServeConfigFile, [YAMLError]) {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw UsageError("cannot read the config file \(path): \(unreadableReason(path))")
        }
        let root: YAMLNode
        do {
            guard let parsed = try YAMLParser.parse(text, file: path) else { return (ServeConfigFile(), []) }
            root = parsed
        } catch {
            return (ServeConfigFile(), [error])
        }
        var reader = YAMLFieldReader(root, context: "config", allowed: Array(keys.keys) + Array(listKeys.keys) + ["stations", "sites", "maintenance", "alerts", "remediation", "tariffs", "fraud", "billing"])
        var config = ServeConfigFile()
        for (key, flag) in keys.sorted(by: { $0.key < $1.key }) {
            if let value = reader.string(key, required: false) { config.settings[flag] = value }
            if let node = root[key] { config.marks[flag] = node.mark }
        }
        for (key, flag) in listKeys.sorted(by: { $0.key < $1.key }) where reader.field(key, required: false) != nil {
            config.settings[flag] = reader.strings(key).joined(separator: ",")
            if let node = root[key] { config.marks[flag] = node.mark }
        }
        var errors = reader.errors
        if let list = reader.field("stations", required: false) {
            let (stations, problems) = readStations(list)
            config.stations = stations
            errors += problems
        }
        if let list = reader.field("sites", required: false) {
            if list.sequence == nil { errors.append(YAMLError(mark: list.mark, problem: "config: \"sites\" must be a list")) }
            var seen: Set<String> = []
            for item in list.sequence ?? [] {
                var entry = YAMLFieldReader(item, context: "config site", allowed: ["id", "name", "timeZone"])
                let id = entry.string("id") ?? ""
                let name = entry.string("name", required: false)
                var zone = Site.utc
                if let text = entry.string("timeZone", required: false), let node = item["timeZone"] {
                    if let found = TimeZone(identifier: text) { zone = found }
                    else { entry.fail(node, "site \"\(id)\": \"timeZone\" must be an IANA time zone such as Europe/Berlin or UTC, got \"\(text)\"") }
                }
                if !id.isEmpty && !seen.insert(id).inserted, let node = item["id"] { entry.fail(node, "site \"\(id)\" is listed twice") }
                errors += entry.errors
                if entry.errors.isEmpty { config.sites.append(Site(id: id, name: name, timeZone: zone)) }
            }
        }
        if let list = reader.field("maintenance", required: false) {
            if list.sequence == nil { errors.append(YAMLError(mark: list.mark, problem: "config: \"maintenance\" must be a list")) }
            let formatter = ISO8601DateFormatter()
            for item in list.sequence ?? [] {
                var window = YAMLFieldReader(item, context: "config maintenance window", allowed: ["site", "station", "from", "to"])
                let site = window.string("site", required: false), station = window.string("station", required: false)
                var bounds: [Date] = []
                for key in ["from", "to"] {
                    guard let text = window.string(key), let node = item[key] else { continue }
                    if let date = formatter.date(from: text) { bounds.append(date) }
                    else { window.fail(node, "\"\(key)\" must be an RFC 3339 time such as 2026-12-01T06:00:00Z, got \"\(text)\"") }
                }
                if site == nil && station == nil { window.fail(item, "name the \"site\" or \"station\" the window is for") }
                if bounds.count == 2 && bounds[1] <= bounds[0], let node = item["to"] { window.fail(node, "\"to\" must be after \"from\"") }
                errors += window.errors
                if window.errors.isEmpty && bounds.count == 2 {
                    config.maintenance.append(MaintenanceWindow(site: site, station: station, from: bounds[0], to: bounds[1]))
                }
            }
        }
        if let node = reader.field("remediation", required: false) {
            var policy = YAMLFieldReader(node, context: "config remediation",
                                         allowed: ["maxResetsPerStation", "queueTimeToLive", "fleetBreakerShare", "fleetBreakerMinStations",
                                                   "fleetBreakerMinFaults", "fleetBreakerWindow", "rebootLoopBoots"])
            func number(_ key: String, _ apply: (Double) -> Void) {
                guard let text = policy.string(key, required: false), let valueNode = node[key] else { return }
                if let value = Double(text), value >= 0 { apply(value) } else { policy.fail(valueNode, "\"\(key)\" must be a non-negative number") }
            }
            number("maxResetsPerStation") { config.remediation.maxResetsPerStation = Int($0) }
            number("queueTimeToLive") { config.remediation.queueTimeToLive = $0 }
            number("fleetBreakerShare") { config.remediation.fleetBreakerShare = $0 }
            number("fleetBreakerMinStations") { config.remediation.fleetBreakerMinStations = Int($0) }
            number("fleetBreakerMinFaults") { config.remediation.fleetBreakerMinFaults = Int($0) }
            number("rebootLoopBoots") { config.remediation.rebootLoopBoots = Int($0) }
            if let text = policy.string("fleetBreakerWindow", required: false), let valueNode = node["fleetBreakerWindow"] {
                if let seconds = DurationText.seconds(text, allowBareNumber: true), seconds > 0 {
                    config.remediation.fleetBreakerWindow = seconds
                } else {
                    policy.fail(valueNode, "\"fleetBreakerWindow\" must be a duration such as 15m, got \"\(text)\"")
                }
            }
            errors += policy.errors
        }
        if let tariffsNode = reader.field("tariffs", required: false) {
            let (tariffs, problems) = TariffReader.read(tariffsNode)
            config.tariffs = tariffs
            errors += problems
        }
        if let billingNode = reader.field("billing", required: false) {
            let (settings, problems) = BillingSettings.read(billingNode)
            config.billing = settings
            errors += problems
        }
        if let fraudNode = reader.field("fraud", required: false) {
            let (thresholds, problems) = FraudConfigReader.read(fraudNode)
            config.fraud = thresholds
            errors += problems
        }
        if let alertsNode = reader.field("alerts", required: false) {
            let (settings, problems) = AlertSettings.read(alertsNode)
            config.alerts = settings
            errors += problems
        }
        return (config, errors.sorted { ($0.mark.line, $0.mark.column) < ($1.mark.line, $1.mark.column) })
    }

    /// The YAML key of a flag name (`unknown-stations` → `unknownStations`).
    static func key(of flag: String) -> String? {
        keys.first { $0.value == flag }?.key ?? listKeys.first { $0.value == flag }?.key
    }
}
