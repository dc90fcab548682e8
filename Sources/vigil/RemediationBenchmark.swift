import Foundation
import Synchronization
import OCPP
import Transport

/// Fault → first command latency: a spawned `vigil serve` (fresh database, one rule that
/// resets a station whose connector reports Faulted) carries a background load of OCPP 1.6
/// chargers paced to `backgroundRate` messages/s; probe chargers report a fault one at a time
/// and time how long until the Reset CALL reaches them (rule engine, executor gates,
/// write-ahead record, audit, send). Prints p50/p99/max.
struct RemediationBenchmark {
    var backgroundChargers = 500
    var backgroundRate = 5_000
    var probes = 100
    var seconds: Int

    func run() async throws {
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
        printLine("remediation benchmark: fault → Reset latency, \(probes) probes, background \(backgroundChargers) chargers at \(backgroundRate) msg/s")
        var options = WebSocketClient.Options()
        options.subprotocols = ["ocpp1.6"]
        options.configuration.pingInterval = nil
        let url = "ws://127.0.0.1:\(server.port)/ocpp/"

        let background = try await BenchFleet.connect((0..<backgroundChargers).map { "LOAD-\($0)" }, url: url, options: options)
        let arrivals = Mutex<[String: ContinuousClock.Instant]>([:])
        let resetHandler: OCPPConnection.Handler = { _, connection in
            arrivals.withLock { $0[connection.stationId] = $0[connection.stationId] ?? .now }
            return JSONObject([("status", .string("Accepted"))])
        }
        let probeConnections = try await BenchFleet.connect((0..<probes).map { "PROBE-\($0)" }, url: url, options: options,
                                                            handlers: ["Reset": resetHandler])

        // Background: each charger paced to its share of the rate, one call at a time.
        let interval = Duration.seconds(Double(backgroundChargers) / Double(backgroundRate))
        let stop = ContinuousClock.now + .seconds(seconds + 5)
        let load = Task {
            await withTaskGroup(of: Int.self) { group in
                for (index, connection) in background.connections.enumerated() {
                    group.addTask {
                        var sent = 0
                        var next = ContinuousClock.now + interval * Double(index % 100) / 100
                        while ContinuousClock.now < stop && !Task.isCancelled {
                            try? await Task.sleep(until: next, clock: .continuous)
                            next += interval
                            let payload = sent % 2 == 0 ? JSONObject()
                                : JSONObject([("connectorId", .integer(1)), ("errorCode", .string("NoError")), ("status", .string(sent % 4 == 1 ? "Charging" : "Available"))])
                            do { _ = try await connection.call(sent % 2 == 0 ? "Heartbeat" : "StatusNotification", payload, timeout: .seconds(30)) } catch { break }
                            sent += 1
                        }
                        return sent
                    }
                }
                return await group.reduce(0, +)
            }
        }
        try await Task.sleep(for: .seconds(2))   // let the load settle
        var latencies: [Double] = []
        let probeStart = ContinuousClock.now
        for connection in probeConnections.connections {
            let sent = ContinuousClock.now
            _ = try? await connection.call("StatusNotification", JSONObject([("connectorId", .integer(1)), ("errorCode", .string("InternalError")),
                                                                             ("status", .string("Faulted"))]), timeout: .seconds(30))
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                if let arrived = arrivals.withLock({ $0[connection.stationId] }) {
                    latencies.append((arrived - sent).milliseconds)
                    break
                }
                try await Task.sleep(for: .milliseconds(1))
            }
            let spacing = Duration.seconds(Double(seconds) / Double(probes))
            if ContinuousClock.now - sent < spacing { try await Task.sleep(for: spacing - (ContinuousClock.now - sent)) }
        }
        let probeSeconds = (ContinuousClock.now - probeStart).seconds
        load.cancel()
        let backgroundMessages = await load.value
        await background.close()
        await probeConnections.close()
        latencies.sort()
        func percentile(_ p: Double) -> Double { latencies.isEmpty ? .nan : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        printLine(String(format: "  background: %.0f messages/s sustained", Double(backgroundMessages) / (probeSeconds + 2)))
        printLine(String(format: "  fault → Reset received: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d of %d probes answered)",
                         percentile(0.5), percentile(0.99), latencies.last ?? .nan, latencies.count, probes))
        BenchResults.shared.add("remediation", "background load", Double(backgroundMessages) / (probeSeconds + 2), "msg/s")
        BenchResults.shared.add("remediation", "fault → Reset received, p50", percentile(0.5), "ms")
        BenchResults.shared.add("remediation", "fault → Reset received, p99", percentile(0.99), "ms")
    }
}

extension Duration {
    var milliseconds: Double { seconds * 1_000 }
}
