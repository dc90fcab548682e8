@testable import Alerts
import Audit
@testable import CPMS
import Digests
import Foundation
import StoreTesting
import Synchronization
import Testing
import Transport
import VendorCatalog

/// A settable clock for grouping, repeats and give-up ages.
final class TestClock: Sendable {
    let now = Mutex(Date(timeIntervalSince1970: 1_795_000_000))
    func advance(_ seconds: TimeInterval) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var date: Date { now.withLock { $0 } }
}

func temporaryStore(_ engine: TestEngine = .sqlite) throws -> (StationStore, TestDatabase) {
    let test = try TestDatabase(engine, name: "alerts")
    return (try StationStore(location: test.location), test)
}

func route(_ format: AlertRoute.Format, url: String = "http://127.0.0.1:9/hook", name: String = "oncall", minSeverity: Severity = .info,
           sites: [String] = []) -> AlertRoute {
    AlertRoute(name: name, url: URL(string: url)!, format: format, secret: "0123456789abcdef-secret", minSeverity: minSeverity, sites: sites,
               vendors: [], ratePerMinute: 600, timeout: 2, routingKey: format == .pagerduty ? "R0UT1NGKEY" : nil)
}

func request(rule: String = "stuck", target: String = "CP-1/1", severity: Severity = .critical, site: String = "north") -> AlertRequest {
    AlertRequest(rule: rule, target: target, station: "CP-1", site: site, vendor: "ABB", route: "oncall", severity: severity,
                 title: "CP-1 connector 1 stuck", text: "1. Reset it.\nTried: reset soft (not verified)", decisionId: nil)
}

@Suite struct AlertGroupingTests {
    func service(_ engine: TestEngine, _ routes: [AlertRoute], clock: TestClock) throws -> (AlertService, StationStore, TestDatabase) {
        let (store, test) = try temporaryStore(engine)
        var settings = AlertSettings()
        settings.routes = routes
        let service = AlertService(store: store, settings: settings, clock: { clock.date }, audit: { _ in }, log: { _, _, _ in })
        return (service, store, test)
    }

    @Test(arguments: TestEngine.all) func repeatsUpdateOneAlertAndNotifyAtMostEveryRepeatInterval(engine: TestEngine) async throws {
        let clock = TestClock()
        let (service, store, test) = try service(engine, [route(.generic)], clock: clock)
        defer { test.remove() }
        await service.raise(request())
        clock.advance(60)
        await service.raise(request())              // within the hour: counted, not sent
        clock.advance(3_600)
        await service.raise(request())              // an hour later: an update goes out
        let alerts = try await AlertStore(host: store).alerts(status: nil)
        #expect(alerts.count == 1 && alerts[0].count == 3 && alerts[0].status == "open")
        #expect(try await AlertStore(host: store).deliveries(status: nil).map(\.event) == ["trigger", "update"])
    }

    /// A repeat the interval held back is not lost: when the interval is over its newest state
    /// goes out as an update, once, even with no further repeat; a rise in severity goes at once.
    @Test(arguments: TestEngine.all) func aHeldBackRepeatGoesOutWhenTheIntervalIsOverAndAnEscalationAtOnce(engine: TestEngine) async throws {
        let clock = TestClock()
        let (service, store, test) = try service(engine, [route(.generic)], clock: clock)
        defer { test.remove() }
        await service.raise(request(severity: .major))
        clock.advance(60)
        var other = request(severity: .major)
        other.title = "CP-1 connector 1: OtherError"
        await service.raise(other)                  // within the hour: held back
        await service.sendHeldRepeats()
        #expect(try await AlertStore(host: store).deliveries(status: nil).map(\.event) == ["trigger"])
        clock.advance(3_600)
        await service.sendHeldRepeats()             // the interval is over: the newest state goes out
        await service.sendHeldRepeats()             // once
        var deliveries = try await AlertStore(host: store).deliveries(status: nil)
        #expect(deliveries.map(\.event) == ["trigger", "update"])
        #expect(deliveries.last?.body.contains("OtherError") == true)
        clock.advance(60)
        await service.raise(request(severity: .safety))   // a safety fault now: not held back
        deliveries = try await AlertStore(host: store).deliveries(status: nil)
        #expect(deliveries.map(\.event) == ["trigger", "update", "update"])
        #expect(try await AlertStore(host: store).alerts(status: nil).first?.severity == .safety)
        await service.raise(request(severity: .minor))      // a milder repeat: the open alert stays safety
        #expect(try await AlertStore(host: store).alerts(status: nil).first?.severity == .safety)
    }

