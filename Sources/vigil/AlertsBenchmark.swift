import Alerts
import CPMS
import Foundation
import ServiceLog
import Synchronization
import Transport
import VendorCatalog

/// Alert delivery: 10,000 alerts raised while the receiver is down (the outbox depth, and how
/// fast alerts are committed), then the receiver (Vigil's own HTTP server on 127.0.0.1,
/// answering 200) comes up and the dispatcher drains the outbox: deliveries per second.
struct AlertsBenchmark {
    var alerts = 10_000

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try StationStore(path: directory + "/vigil.sqlite")
        let received = Mutex(0)
        var router = Router()
        router.on("POST", "/hook") { _ in
            received.withLock { $0 += 1 }
            return .text(.ok, "ok")
        }
        let receiver = try HTTPServer(address: SocketAddress(host: "127.0.0.1", port: 0), router: router)
        let port = receiver.boundAddress.port
        var settings = AlertSettings()
        settings.routes = [AlertRoute(name: "oncall", url: URL(string: "http://127.0.0.1:\(port)/hook")!, format: .generic,
                                      secret: "benchmark-secret-0123", minSeverity: .info, sites: [], vendors: [],
                                      ratePerMinute: 1_000_000, timeout: 10, routingKey: nil)]
        let service = AlertService(store: store, settings: settings, audit: { _ in }, log: { _, _, _ in })
        let dispatcher = AlertDispatcher(store: store, settings: settings, parallelism: 16, audit: { _ in }, log: { _, _, _ in })
        printLine("alerts benchmark: \(alerts) alerts raised during a receiver outage, then delivered to 127.0.0.1 (generic JSON, signed)")

        let started = ContinuousClock.now
        for index in 0..<alerts {
            await service.raise(AlertRequest(rule: "bench", target: "CP-\(index / 2)/\(index % 2 + 1)", station: "CP-\(index / 2)",
                                             site: "site-\(index % 20)", route: "oncall", severity: .critical, title: "CP-\(index / 2) faulted",
                                             text: "1. Reset it.\nTried: reset soft (not verified)", decisionId: nil))
        }
        let raiseSeconds = (ContinuousClock.now - started).seconds
        let depth = try await AlertStore(host: store).outboxDepth()
        printLine(String(format: "  outbox during the outage: %d pending (%.0f alerts/s committed)", depth, Double(alerts) / raiseSeconds))
        BenchResults.shared.add("alerts", "raised into the outbox during an outage", Double(alerts) / raiseSeconds, "per s")

        async let serving: Void = receiver.run()
        let drainStart = ContinuousClock.now
        while try await AlertStore(host: store).outboxDepth() > 0 {
            if await dispatcher.deliverDue() == 0 { try await Task.sleep(for: .milliseconds(20)) }
            if ContinuousClock.now - drainStart > .seconds(300) { break }
        }
        let drainSeconds = (ContinuousClock.now - drainStart).seconds
        await receiver.shutdown()
        await serving
        let delivered = received.withLock { $0 }
        printLine(String(format: "  delivered: %d in %.1f s = %.0f alerts/s (16 in flight)", delivered, drainSeconds, Double(delivered) / drainSeconds))
        BenchResults.shared.add("alerts", "delivered after the outage (\(delivered))", Double(delivered) / drainSeconds, "per s")
    }
}
