import Foundation
import Glibc
import OCPP
import Transport

/// End to end: `chargers` OCPP 1.6 chargers on real sockets against a spawned `vigil serve`
/// with a fresh SQLite database, each sending StatusNotification, MeterValues (4 samples) and
/// Heartbeat in turn, one call outstanding per charger as OCPP requires. Reports answered
/// messages per second and the database size per million messages (status history, message
/// log of both directions, registry).
struct CPMSBenchmark {
    let chargers: Int
    let seconds: Int
    /// Another central system to load instead of a spawned `vigil serve` (`ws://host:port/path/`,
    /// station ids appended), for `make bench-compare`.
    var targetURL: String?

    /// Messages answered per second (the figure `make bench-compare` compares).
    @discardableResult
    func run() async throws -> Double {
        SystemLimits.raiseFileDescriptorLimit()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = directory + "/vigil.sqlite"
        var server: ChildServer?
        let url: String
        if let targetURL {
            url = targetURL.hasSuffix("/") ? targetURL : targetURL + "/"
            printLine("CPMS benchmark: \(chargers) OCPP 1.6 chargers against \(url), \(seconds) s")
        } else {
            let child = try ChildServer.start(arguments: ["serve", "--ocpp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", database,
                                                          "--log-level", "error"])
            server = child
            url = "ws://127.0.0.1:\(child.port)/ocpp/"
            printLine("CPMS benchmark: \(chargers) OCPP 1.6 chargers against vigil serve (pid \(child.pid), SQLite, shipped rules and catalogue), \(seconds) s")
        }
        let options: WebSocketClient.Options = {
            var options = WebSocketClient.Options()
            options.subprotocols = ["ocpp1.6"]
            options.configuration.pingInterval = nil
            return options
        }()

        // Connect and boot everyone first.
        let fleet = try await BenchFleet.connect((0..<chargers).map { "BENCH-\($0)" }, url: url, options: options)
        let connections = fleet.connections

        let started = ContinuousClock.now
        let deadline = started + .seconds(seconds)
        let answered = await withTaskGroup(of: Int.self) { group in
            for (index, connection) in connections.enumerated() {
                group.addTask {
                    var count = 0
                    var meter = 1000 + index
                    while ContinuousClock.now < deadline {
                        meter += 7
                        let now = OCPPDateTime(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))
                        let samples = [("Energy.Active.Import.Register", "\(meter)"), ("Power.Active.Import", "7200"),
                                       ("Current.Import", "31.2"), ("Voltage", "230.4")].map { measurand, value in
                            JSONValue.object(JSONObject([("value", .string(value)), ("measurand", .string(measurand))]))
                        }
                        let calls: [(String, JSONObject)] = [
                            ("StatusNotification", JSONObject([("connectorId", .integer(1)), ("errorCode", .string("NoError")),
                                                               ("status", .string(count % 6 == 0 ? "Charging" : "Available"))])),
                            ("MeterValues", JSONObject([("connectorId", .integer(1)), ("meterValue", .array([.object(JSONObject(
                                [("timestamp", .string(now.rfc3339)), ("sampledValue", .array(samples))]))]))])),
                            ("Heartbeat", JSONObject()),
                        ]
                        let (action, payload) = calls[count % 3]
                        do { _ = try await connection.call(action, payload, timeout: .seconds(30)) } catch { break }
                        count += 1
                    }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        let elapsed = ContinuousClock.now - started
        let rss = server?.residentBytes() ?? 0   // with every charger still connected
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        await fleet.close()
        let rate = Double(answered) / seconds
        printLine(String(format: "  %d chargers: %.0f messages/s answered (%d in %.1f s)", chargers, rate, answered, seconds))
        BenchResults.shared.add("cpms", "messages answered, \(chargers) chargers", rate, "per s")
        guard let server else { return rate }
        server.stop()   // SIGTERM: the message log is flushed on the way out
        let bytes = ["", "-wal", "-shm"].reduce(0) { total, suffix in
            total + ((try? FileManager.default.attributesOfItem(atPath: database + suffix)[.size] as? Int) ?? 0)
        }
        printLine(String(format: "  vigil serve RSS under load: %.0f MiB (%.1f KiB per connected charger)", Double(rss) / 1_048_576,
                         Double(rss) / 1_024 / Double(max(1, chargers))))
        printLine(String(format: "  database: %.1f MiB, %.0f MiB per million messages", Double(bytes) / 1_048_576,
                         Double(bytes) / 1_048_576 / max(1, Double(answered)) * 1_000_000))
        BenchResults.shared.add("cpms", "serve RSS per connected charger", Double(rss) / 1_024 / Double(max(1, chargers)), "KiB")
        BenchResults.shared.add("cpms", "database per million messages", Double(bytes) / 1_048_576 / max(1, Double(answered)) * 1_000_000, "MiB")
        return rate
    }
}
