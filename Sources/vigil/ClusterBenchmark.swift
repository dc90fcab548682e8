import Foundation
import Glibc
import ServiceLog
import Store
import Transport

/// `vigil bench cluster` (issue #22): one, then two, then three `vigil serve` nodes on one
/// PostgreSQL database, loaded by the `BenchLoad` generator with the chargers spread evenly
/// over the nodes (one call outstanding each, as fast as answered). Each round gets a fresh
/// schema. Reports the total answered rate, the rate per node, where the CPU went (the nodes,
/// the PostgreSQL server's processes, the generator) and each node's commits, so the printout
/// says what limits the total: on one machine the nodes, PostgreSQL and the generator share
/// its cores, and every node's writing transactions take the same advisory lock.
struct ClusterBenchmark {
    let chargers: Int
    let seconds: Int
    /// `postgres://…` (`--db`, else `VIGIL_TEST_POSTGRES_URL` as `scripts/postgres-scratch run` sets it).
    let database: String?
    var nodeCounts = [1, 2, 3]

    /// One round's figures.
    struct Round {
        var nodes: Int
        var rate: Double
        var nodeCPU: Double
        var postgresCPU: Double
        var generatorCPU: Double
        var elapsed: Double
    }

    func run() async throws {
        guard let database, PostgresLocation.isPostgresURL(database) else {
            printLine("cluster benchmark: skipped, it needs a PostgreSQL server: `vigil bench cluster --db postgres://USER@HOST:PORT/DB`, "
                      + "or `scripts/postgres-scratch run vigil bench cluster` (a throwaway server; `scripts/bootstrap --tests` installs PostgreSQL)")
            return
        }
        SystemLimits.raiseFileDescriptorLimit()
        printLine("cluster benchmark: \(chargers) OCPP 1.6 chargers spread over 1, 2 and 3 vigil serve nodes on one PostgreSQL "
                  + "(\(try PostgresLocation(url: database).redacted)), one call outstanding each, \(seconds) s per round, "
                  + "\(ProcessInfo.processInfo.activeProcessorCount) cores shared by the nodes, PostgreSQL and the generator")
        var rounds: [Round] = []
        for count in nodeCounts { rounds.append(try await round(nodes: count, database: database)) }
        if let single = rounds.first {
            printLine("  scaling: " + rounds.map { String(format: "%d node%@ %.2f×", $0.nodes, $0.nodes == 1 ? "" : "s", $0.rate / max(1, single.rate)) }
                .joined(separator: ", ") + " the one-node rate")
        }
    }

