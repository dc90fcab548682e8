import Foundation
import Glibc
import ServiceLog
import Transport

/// End to end, `chargers` OCPP 1.6 chargers (`BenchLoad`, one call outstanding each, as fast
/// as answered) for `seconds`, with the same generator and settings against a spawned `vigil
/// echo` (the transport alone: what the machine and the generator allow) and against a spawned
/// `vigil serve` with a fresh SQLite database, in `rounds` alternating pairs (echo, serve,
/// echo, serve …: this machine's speed drifts by tens of percent within minutes, so one echo
/// run followed by one serve run could compare two different machines). Reports each pair's
/// rates and serve/echo, and the median pair's (the lower middle of an even number) as the
/// figures (issue #15: ≥ 0.5×); for serve also latency, the drain time (after the load stops,
/// until /api/v1/health shows the event consumers caught up; ≤ 1 s; serve drains its load's
/// backlog and its chargers' disconnects before the next echo round, so none of it runs during
/// one), the events dropped, RSS (the median round's, chargers connected) and the database size
/// per million messages. With
/// `targetURL` it loads that central system alone (`make bench-compare`).
struct CPMSBenchmark {
    let chargers: Int
    let seconds: Int
    /// Another central system to load instead (`ws://host:port/path/`, station ids appended).
    var targetURL: String?
    /// Alternating echo/serve pairs measured (`--rounds`, default 3).
    var rounds = 3

    /// One target loaded: the rate and what the chargers saw; `load` is still connected.
    struct Measurement {
        var load: BenchLoad
        var tally: BenchLoad.Tally
        var rate: Double
        var stop: BenchLoad.Stop
    }

