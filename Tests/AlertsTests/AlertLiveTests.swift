@testable import Alerts
import DomainEvents
import Foundation
import StoreTesting
import Testing

/// Live subscribers (the API's event stream) learn of each alert raised, repeated and resolved.
@Suite struct AlertLiveTests {
    @Test func raisingRepeatingAndResolvingArePublished() async throws {
        let clock = TestClock()
        let (store, test) = try temporaryStore()
        defer { test.remove() }
        let live = LiveFeed<LiveUpdate>()
        let subscription = live.subscribe(capacity: 16)
        defer { subscription.cancel() }
        var settings = AlertSettings()
        settings.routes = [route(.generic)]
        let service = AlertService(store: store, settings: settings, clock: { clock.date }, audit: { _ in }, log: { _, _, _ in }, live: live)
        await service.raise(request())
        await service.raise(request())
        await service.resolve(rule: "stuck", target: "CP-1/1")
        guard case .updates(let updates) = await subscription.next(timeout: .seconds(5)) else { Issue.record("nothing published"); return }
        #expect(updates.map(\.kind) == ["alert", "alert", "alert"])
        let objects = updates.compactMap { try? JSONSerialization.jsonObject(with: Data($0.json.utf8)) as? [String: Any] }
        #expect(objects.map { $0["event"] as? String } == ["trigger", "repeat", "resolved"])
        #expect(objects.map { $0["status"] as? String } == ["open", "open", "resolved"])
        #expect(objects.first?["station"] as? String == "CP-1" && objects.first?["severity"] as? String == "critical")
        #expect(Set(updates.map(\.id)).count == 1)   // one alert
    }
}
