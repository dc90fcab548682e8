import Alerts
import CPMS
import DomainEvents
import OCPP
import Remediation
import Store

/// `GET /metrics`: the service in the Prometheus text exposition format (version 0.0.4) —
/// stations connected and registered, connectors by state, OCPP CALLs in and out by action and
/// CallErrors by code, events evaluated by kind and decisions by rule and kind, commands by
/// action and outcome, alert deliveries by status and the outbox's depth, the store's group
/// commits with a latency histogram, and the event log's consumers and their lag
/// (`EventLogMetrics`). Counters count since the process started (Prometheus handles resets);
/// the store's counts are read when scraped. docs/operator-guide.md lists every series.
struct ServiceMetrics {
    var connected: Int?
    var stations: (registered: Int, online: Int)?
    var connectors: [String: Int] = [:]
    var traffic: OCPPTraffic.Counts?
    var rules: RuleCounters.Counts?
    var commands: [(action: String, status: String, count: Int)] = []
    var deliveries: [String: Int] = [:]
    var commitLatency: LatencyHistogram?

    /// Reads what is read at scrape time; a part that cannot be read is left out (and the
    /// scrape still answers).
    static func read(store: StationStore, connections: ConnectionRegistry?, traffic: OCPPTraffic?, runner: RuleRunner,
                     commits: GroupCommitStatistics) async -> ServiceMetrics {
        var metrics = ServiceMetrics()
        metrics.connected = await connections?.count
        metrics.stations = try? await store.stationCounts()
        metrics.connectors = (try? await store.connectorCounts()) ?? [:]
        metrics.traffic = traffic?.snapshot
        metrics.rules = runner.counters.snapshot
        metrics.commands = (try? await CommandStore(host: store).countsByActionAndStatus()) ?? []
        metrics.deliveries = (try? await AlertStore(host: store).deliveryCounts()) ?? [:]
        metrics.commitLatency = commits.latency
        return metrics
    }

    var text: String {
        var lines: [String] = []
        // A family is always described, with or without samples, so dashboards and alerts
        // find it before its first sample.
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for sample in samples { lines.append("\(name)\(sample.labels) \(sample.value)") }
        }
        func labeled(_ values: [String: Int], _ label: String) -> [(labels: String, value: String)] {
            values.sorted { $0.key < $1.key }.map { ("{\(label)=\"\(Self.escaped($0.key))\"}", String($0.value)) }
        }
        if let connected { metric("vigil_stations_connected", "gauge", "Stations with a live OCPP connection.", [("", String(connected))]) }
        if let stations {
            metric("vigil_stations_registered", "gauge", "Stations in the registry.", [("", String(stations.registered))])
            metric("vigil_stations_online", "gauge", "Stations the registry marks online.", [("", String(stations.online))])
        }
        // Every status both versions define, at zero too: a series exists before it is needed.
        let everyStatus = Dictionary(uniqueKeysWithValues: (ConnectorStatus.allCases.map(\.rawValue) + [StationStore.offlineConnectorStatus]).map { ($0, 0) })
        metric("vigil_connectors", "gauge", "Connectors by their live OCPP status; those of offline stations as Offline.",
               labeled(everyStatus.merging(connectors, uniquingKeysWith: { $1 }), "status"))
        if let traffic {
            metric("vigil_ocpp_calls_received_total", "counter", "CALLs received from stations, by action (unknown actions as other).",
                   labeled(traffic.callsReceived, "action"))
            metric("vigil_ocpp_calls_sent_total", "counter", "CALLs sent to stations, by action.", labeled(traffic.callsSent, "action"))
            metric("vigil_ocpp_call_errors_sent_total", "counter", "CallErrors Vigil answered, by code.", labeled(traffic.callErrorsSent, "code"))
            metric("vigil_ocpp_call_errors_received_total", "counter", "CallErrors stations answered to Vigil's CALLs, by code.",
                   labeled(traffic.callErrorsReceived, "code"))
            metric("vigil_ocpp_unreadable_frames_total", "counter", "Frames that could not be read or answered.",
                   [("", String(traffic.unreadableFrames))])
        }
        if let rules {
            metric("vigil_rule_events_total", "counter", "Domain events the rules evaluated, by kind.", labeled(rules.eventsByKind, "kind"))
            let decisions = rules.decisions.sorted { $0.key < $1.key }.flatMap { rule, kinds in
                kinds.sorted { $0.key < $1.key }.map { ("{rule=\"\(Self.escaped(rule))\",kind=\"\($0.key)\"}", String($0.value)) }
            }
            metric("vigil_rule_decisions_total", "counter", "Decisions recorded, by rule and kind.", decisions)
        }
        metric("vigil_commands", "gauge", "Remediation commands on record, by action and outcome (status).",
               commands.map { ("{action=\"\(Self.escaped($0.action))\",outcome=\"\($0.status)\"}", String($0.count)) })
        metric("vigil_alert_deliveries", "gauge", "Alert deliveries on record by status (pending is the outbox's depth).",
               labeled(["pending": 0, "delivered": 0, "dead": 0].merging(deliveries, uniquingKeysWith: { $1 }), "status"))
        if let commitLatency {
            let samples = commitLatency.buckets.map { ("{le=\"\($0.bound)\"}", String($0.count)) }
            lines.append("# HELP vigil_store_commit_duration_seconds Time of each group commit, BEGIN to the end of COMMIT.")
            lines.append("# TYPE vigil_store_commit_duration_seconds histogram")
            for sample in samples { lines.append("vigil_store_commit_duration_seconds_bucket\(sample.0) \(sample.1)") }
            lines.append("vigil_store_commit_duration_seconds_sum \(commitLatency.sum)")
            lines.append("vigil_store_commit_duration_seconds_count \(commitLatency.count)")
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    /// A label value as the exposition format wants it: `\`, `"` and newlines escaped.
    static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