    /// An endpoint that the first message passed by (below its minSeverity) hears of the alert
    /// first as a trigger when it escalates, not as an update of something it never saw.
    @Test func anEndpointsFirstMessageIsATrigger() async throws {
        let clock = TestClock()
        let (service, store, test) = try service(.sqlite, [route(.generic), route(.generic, url: "http://127.0.0.1:9/pager", minSeverity: .critical)],
                                                 clock: clock)
        defer { test.remove() }
        await service.raise(request(severity: .major))
        clock.advance(60)
        await service.raise(request(severity: .critical))   // an escalation: sent at once
        let deliveries = try await AlertStore(host: store).deliveries(status: nil)
        let byEndpoint = Dictionary(grouping: deliveries, by: \.endpoint).mapValues { $0.sorted { $0.id < $1.id }.map(\.event) }
        #expect(byEndpoint.values.sorted { $0.count < $1.count } == [["trigger"], ["trigger", "update"]], "\(byEndpoint)")
    }

    /// A rule's route with no endpoint does not swallow the page: it goes to oncall; with no
    /// oncall endpoint either it is kept, not sent.
    @Test func anAlertForARouteWithNoEndpointGoesToOncall() async throws {
        let clock = TestClock()
        let (service, store, test) = try service(.sqlite, [route(.generic)], clock: clock)
        defer { test.remove() }
        var technician = request(rule: "safety-fault-disable", severity: .safety)
        technician.route = "technician"
        await service.raise(technician)
        let deliveries = try await AlertStore(host: store).deliveries(status: nil)
        #expect(deliveries.map(\.route) == ["oncall"] && deliveries.map(\.event) == ["trigger"])
        let (lonely, lonelyStore, lonelyTest) = try self.service(.sqlite, [route(.generic, name: "fraud")], clock: clock)
        defer { lonelyTest.remove() }
        await lonely.raise(technician)
        #expect(try await AlertStore(host: lonelyStore).deliveries(status: nil).isEmpty)
    }

    /// Raises that arrive together (a breaker's grouped alert, a storm) do not interleave: one
    /// alert, one trigger, and the repeats counted within the repeat interval, not sent.
    @Test(arguments: TestEngine.all) func raisesArrivingTogetherOpenOneAlertAndSendOneTrigger(engine: TestEngine) async throws {
        let clock = TestClock()
        let (service, store, test) = try service(engine, [route(.generic)], clock: clock)
        defer { test.remove() }
        await withDiscardingTaskGroup { group in
            for _ in 0..<8 { group.addTask { await service.raise(request()) } }
        }
        let alerts = try await AlertStore(host: store).alerts(status: nil)
        #expect(alerts.count == 1 && alerts.first?.count == 8)
        #expect(try await AlertStore(host: store).deliveries(status: nil).map(\.event) == ["trigger"])
    }

