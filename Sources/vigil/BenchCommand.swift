import Foundation
import Glibc
import ServiceLog
import Transport

/// `vigil bench [transport|ocpp|rules|cpms|remediation|alerts|scale|all]`. Transport: against a
/// `vigil echo` child process on loopback, the round-trip message rate through one connection
/// and through many, and the echo server's resident memory per idle connection (client and
/// server share this machine's cores, so the rates are a floor for the server alone). OCPP:
/// decode, validate and re-encode rates of typed messages on one core (`OCPPBenchmark`).
/// Rules: `RulesBenchmark`. CPMS: `CPMSBenchmark` (the `BenchLoad` generator against echo, then
/// serve). Remediation: `RemediationBenchmark` (fault → command latency under saturation).
/// Scale: `ScaleBenchmark` (15,000 chargers at one message per second each, about 40 s).
/// Insights (not part of all): `InsightsBenchmark` (a site report over a year of history).
/// Cluster (not part of all: it needs PostgreSQL): `ClusterBenchmark` (1, 2, 3 nodes).
struct BenchCommand {
    var suite = "all"
    var connections: Int
    var idleConnections: Int
    var seconds: Int
    var messageBytes = 32
    /// `bench cpms --url`: load another central system instead of a spawned `vigil serve`.
    var targetURL: String?
    /// `bench scale`'s chargers and duration: `--connections` and `--seconds` when given,
    /// else 15,000 chargers for 20 s.
    var scaleChargers: Int
    var scaleSeconds: Int

    /// `bench cpms`' alternating echo/serve pairs (`--rounds`), 3 by default.
    var rounds: Int

    /// `bench insights`' stations (`--stations`), 1,000 by default.
    var insightStations: Int

    static let suites = ["transport", "ocpp", "cpms", "rules", "remediation", "alerts", "scale", "all", "insights", "cluster"]

    /// `bench cluster`'s PostgreSQL (`--db`, else `VIGIL_TEST_POSTGRES_URL`).
    var database: String?

    init(arguments: [String]) throws(UsageError) {
        let parsed = Arguments(arguments)
        try parsed.rejectUnknown(allowed: ["connections", "idle", "seconds", "url", "stations", "db", "rounds"])
        targetURL = parsed.value("url")
        database = parsed.value("db") ?? ProcessInfo.processInfo.environment["VIGIL_TEST_POSTGRES_URL"]
        if let first = parsed.positional.first {
            guard Self.suites.contains(first), parsed.positional.count == 1 else {
                throw UsageError("bench takes one of \(Self.suites.joined(separator: ", ")); got \(parsed.positional.joined(separator: " ").debugDescription)")
            }
            suite = first
        }
        connections = try parsed.integer("connections", default: 1000)
        scaleChargers = try parsed.integer("connections", default: 15_000)
        scaleSeconds = max(1, try parsed.integer("seconds", default: 20))
        idleConnections = try parsed.integer("idle", default: 10_000)
        seconds = max(1, try parsed.integer("seconds", default: 5))
        rounds = max(1, try parsed.integer("rounds", default: 3))
        insightStations = max(InsightsBenchmark.perSite, try parsed.integer("stations", default: 1_000))
    }

    func run() async throws -> Int32 {
        ChildServer.stopOnSignals()
        if suite == "ocpp" || suite == "all" { OCPPBenchmark.run(seconds: Double(min(seconds, 3))) }
        if suite == "transport" || suite == "all" { try await runTransport() }
        if suite == "rules" || suite == "all" { try RulesBenchmark().run() }
        if suite == "cpms" || suite == "all" { try await CPMSBenchmark(chargers: connections, seconds: seconds, targetURL: targetURL, rounds: rounds).run() }
        if suite == "remediation" || suite == "all" { try await RemediationBenchmark(seconds: max(seconds, 10)).run() }
        if suite == "alerts" || suite == "all" { try await AlertsBenchmark().run() }
        if suite == "scale" || suite == "all" { try await ScaleBenchmark(chargers: max(1, scaleChargers), seconds: scaleSeconds).run() }
        if suite == "insights" { try await InsightsBenchmark(stations: insightStations).run() }   // not in all: it writes a year of history
        if suite == "cluster" { try await ClusterBenchmark(chargers: connections, seconds: max(seconds, 10), database: database).run() }
        var settings: [String: Any] = ["seconds": seconds, "connections": connections, "idleConnections": idleConnections,
                                       "messageBytes": messageBytes, "target": targetURL ?? "vigil serve", "rounds": rounds]
        if suite == "scale" { settings["scale"] = ["chargers": scaleChargers, "seconds": scaleSeconds] }
        try BenchResults.shared.finish(suite: suite, settings: settings)
        return 0
    }