    /// `count` nodes on a fresh schema, loaded, measured and stopped.
    func round(nodes count: Int, database: String) async throws -> Round {
        let schema = "vigil_bench_\(count)_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try PostgresDatabase(location: PostgresLocation(url: database))
        try admin.execute("CREATE SCHEMA \(schema)")
        defer { try? admin.execute("DROP SCHEMA \(schema) CASCADE") }
        let url = database + (database.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"

        // One audit key for all the nodes (one chain); made by the first node.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-\(schema)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var servers: [ChildServer] = []
        defer { servers.forEach { $0.stop() } }
        for index in 0..<count {
            let server = try ChildServer.start(arguments: ["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", url,
                                                           "--node-id", "bench-node-\(index + 1)", "--audit-key", directory + "/audit.key",
                                                           "--log-level", "error"])
            servers.append(server)
            // The first node takes the remediation role; the others stand by.
            if index == 0 { try await waitForRemediation(port: server.httpPort ?? 0) }
        }
        let urls = servers.map { "ws://127.0.0.1:\($0.port)/ocpp/" }
        let connectStart = ContinuousClock.now
        let load = try await BenchLoad.connect((0..<chargers).map { "BENCH-\($0)" }, urls: urls)
        let boot = await load.boot()
        let failures = load.failed > 0 ? " (\(load.failed) failed: \(load.firstFailure ?? ""))" : ""
        printLine("  \(count) node\(count == 1 ? "" : "s") (pids \(servers.map { String($0.pid) }.joined(separator: ", "))): "
                  + "\(load.sockets.count) chargers connected and booted in " + String(format: "%.1f s", (ContinuousClock.now - connectStart).seconds)
                  + failures + (boot.answered < load.sockets.count ? " (\(boot.answered) boots answered)" : ""))

        let nodeCPU = { servers.reduce(0) { $0 + $1.cpuSeconds() } }
        let before = (nodes: nodeCPU(), postgres: Self.postgresCPUSeconds(), generator: ChildServer.ownCPUSeconds())
        let stop = BenchLoad.Stop(after: .seconds(seconds))
        let started = BenchLoad.now()
        let tally = await load.saturate(until: stop)
        let elapsed = Double(stop.instant - started) / 1e9
        let used = (nodes: nodeCPU() - before.nodes, postgres: Self.postgresCPUSeconds() - before.postgres,
                    generator: ChildServer.ownCPUSeconds() - before.generator)
        let rate = Double(tally.answered) / elapsed
        printLine("    " + String(format: "%.0f messages/s answered in all, %.0f per node (%d in %.1f s), ", rate, rate / Double(count),
                                  tally.answered, elapsed) + tally.summary)
        printLine("    CPU during the load: nodes " + String(format: "%.1f s", used.nodes) + ", PostgreSQL "
                  + String(format: "%.1f s", used.postgres) + ", generator " + String(format: "%.1f s", used.generator)
                  + " of " + String(format: "%.1f s × %d cores", elapsed, ProcessInfo.processInfo.activeProcessorCount))
        for (index, server) in servers.enumerated() {
            if let counters = try? await ServeCommitCounters.read(port: server.httpPort ?? 0) {
                printLine("    node \(index + 1) " + counters.summary)
            }
        }
        let (drain, health) = try await ServeHealth.waitUntilCaughtUp(port: servers[0].httpPort ?? 0, since: stop.instant)
        printLine("    remediation node: " + (drain.map { String(format: "caught up with every node's events %.0f ms after the load stopped", $0) }
                                                ?? "NOT caught up 30 s after the load stopped") + ", \(health.dropped) events dropped")
        await load.close()

        let (p50, p99, _) = tally.percentiles()
        let part = "cluster \(count)"
        BenchResults.shared.add(part, "messages answered, \(chargers) chargers", rate, "per s")
        BenchResults.shared.add(part, "messages answered per node", rate / Double(count), "per s")
        BenchResults.shared.add(part, "latency p50", p50, "ms")
        BenchResults.shared.add(part, "latency p99", p99, "ms")
        BenchResults.shared.add(part, "CPU of the nodes per message", used.nodes / max(1, Double(tally.answered)) * 1e6, "µs")
        BenchResults.shared.add(part, "CPU of PostgreSQL per message", used.postgres / max(1, Double(tally.answered)) * 1e6, "µs")
        BenchResults.shared.add(part, "drain after the load stopped", drain ?? .infinity, "ms")
        return Round(nodes: count, rate: rate, nodeCPU: used.nodes, postgresCPU: used.postgres, generatorCPU: used.generator, elapsed: elapsed)
    }

    /// Waits (30 s at most) until the node on `port` says it runs the remediation.
    func waitForRemediation(port: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let body = try? await ServeHealth.get(path: "/api/v1/health", port: port),
               let health = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
               (health["node"] as? [String: Any])?["runsRemediation"] as? Bool == true {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError("the first node did not take the remediation role within 30 s")
    }

    /// User plus system CPU seconds of every process named `postgres` on this machine (the
    /// server and its backends, whichever user runs them), from /proc.
    static func postgresCPUSeconds() -> Double {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return 0 }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var total = 0.0
        for entry in entries where entry.first?.isNumber == true {
            guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"),
                  stat[stat.index(after: open)..<close] == "postgres" else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            total += (user + system) / ticks
        }
        return total
    }
}
