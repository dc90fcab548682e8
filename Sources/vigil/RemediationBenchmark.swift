import Foundation
import ServiceLog
import Synchronization
import Transport

/// Fault → first command latency under saturation: a spawned `vigil serve` (fresh database,
/// one rule that resets a station whose connector reports Faulted, a catalogue entry saying a
/// reset may clear InternalError) carries `backgroundChargers` chargers of `BenchLoad`, each
/// with one call outstanding as fast as it is answered — not paced. Meanwhile `probes` other
/// chargers report `StatusNotification Faulted InternalError` one at a time, spread over
/// `seconds`, each timing until the Reset CALL reaches it (rule engine, executor gates,
/// write-ahead record, audit, send). Prints p50/p99/max, how many probes got their Reset, the
/// background rate and the events dropped (from /api/v1/health). A figure, not a pass/fail
/// (issue #15's target: p99 ≤ 100 ms, nothing dropped).
struct RemediationBenchmark {
    var backgroundChargers = 1_000
    var probes = 100
    var seconds: Int
    /// How long after the last fault the benchmark still waits for Resets.
    static let grace = Duration.seconds(10)

    /// When each probe's Reset arrived (`BenchLoad.now()` nanoseconds; 0 while it has not).
    final class Arrivals: Sendable {
        private let instants: Mutex<[UInt64]>
        init(count: Int) { instants = Mutex(Array(repeating: 0, count: count)) }
        func record(_ probe: Int, at instant: UInt64) { instants.withLock { if $0[probe] == 0 { $0[probe] = instant } } }
        func instant(of probe: Int) -> UInt64? { instants.withLock { $0[probe] == 0 ? nil : $0[probe] } }
    }