    func runTransport() async throws {
        SystemLimits.raiseFileDescriptorLimit()
        let server = try ChildServer.start()
        defer { server.stop() }
        let url = "ws://127.0.0.1:\(server.port)/echo"
        printLine("transport benchmark: vigil echo (pid \(server.pid)) on 127.0.0.1:\(server.port), \(messageBytes)-byte text messages")

        let baseline = server.residentBytes()
        let idle = try await openIdle(count: idleConnections, url: url)
        try await Task.sleep(for: .seconds(1))
        let loaded = server.residentBytes()
        let perConnection = idle.isEmpty ? 0 : (loaded - baseline) / idle.count
        printLine(String(format: "idle connections:        %6d held, server RSS %.1f MiB -> %.1f MiB, %d bytes per connection",
                         idle.count, Double(baseline) / 1_048_576, Double(loaded) / 1_048_576, perConnection))
        BenchResults.shared.add("transport", "idle connections held", Double(idle.count), "connections")
        BenchResults.shared.add("transport", "server memory per idle connection", Double(perConnection), "bytes")
        await closeAll(idle)

        let single = try await roundTrips(connectionCount: 1, url: url)
        printLine(String(format: "1 connection:            %9.0f round trips/s", single))
        BenchResults.shared.add("transport", "round trips, 1 connection", single, "per s")
        let many = try await roundTrips(connectionCount: connections, url: url)
        printLine(String(format: "%-6d connections:       %9.0f round trips/s", connections, many))
        BenchResults.shared.add("transport", "round trips, \(connections) connections", many, "per s")
    }

    /// Opens `count` connections, at most 256 handshakes in flight at once.
    func openIdle(count: Int, url: String) async throws -> [TransportConnection] {
        var opened: [TransportConnection] = []
        var next = 0
        try await withThrowingTaskGroup(of: TransportConnection.self) { group in
            while next < min(256, count) {
                group.addTask { try await WebSocketClient.connect(to: url, options: Self.quietOptions).0 }
                next += 1
            }
            while let connection = try await group.next() {
                opened.append(connection)
                if next < count {
                    group.addTask { try await WebSocketClient.connect(to: url, options: Self.quietOptions).0 }
                    next += 1
                }
            }
        }
        return opened
    }

    static var quietOptions: WebSocketClient.Options {
        var options = WebSocketClient.Options()
        options.configuration.pingInterval = nil
        return options
    }

    func closeAll(_ connections: [TransportConnection]) async {
        await withTaskGroup(of: Void.self) { group in
            for connection in connections { group.addTask { await connection.close() } }
        }
    }

    /// Each connection sends a message and waits for its echo, repeatedly, for `seconds`.
    func roundTrips(connectionCount: Int, url: String) async throws -> Double {
        let clients = try await openIdle(count: connectionCount, url: url)
        let message = String(repeating: "x", count: messageBytes)
        let deadline = ContinuousClock.now + .seconds(seconds)
        let started = ContinuousClock.now
        let total = await withTaskGroup(of: Int.self) { group in
            for client in clients {
                group.addTask {
                    var count = 0
                    while ContinuousClock.now < deadline {
                        do {
                            try await client.send(text: message)
                            guard try await client.receive() != nil else { break }
                        } catch { break }
                        count += 1
                    }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        let elapsed = ContinuousClock.now - started
        await closeAll(clients)
        return Double(total) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
