import Foundation
import ServiceLog
import Transport

/// Many chargers at an ordinary pace: `chargers` OCPP 1.6 chargers (`BenchLoad`) connect to a
/// spawned `vigil serve` (fresh database) in batches of 200 handshakes, boot, then each sends
/// one message per second — their calls spread evenly over the second — for `seconds`.
/// Reports how long connecting and booting took, the answer latency (p50/p99/max; issue #15's
/// target p99 ≤ 50 ms), the rate achieved against the rate asked, and serve's resident memory:
/// absolute under load, and per connected charger (RSS under load minus RSS before the first
/// connection, divided by the chargers connected).
struct ScaleBenchmark {
    var chargers = 15_000
    var seconds = 20

    func run() async throws {
        let limit = SystemLimits.raiseFileDescriptorLimit()
        if limit < chargers + 100 {
            printLine("scale benchmark: the file descriptor limit is \(limit); \(chargers) chargers need about \(chargers + 100)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try ChildServer.start(arguments: ["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", directory + "/vigil.sqlite",
                                                       "--log-level", "error"])
        defer { server.stop() }
        printLine("scale benchmark: \(chargers) OCPP 1.6 chargers against vigil serve (pid \(server.pid), SQLite, shipped rules and catalogue), "
                  + "one message per second each for \(seconds) s")
        try await Task.sleep(for: .milliseconds(500))   // serve's start-up allocations settle
        let before = server.residentBytes()

        let connectStart = ContinuousClock.now
        let load = try await BenchLoad.connect((0..<chargers).map { "SCALE-\($0)" }, url: "ws://127.0.0.1:\(server.port)/ocpp/")
        let connected = ContinuousClock.now
        let boot = await load.boot()
        let booted = ContinuousClock.now
        let count = load.sockets.count
        printLine("  connected \(count) in " + String(format: "%.1f s (%.0f/s)", (connected - connectStart).seconds,
                                                       Double(count) / (connected - connectStart).seconds)
                  + (load.failed > 0 ? ", \(load.failed) failed (\(load.firstFailure ?? ""))" : "")
                  + "; booted in " + String(format: "%.1f s", (booted - connected).seconds) + ", boot " + boot.summary
                  + (boot.answered < count ? " (\(boot.answered) answered)" : ""))

        // Read before the start is set: right after the boots serve may take a while to answer,
        // and the first round's calls must not fall due meanwhile (they would go in a burst).
        let countersBefore = try? await ServeCommitCounters.read(port: server.httpPort ?? 0)
        let start = ContinuousClock.now + .milliseconds(200)
        let end = start + .seconds(seconds)
        let rssReading = Task {
            try? await Task.sleep(until: start + .seconds(seconds) * 0.75, clock: .continuous)
            return server.residentBytes()
        }
        let (ownCPU, serverCPU, written) = (ChildServer.ownCPUSeconds(), server.cpuSeconds(), server.bytesWrittenToDisk())
        let pacer = load.pacer(every: .seconds(1), from: start, until: end)
        let tally = await pacer.run()
        let finished = ContinuousClock.now
        let (ownUsed, serverUsed) = (ChildServer.ownCPUSeconds() - ownCPU, server.cpuSeconds() - serverCPU)
        let writtenDuringLoad = server.bytesWrittenToDisk() - written
        let countersAfter = try? await ServeCommitCounters.read(port: server.httpPort ?? 0)   // before the disconnects' commits
        let underLoad = await rssReading.value
        let health = try await ServeHealth.read(port: server.httpPort ?? 0)
        await load.close()

        let (p50, p99, max) = tally.percentiles()
        let rate = Double(tally.answered) / (finished - start).seconds
        let perCharger = Double(underLoad - before) / Double(Swift.max(1, count))
        printLine("  load: " + String(format: "%.0f messages/s answered of %d asked (%d in %.1f s), ", rate, count, tally.answered, (finished - start).seconds)
                  + tally.summary + " (issue #15 target p99 ≤ 50 ms)")
        let slowest = pacer.slowestSeconds().map { "second \($0.second): p99 " + String(format: "%.1f ms, max %.1f ms", $0.p99, $0.max) }
        printLine("  slowest seconds of the load: " + (slowest.isEmpty ? "none (nothing answered)" : slowest.joined(separator: "; ")))
        printLine("  CPU during the load: generator " + String(format: "%.1f s, vigil serve %.1f s", ownUsed, serverUsed)
                  + " of " + String(format: "%.1f s", (finished - start).seconds)
                  + String(format: "; serve wrote %.0f MB to disk (%.1f KB per message)", Double(writtenDuringLoad) / 1e6,
                           Double(writtenDuringLoad) / 1e3 / Double(Swift.max(1, tally.answered))))
        printLine(String(format: "  vigil serve RSS: %.0f MiB before connecting, %.0f MiB under load: %.1f KiB per connected charger",
                         Double(before) / 1_048_576, Double(underLoad) / 1_048_576, perCharger / 1_024))
        printLine("  events dropped: \(health.dropped)")
        if let counters = try? await ServeCommitCounters.read(port: server.httpPort ?? 0) { printLine("  " + counters.summary) }
        if let countersBefore, let countersAfter { printLine("  during the load, " + countersAfter.since(countersBefore).summary) }
        BenchResults.shared.add("scale", "chargers connected", Double(count), "chargers")
        BenchResults.shared.add("scale", "connect time", (connected - connectStart).seconds, "s")
        BenchResults.shared.add("scale", "boot time", (booted - connected).seconds, "s")
        BenchResults.shared.add("scale", "messages answered", rate, "per s")
        BenchResults.shared.add("scale", "answer latency p50", p50, "ms")
        BenchResults.shared.add("scale", "answer latency p99", p99, "ms")
        BenchResults.shared.add("scale", "answer latency max", max, "ms")
        BenchResults.shared.add("scale", "serve disk writes per message", Double(writtenDuringLoad) / 1e3 / Double(Swift.max(1, tally.answered)), "KB")
        BenchResults.shared.add("scale", "serve RSS under load", Double(underLoad) / 1_048_576, "MiB")
        BenchResults.shared.add("scale", "serve RSS per connected charger", perCharger / 1_024, "KiB")
        BenchResults.shared.add("scale", "events dropped", Double(health.dropped), "events")
    }
}