    @Test(arguments: TestEngine.all) func aLaterOutcomeUpdatesTheOpenAlertAtOnceButNeverReopensOne(engine: TestEngine) async throws {
        let clock = TestClock()
        let (service, store, test) = try service(engine, [route(.generic)], clock: clock)
        defer { test.remove() }
        await service.raise(request())
        clock.advance(60)
        var changed = request()
        changed.text += "\nTried: disableConnector → rejected"
        changed.outcomeChanged = true
        await service.raise(changed)                // within the repeat interval, but the outcome changed: sent now
        #expect(try await AlertStore(host: store).deliveries(status: nil).map(\.event) == ["trigger", "update"])
        #expect(try await AlertStore(host: store).alerts(status: nil).first?.text.hasSuffix("→ rejected") == true)
        await service.resolve(rule: "stuck", target: "CP-1/1")
        await service.raise(changed)                // the incident is over: no new alert from a late outcome
        #expect(try await AlertStore(host: store).alerts(status: nil).map(\.status) == ["resolved"])
        // The resolve says the incident is over; it does not repeat the trigger's live facts.
        let resolve = try #require(try await AlertStore(host: store).deliveries(status: nil).first { $0.event == "resolve" })
        #expect(resolve.body.contains("Resolved: the incident of rule stuck for CP-1/1 is over") && !resolve.body.contains("rejected"), "\(resolve.body)")
        // Only a pending delivery has a next attempt (JSON); a delivered or dead one says null.
        #expect(resolve.jsonObject["nextAttemptAt"] is String)
        var delivered = resolve
        delivered.status = "delivered"
        #expect(delivered.jsonObject["nextAttemptAt"] is NSNull)
    }

    @Test(arguments: TestEngine.all) func aClearedIncidentResolvesAndANewOneOpensAnotherAlert(engine: TestEngine) async throws {
        let clock = TestClock()
        let (service, store, test) = try service(engine, [route(.pagerduty)], clock: clock)
        defer { test.remove() }
        await service.raise(request())
        await service.resolve(rule: "stuck", target: "CP-1/1")
        await service.raise(request())
        #expect(try await AlertStore(host: store).alerts(status: nil).map(\.status) == ["resolved", "open"])
        let bodies = try await AlertStore(host: store).deliveries(status: nil).map(\.body)
        #expect(bodies.count == 3)
        #expect(bodies[1].contains("\"event_action\":\"resolve\"") && bodies[1].contains("\"dedup_key\":\"stuck|CP-1/1\""))
    }

    @Test(arguments: TestEngine.all) func silencesKeepTheAlertButSendNothingWhileTheyLast(engine: TestEngine) async throws {
        let clock = TestClock()
        let (service, store, test) = try service(engine, [route(.generic)], clock: clock)
        defer { test.remove() }
        _ = try await AlertStore(host: store).addSilence(rule: "stuck", station: nil, site: "north", severity: nil, startsAt: StoreTime.format(clock.date),
                                       endsAt: StoreTime.format(clock.date.addingTimeInterval(600)), by: "dana", reason: "works", now: StoreTime.format(clock.date))
        await service.raise(request())
        await service.raise(request(target: "CP-1/2", site: "south"))   // another site: not silenced
        #expect(try await AlertStore(host: store).alerts(status: "open").count == 2)
        #expect(try await AlertStore(host: store).deliveries(status: nil).count == 1)
        clock.advance(3_700)   // the silence is over and the repeat interval has passed
        await service.raise(request())
        #expect(try await AlertStore(host: store).deliveries(status: nil).count == 2)
    }

    @Test(arguments: TestEngine.all) func routesFilterBySeverityAndSite(engine: TestEngine) async throws {
        let clock = TestClock()
        let (service, store, test) = try service(engine, [route(.slack, minSeverity: .critical), route(.generic, url: "http://127.0.0.1:9/b", sites: ["south*"])],
                                                 clock: clock)
        defer { test.remove() }
        await service.raise(request(severity: .major, site: "south-2"))
        let endpoints = try await AlertStore(host: store).deliveries(status: nil).map(\.endpoint)
        #expect(endpoints == [route(.generic, url: "http://127.0.0.1:9/b").endpoint] && endpoints[0].hasPrefix("oncall http://127.0.0.1:9/b ["))
    }
}