    /// Messages answered per second by serve (or the target): the figure `make bench-compare` reads.
    @discardableResult
    func run() async throws -> Double {
        SystemLimits.raiseFileDescriptorLimit()
        if let targetURL {
            let url = targetURL.hasSuffix("/") ? targetURL : targetURL + "/"
            printLine("CPMS benchmark: \(chargers) OCPP 1.6 chargers against \(url), one call outstanding each, \(seconds) s")
            let measured = try await measure(url: url, label: "target", server: nil)
            await measured.load.close()
            BenchResults.shared.add("cpms", "messages answered, \(chargers) chargers", measured.rate, "per s")
            return measured.rate
        }
        printLine("CPMS benchmark: \(chargers) OCPP 1.6 chargers, one call outstanding each, \(seconds) s against vigil echo, "
                  + "then the same against vigil serve (SQLite, shipped rules and catalogue); \(rounds) alternating round\(rounds == 1 ? "" : "s")")
        let echo = try ChildServer.start(arguments: ["echo", "--listen", "127.0.0.1:0"])
        defer { echo.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = directory + "/vigil.sqlite"
        let server = try ChildServer.start(arguments: ["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", database,
                                                       "--log-level", "error"])
        var stopped = false
        defer { if !stopped { server.stop() } }

        /// One echo/serve pair, with serve's RSS while its chargers were connected.
        struct Round {
            var echoRate: Double
            var serve: Measurement
            var rss: Int
            var drain: Double?
            var health: ServeHealth
            var ratio: Double { serve.rate / max(1, echoRate) }
        }
        var done: [Round] = []
        var answeredInAll = 0
        for round in 1...max(1, rounds) {
            if rounds > 1 { printLine("  round \(round) of \(rounds)") }
            let echoed = try await measure(url: "ws://127.0.0.1:\(echo.port)/ocpp/", label: "vigil echo", server: echo)
            await echoed.load.close()
            let measured = try await measure(url: "ws://127.0.0.1:\(server.port)/ocpp/", label: "vigil serve", server: server)
            let rss = server.residentBytes()   // with every charger still connected
            answeredInAll += measured.tally.answered
            let (drain, health) = try await ServeHealth.waitUntilCaughtUp(port: server.httpPort ?? 0, since: measured.stop.instant)
            let result = Round(echoRate: echoed.rate, serve: measured, rss: rss, drain: drain, health: health)
            printLine(String(format: "  serve / echo: %.3f× (%.0f / %.0f messages/s; issue #15 target ≥ 0.5×)", result.ratio,
                             measured.rate, echoed.rate))
            if let drain {
                printLine(String(format: "  drain: event consumers caught up %.0f ms after the load stopped (target ≤ 1 s); %d events dropped",
                                 drain, health.dropped))
            } else {
                printLine("  drain: event consumers NOT caught up 30 s after the load stopped (\(health.consumers.joined(separator: ", "))); "
                          + "\(health.dropped) events dropped")
            }
            done.append(result)
            await measured.load.close()
            // The disconnects' writes and events drain too: nothing of serve's runs during the next
            // echo round (after a moment for serve to see the closes and append their events).
            if round < rounds {
                try await Task.sleep(for: .milliseconds(300))
                _ = try await ServeHealth.waitUntilCaughtUp(port: server.httpPort ?? 0, since: BenchLoad.now())
            }
        }
        if let counters = try? await ServeCommitCounters.read(port: server.httpPort ?? 0) { printLine("  " + counters.summary) }
        server.stop()   // SIGTERM: the message log is flushed on the way out
        stopped = true
        let bytes = ["", "-wal", "-shm"].reduce(0) { total, suffix in
            total + ((try? FileManager.default.attributesOfItem(atPath: database + suffix)[.size] as? Int) ?? 0)
        }
        let median = done.sorted { $0.ratio < $1.ratio }[(done.count - 1) / 2]   // the lower middle of an even count
        let connected = max(1, median.serve.load.sockets.count)
        let rss = median.rss
        if done.count > 1 {
            printLine("  serve / echo by round: " + done.map { String(format: "%.3f×", $0.ratio) }.joined(separator: ", ")
                      + String(format: "; the median round's: %.3f× (%.0f / %.0f messages/s)", median.ratio, median.serve.rate, median.echoRate))
        }
        printLine(String(format: "  vigil serve RSS under load: %.0f MiB (%.1f KiB per connected charger)", Double(rss) / 1_048_576,
                         Double(rss) / 1_024 / Double(connected)))
        printLine(String(format: "  database: %.1f MiB, %.0f MiB per million messages", Double(bytes) / 1_048_576,
                         Double(bytes) / 1_048_576 / Double(max(1, answeredInAll)) * 1_000_000))
        let (p50, p99, _) = median.serve.tally.percentiles()
        let slowestDrain = done.contains { $0.drain == nil } ? Double.infinity : done.compactMap(\.drain).max() ?? .infinity
        BenchResults.shared.add("cpms", "echo: messages answered, \(chargers) chargers", median.echoRate, "per s")
        BenchResults.shared.add("cpms", "messages answered, \(chargers) chargers", median.serve.rate, "per s")
        BenchResults.shared.add("cpms", "serve / echo", median.ratio, "×")
        if done.count > 1 {
            BenchResults.shared.add("cpms", "serve / echo, lowest round", done.map(\.ratio).min() ?? 0, "×")
            BenchResults.shared.add("cpms", "serve / echo, highest round", done.map(\.ratio).max() ?? 0, "×")
        }
        BenchResults.shared.add("cpms", "serve latency p50", p50, "ms")
        BenchResults.shared.add("cpms", "serve latency p99", p99, "ms")
        BenchResults.shared.add("cpms", "drain after the load stopped (slowest round)", slowestDrain, "ms")
        BenchResults.shared.add("cpms", "events dropped", Double(done.last?.health.dropped ?? 0), "events")
        BenchResults.shared.add("cpms", "serve RSS per connected charger", Double(rss) / 1_024 / Double(connected), "KiB")
        BenchResults.shared.add("cpms", "database per million messages", Double(bytes) / 1_048_576 / Double(max(1, answeredInAll)) * 1_000_000, "MiB")
        return median.serve.rate
    }

    /// Connects and boots the chargers, then saturates `url` for `seconds`; prints the phase
    /// times, the rate (`  LABEL: N chargers: X messages/s answered …`, the line
    /// scripts/bench-compare reads for "vigil serve" and "target") and the CPU both sides used.
    func measure(url: String, label: String, server: ChildServer?) async throws -> Measurement {
        let connectStart = ContinuousClock.now
        let load = try await BenchLoad.connect((0..<chargers).map { "BENCH-\($0)" }, url: url)
        let connected = ContinuousClock.now
        let boot = await load.boot()
        let booted = ContinuousClock.now
        let failures = load.failed > 0 ? " (\(load.failed) failed: \(load.firstFailure ?? ""))" : ""
        let unanswered = boot.answered < load.sockets.count ? " (\(boot.answered) answered)" : ""
        printLine("  \(label)\(server.map { " (pid \($0.pid))" } ?? ""): \(load.sockets.count) connected in "
                  + String(format: "%.1f s", (connected - connectStart).seconds) + failures
                  + ", booted in " + String(format: "%.1f s", (booted - connected).seconds) + unanswered)
        let (ownCPU, serverCPU) = (ChildServer.ownCPUSeconds(), server?.cpuSeconds() ?? 0)
        let stop = BenchLoad.Stop(after: .seconds(seconds))
        let started = BenchLoad.now()
        let tally = await load.saturate(until: stop)
        let elapsed = Double(stop.instant - started) / 1e9
        let (ownUsed, serverUsed) = (ChildServer.ownCPUSeconds() - ownCPU, (server?.cpuSeconds() ?? 0) - serverCPU)
        let rate = Double(tally.answered) / elapsed
        printLine("  \(label): \(load.sockets.count) chargers: " + String(format: "%.0f messages/s answered (%d in %.1f s), ", rate, tally.answered, elapsed)
                  + tally.summary)
        printLine("  CPU during the load (and its tail after the stop): generator " + String(format: "%.1f s", ownUsed)
                  + (server == nil ? "" : ", \(label) " + String(format: "%.1f s", serverUsed)) + " of " + String(format: "%.1f s", elapsed))
        return Measurement(load: load, tally: tally, rate: rate, stop: stop)
    }
}
