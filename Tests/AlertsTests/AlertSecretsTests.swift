@testable import Alerts
import Audit
@testable import CPMS
import Foundation
import ServiceLog
import StoreTesting
import Synchronization
import Testing
import Transport
import VendorCatalog

/// Webhook URLs that embed their secret (Slack) and PagerDuty routing keys never reach the
/// outbox, the audit trail or the log in clear; they are put back from the configuration when a
/// delivery is sent.
@Suite(.timeLimit(.minutes(1))) struct AlertSecretsTests {
    static let slackSecret = "XyZ9aBcDeFgHiJkLmNoPqRsT"
    static let routingKey = "R0UT1NG-9f8e7d6c5b4a3928"

    final class Inbox: Sendable { let items = Mutex<[(path: String, body: String)]>([]) }

    @Test func masksKeepSchemeHostAndFirstSegment() {
        #expect(Redacted.url(URL(string: "https://hooks.slack.com/services/T000/B000/\(Self.slackSecret)")!) == "https://hooks.slack.com/services/…")
        #expect(Redacted.url(URL(string: "https://events.pagerduty.com/v2/enqueue")!) == "https://events.pagerduty.com/v2/…")
        #expect(Redacted.url(URL(string: "http://127.0.0.1:9/hook")!) == "http://127.0.0.1:9/hook")
        #expect(Redacted.url(URL(string: "https://user:pw@example.com/hook?token=abc")!) == "https://example.com/hook/…")
        #expect(Redacted.key(Self.routingKey) == "R0UT…" && Redacted.key("short") == "…")
    }

    @Test func aSlackURLAndARoutingKeyStayOutOfTheOutboxTheAuditAndTheLog() async throws {
        let received = Inbox()
        let failFirst = Mutex(true)
        var router = Router()
        router.on("POST", "/services/{team}/{bot}/{secret}") { request in
            received.items.withLock { $0.append((request.target, String(decoding: request.body, as: UTF8.self))) }
            let fail = failFirst.withLock { first in defer { first = false }; return first }
            return .text(fail ? HTTPStatus(code: 500, reason: "Internal Server Error") : .ok, "ok")
        }
        let server = try HTTPServer(address: SocketAddress(host: "127.0.0.1", port: 0), router: router)
        async let running: Void = server.run()
        do { try await deliver(port: server.boundAddress.port, received: received) } catch {
            await server.shutdown()
            await running
            throw error
        }
        await server.shutdown()
        await running
    }

    func deliver(port: Int, received: Inbox) async throws {

        let (store, test) = try temporaryStore()
        defer { test.remove() }
        let slackURL = "http://127.0.0.1:\(port)/services/T0ABC/B0DEF/\(Self.slackSecret)"
        let pagerURL = "http://127.0.0.1:\(port)/services/pd/v2/enqueue"
        var settings = AlertSettings()
        settings.routes = [
            AlertRoute(name: "oncall", url: URL(string: slackURL)!, format: .slack, secret: "0123456789abcdef-secret"),
            AlertRoute(name: "oncall", url: URL(string: pagerURL)!, format: .pagerduty, secret: "0123456789abcdef-secret", routingKey: Self.routingKey),
        ]
        let audited = Mutex<[AuditRecord]>([])
        let logged = Mutex<[String]>([])
        let clock = TestClock()
        let audit: @Sendable ([AuditRecord]) async -> Void = { records in audited.withLock { $0 += records } }
        let log: LogLine = { level, message, fields in
            logged.withLock { $0.append("\(level.name) \(message) \(fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))") }
        }
        let service = AlertService(store: store, settings: settings, clock: { clock.date }, audit: audit, log: log)
        let dispatcher = AlertDispatcher(store: store, settings: settings, clock: { clock.date }, audit: audit, log: log)
        await service.raise(request())
        for _ in 0..<4 {
            await dispatcher.deliverDue()
            clock.advance(16 * 60)
        }
        await service.resolve(rule: "stuck", target: "CP-1/1")
        await dispatcher.deliverDue()

        let rows = try await AlertStore(host: store).deliveries(status: nil)
        #expect(rows.count == 4 && rows.allSatisfy { $0.status == "delivered" }, "\(rows.map(\.status))")
        let recorded = rows.map { "\($0.route) \($0.endpoint) \($0.body) \($0.lastError ?? "")" }
            + audited.withLock { $0 }.map { "\($0.action ?? "") \($0.outcome ?? "") \($0.details)" } + logged.withLock { $0 }
        #expect(recorded.contains { $0.contains("http://127.0.0.1:\(port)/services/…") })
        #expect(logged.withLock { $0 }.contains { $0.contains("will retry") })   // the failed first attempt is logged, masked
        for text in recorded {
            #expect(!text.contains(Self.slackSecret) && !text.contains(Self.routingKey), "\(text)")
        }
        // What the receivers got: the real URL, and PagerDuty's body with its routing key.
        let got = received.items.withLock { $0 }
        #expect(got.contains { $0.path.hasSuffix(Self.slackSecret) })
        let pager = got.filter { $0.path.hasSuffix("/enqueue") }
        // At least trigger and resolve (a retry after a client-side timeout on a loaded machine may add one).
        #expect(pager.count >= 2 && pager.allSatisfy { $0.body.contains(#""routing_key":"\#(Self.routingKey)""#) })
        // Nothing in the database file either.
        let raw = try Data(contentsOf: URL(fileURLWithPath: test.path ?? "")) + ((try? Data(contentsOf: URL(fileURLWithPath: (test.path ?? "") + "-wal"))) ?? Data())
        #expect(raw.range(of: Data(Self.slackSecret.utf8)) == nil && raw.range(of: Data(Self.routingKey.utf8)) == nil)
    }

    @Test func rowsQueuedWithTheURLInClearAreMaskedAndStillDelivered() async throws {
        let (store, test) = try temporaryStore()
        defer { test.remove() }
        let slack = AlertRoute(name: "oncall", url: URL(string: "http://127.0.0.1:9/services/T/B/\(Self.slackSecret)")!, format: .slack,
                               secret: "0123456789abcdef-secret")
        var settings = AlertSettings()
        settings.routes = [slack]
        let alert = try await AlertStore(host: store).insertAlert(groupKey: "r|t", rule: "r", target: "t", station: nil, site: nil, vendor: nil, route: "oncall",
                                                severity: .major, title: "T", text: "x", now: "2026-01-01T00:00:00.000Z")
        try await AlertStore(host: store).enqueueDelivery(alertId: alert, route: "oncall", endpoint: slack.legacyEndpoint, event: "trigger", idempotencyKey: "k",
                                        body: "{}", now: "2026-01-01T00:00:00.000Z")
        let dispatcher = AlertDispatcher(store: store, settings: settings, audit: { _ in }, log: { _, _, _ in })
        await dispatcher.maskLegacyEndpoints()
        let row = try #require(try await AlertStore(host: store).deliveries(status: nil).first)
        #expect(row.endpoint == slack.endpoint && !row.endpoint.contains(Self.slackSecret))
    }
}