    func run() async throws {
        SystemLimits.raiseFileDescriptorLimit()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/rules", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
        - id: reset-faulted
          when: { event: statusChanged, where: { to: Faulted } }
          then:
            - reset: soft
        """.write(toFile: directory + "/rules/bench.yaml", atomically: true, encoding: .utf8)
        // The executor classes open faults with the catalogue (without one, every open fault
        // counts as never-reset): the probes' InternalError is one a reset may clear.
        try FileManager.default.createDirectory(atPath: directory + "/codes", withIntermediateDirectories: true)
        try """
        vendor: "Generic OCPP"
        recognise: { vendorIds: [], chargePointVendors: [] }
        codeFormat: text
        sources: { bench: { title: "benchmark", url: "https://example.invalid/" } }
        codes:
          - { code: InternalError, ocppErrorCode: InternalError, title: "Internal error", meaning: "An internal fault.", severity: major,
              category: software, remedy: softReset, autoReset: allowed, remedySource: inferred, onCall: ["Reset it."], source: bench }
        """.write(toFile: directory + "/codes/Generic.yaml", atomically: true, encoding: .utf8)
        let server = try ChildServer.start(arguments: ["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", directory + "/vigil.sqlite",
                                                       "--rules", directory + "/rules", "--vendor-codes", directory + "/codes",
                                                       "--log-level", "error"])
        defer { server.stop() }
        let spacing = Duration.seconds(Double(seconds) / Double(probes))
        printLine("remediation benchmark: fault → Reset latency under saturation: \(backgroundChargers) background chargers, one call "
                  + "outstanding each, as fast as answered; \(probes) probes, one fault every \(Int(spacing.milliseconds)) ms")
        let url = "ws://127.0.0.1:\(server.port)/ocpp/"

        let background = try await BenchLoad.connect((0..<backgroundChargers).map { "LOAD-\($0)" }, url: url)
        _ = await background.boot()
        let probing = try await BenchLoad.connect((0..<probes).map { "PROBE-\($0)" }, url: url)
        _ = await probing.boot()
        let arrivals = Arrivals(count: probing.sockets.count)
        let listeners = Task {
            await withTaskGroup(of: Void.self) { group in
                for (index, socket) in probing.sockets.enumerated() {
                    group.addTask(executorPreference: socket.executor.tasks) { await Self.listen(socket, probe: index, arrivals: arrivals) }
                }
            }
        }

        let stop = BenchLoad.Stop()
        let loadStarted = BenchLoad.now()
        let load = Task { await background.saturate(until: stop) }
        try await Task.sleep(for: .seconds(2))   // let the load settle
        // The faults go out on a fixed schedule, whether or not the previous probe has its Reset
        // yet (a server that falls behind must not stretch the run); then up to `grace` more
        // for the last Resets.
        let spacingNanoseconds = UInt64(spacing.milliseconds * 1_000_000)
        let probeStart = BenchLoad.now()
        var sentAt: [UInt64] = []
        for (index, socket) in probing.sockets.enumerated() {
            let due = probeStart + UInt64(index) * spacingNanoseconds
            let now = BenchLoad.now()
            if now < due { try await Task.sleep(for: .nanoseconds(Int64(due - now))) }
            sentAt.append(BenchLoad.now())
            try? await socket.send(text: BenchFrames.fault(id: "F"))
        }
        let giveUp = BenchLoad.now() + UInt64(Self.grace.milliseconds * 1_000_000)
        while BenchLoad.now() < giveUp && sentAt.indices.contains(where: { arrivals.instant(of: $0) == nil }) {
            try await Task.sleep(for: .milliseconds(10))
        }
        // A probe without its Reset counts as infinitely late, so the percentiles cover every probe.
        let latencies = sentAt.indices.map { index in arrivals.instant(of: index).map { Double($0 - sentAt[index]) / 1_000_000 } ?? .infinity }.sorted()
        let answered = latencies.filter(\.isFinite).count
        stop.stop()
        let tally = await load.value
        let backgroundRate = Double(tally.answered) / (Double(stop.instant - loadStarted) / 1e9)
        let health = try await ServeHealth.read(port: server.httpPort ?? 0)
        await background.close()
        await probing.close()
        await listeners.value

        func percentile(_ p: Double) -> Double { latencies.isEmpty ? .nan : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        func shown(_ milliseconds: Double) -> String {
            milliseconds.isFinite ? String(format: "%.1f ms", milliseconds) : "> \(Int(Self.grace.seconds)) s (no Reset)"
        }
        printLine("  background: " + String(format: "%.0f messages/s answered", backgroundRate) + " over the run, " + tally.summary)
        printLine("  fault → Reset received: p50 \(shown(percentile(0.5))), p99 \(shown(percentile(0.99))), max \(shown(latencies.last ?? .nan)) "
                  + "(\(answered) of \(latencies.count) probes answered within \(Int(Self.grace.seconds)) s of the last fault; issue #15 target p99 ≤ 100 ms)")
        let answeredLatencies = latencies.filter(\.isFinite)
        if answered > 0 && answered < latencies.count {
            printLine("  the \(answered) answered: median \(shown(answeredLatencies[answered / 2])), max \(shown(answeredLatencies[answered - 1]))")
        }
        printLine("  events dropped: \(health.dropped) (at the end: \(health.consumers.joined(separator: ", ")))")
        if let counters = try? await ServeCommitCounters.read(port: server.httpPort ?? 0) { printLine("  " + counters.summary) }
        BenchResults.shared.add("remediation", "background load, \(backgroundChargers) chargers", backgroundRate, "msg/s")
        BenchResults.shared.add("remediation", "fault → Reset received, p50", percentile(0.5), "ms")
        BenchResults.shared.add("remediation", "fault → Reset received, p99", percentile(0.99), "ms")
        BenchResults.shared.add("remediation", "fault → Reset received, max", latencies.last ?? .nan, "ms")
        BenchResults.shared.add("remediation", "probes answered", Double(answered), "of \(latencies.count)")
        BenchResults.shared.add("remediation", "events dropped", Double(health.dropped), "events")
    }

    /// A probe after its boot: answers every CALL of the server, noting when a Reset arrives.
    private static func listen(_ socket: isolated TransportConnection, probe: Int, arrivals: Arrivals) async {
        while let message = try? await socket.receive() {
            guard case .text(let text) = message, case .call(let id, let action) = BenchFrames.classify(text, expecting: "F") else { continue }
            if action == "Reset" { arrivals.record(probe, at: BenchLoad.now()) }
            try? await socket.send(text: BenchFrames.answer(id: id, action: action))
        }
    }
}

extension Duration {
    var milliseconds: Double { seconds * 1_000 }
}