@Suite struct AlertPayloadTests {
    let alert = AlertRow(id: 7, groupKey: "stuck|CP-1/1", rule: "stuck", target: "CP-1/1", station: "CP-1", site: "north",
                                      vendor: "ABB", route: "oncall", severity: .critical, title: "CP-1 stuck", text: "Reset it.", status: "open",
                                      firstSeen: "2026-01-01T00:00:00.000Z", lastSeen: "2026-01-01T00:05:00.000Z", count: 2, lastNotified: nil,
                                      resolvedAt: nil)

    func object(_ format: AlertRoute.Format, _ event: String) throws -> [String: Any] {
        let body = AlertPayload.deliverable(AlertPayload.body(for: alert, event: event, route: route(format), idempotencyKey: "k1"), route: route(format))
        return try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }

    @Test func genericCarriesAVersionAndTheWholeAlert() throws {
        let body = try object(.generic, "trigger")
        #expect(body["version"] as? Int == 1 && body["event"] as? String == "trigger" && body["idempotencyKey"] as? String == "k1")
        let details = try #require(body["alert"] as? [String: Any])
        #expect(Set(details.keys).isSuperset(of: ["id", "rule", "target", "station", "connector", "site", "vendor", "severity", "title", "text",
                                                  "status", "firstSeen", "lastSeen", "count"]))
        #expect(details["connector"] as? Int == 1)
    }

    @Test func slackHasTextAndBlocks() throws {
        let body = try object(.slack, "resolve")
        #expect((body["text"] as? String)?.hasPrefix("[RESOLVED] CP-1 stuck") == true)
        let blocks = try #require(body["blocks"] as? [[String: Any]])
        #expect(blocks.map { $0["type"] as? String } == ["header", "section", "context"])
    }

    @Test func pagerDutyFollowsEventsV2() throws {
        let trigger = try object(.pagerduty, "trigger")
        #expect(trigger["routing_key"] as? String == "R0UT1NGKEY" && trigger["event_action"] as? String == "trigger"
                && trigger["dedup_key"] as? String == "stuck|CP-1/1")
        let payload = try #require(trigger["payload"] as? [String: Any])
        #expect(payload["summary"] as? String == "CP-1 stuck" && payload["source"] as? String == "CP-1" && payload["severity"] as? String == "critical")
        #expect(Set(["critical", "error", "warning", "info"]).contains(payload["severity"] as? String ?? ""))
        let resolve = try object(.pagerduty, "resolve")
        #expect(Set(resolve.keys) == ["routing_key", "event_action", "dedup_key"] && resolve["event_action"] as? String == "resolve")
        // The stored body leaves the routing key out; it is put in at sending time.
        #expect(!AlertPayload.body(for: alert, event: "trigger", route: route(.pagerduty), idempotencyKey: "k1").contains("R0UT1NGKEY"))
    }

    @Test func alertmanagerHasTheWebhookShape() throws {
        let body = try object(.alertmanager, "trigger")
        #expect(Set(body.keys) == ["version", "groupKey", "truncatedAlerts", "status", "receiver", "groupLabels", "commonLabels",
                                   "commonAnnotations", "externalURL", "alerts"])
        #expect(body["version"] as? String == "4" && body["status"] as? String == "firing")
        let item = try #require((body["alerts"] as? [[String: Any]])?.first)
        #expect(Set(item.keys) == ["status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"])
        #expect((item["labels"] as? [String: String])?["alertname"] == "stuck")
    }

    @Test func theSignatureIsAnHMACOverTimestampAndBody() {
        let header = AlertDispatcher.signature(body: "{\"a\":1}", secret: "s3cret-s3cret-s3cret", timestamp: 1_700_000_000)
        // Independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac s3cret-s3cret-s3cret
        #expect(header == "t=1700000000,v1=" + Digests.hmacSHA256Hex(key: Array("s3cret-s3cret-s3cret".utf8),
                                                                        message: Array("1700000000.{\"a\":1}".utf8)))
        #expect(header.count == "t=1700000000,v1=".count + 64)
    }
}
