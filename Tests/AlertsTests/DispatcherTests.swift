@testable import Alerts
import Audit
@testable import CPMS
import Digests
import Foundation
import StoreTesting
import Synchronization
import Testing
import Transport

/// Delivery over real HTTP to a receiver on 127.0.0.1 that checks signatures and can fail.
@Suite(.timeLimit(.minutes(1))) struct DispatcherTests {
    final class Receiver: Sendable {
        struct Received: Sendable { var key: String; var body: String; var signatureValid: Bool }
        let received = Mutex<[Received]>([])
        /// How many requests to fail (HTTP 500) before answering 200.
        let failures = Mutex(0)
        let secret: String

        init(secret: String, failures: Int) {
            self.secret = secret
            self.failures.withLock { $0 = failures }
        }

        func handle(_ request: HTTPRequest) -> HTTPResponse {
            let body = String(decoding: request.body, as: UTF8.self)
            let header = request.headers["X-Vigil-Signature"] ?? ""
            let parts = Dictionary(uniqueKeysWithValues: header.split(separator: ",").compactMap { part -> (String, String)? in
                let pair = part.split(separator: "=", maxSplits: 1)
                return pair.count == 2 ? (String(pair[0]), String(pair[1])) : nil
            })
            let expected = Digests.hmacSHA256Hex(key: Array(secret.utf8), message: Array("\(parts["t"] ?? "").\(body)".utf8))
            received.withLock { $0.append(Received(key: request.headers["Idempotency-Key"] ?? "", body: body, signatureValid: expected == parts["v1"])) }
            let fail = failures.withLock { remaining -> Bool in
                guard remaining > 0 else { return false }
                remaining -= 1
                return true
            }
            return .text(fail ? HTTPStatus(code: 500, reason: "Internal Server Error") : .ok, fail ? "boom" : "ok")
        }
    }

    func withReceiver(failures: Int, _ body: (Int, Receiver) async throws -> Void) async throws {
        let receiver = Receiver(secret: "0123456789abcdef-secret", failures: failures)
        var router = Router()
        router.on("POST", "/hook") { request in receiver.handle(request) }
        let server = try HTTPServer(address: SocketAddress(host: "127.0.0.1", port: 0), router: router)
        async let running: Void = server.run()
        do { try await body(server.boundAddress.port, receiver) } catch {
            await server.shutdown()
            await running
            throw error
        }
        await server.shutdown()
        await running
    }

    /// An alert service and a dispatcher on `store`, one generic route to the receiver on `port`.
    static func pipeline(store: StationStore, port: Int, clock: TestClock) -> (AlertService, AlertDispatcher) {
        var settings = AlertSettings()
        settings.routes = [route(.generic, url: "http://127.0.0.1:\(port)/hook")]
        return (AlertService(store: store, settings: settings, clock: { clock.date }, audit: { _ in }, log: { _, _, _ in }),
                AlertDispatcher(store: store, settings: settings, clock: { clock.date }, audit: { _ in }, log: { _, _, _ in }))
    }

    @Test func failedDeliveriesAreRetriedWithTheSameKeyUntilTheyArrive() async throws {
        try await withReceiver(failures: 2) { port, receiver in
            let (store, test) = try temporaryStore()
            defer { test.remove() }
            let clock = TestClock()
            let (service, dispatcher) = Self.pipeline(store: store, port: port, clock: clock)
            await service.raise(request())
            for _ in 0..<3 {
                await dispatcher.deliverDue()
                clock.advance(16 * 60)   // past any backoff
            }
            let got = receiver.received.withLock { $0 }
            #expect(got.count == 3)
            #expect(Set(got.map(\.key)).count == 1, "every attempt carries the same idempotency key")
            #expect(got.allSatisfy { $0.signatureValid })
            let delivery = try #require(try await AlertStore(host: store).deliveries(status: nil).first)
            #expect(delivery.status == "delivered" && delivery.attempts == 3)
        }
    }

    /// An alert's update never reaches the receiver before its trigger: while the trigger is
    /// being retried, the update waits behind it.
    @Test func anUpdateWaitsForItsTriggerToBeDelivered() async throws {
        try await withReceiver(failures: 1) { port, receiver in
            let (store, test) = try temporaryStore()
            defer { test.remove() }
            let clock = TestClock()
            let (service, dispatcher) = Self.pipeline(store: store, port: port, clock: clock)
            await service.raise(request())
            var outcome = request()
            outcome.outcomeChanged = true   // sent at once as an update
            await service.raise(outcome)
            await dispatcher.deliverDue()   // the trigger fails; the update must not go ahead of it
            #expect(receiver.received.withLock { $0.count } == 1)
            for _ in 0..<2 {
                clock.advance(16 * 60)
                await dispatcher.deliverDue()
            }
            let events = receiver.received.withLock { $0 }.map { $0.key.split(separator: "-")[2] }
            #expect(events == ["trigger", "trigger", "update"], "\(events)")
        }
    }

    /// Several nodes share one outbox: two dispatchers passing at once post each delivery once.
    @Test(arguments: TestEngine.all) func twoDispatchersOnOneOutboxPostEachDeliveryOnce(engine: TestEngine) async throws {
        try await withReceiver(failures: 0) { port, receiver in
            let (store, test) = try temporaryStore(engine)
            defer { test.remove() }
            let clock = TestClock()
            var settings = AlertSettings()
            settings.routes = [route(.generic, url: "http://127.0.0.1:\(port)/hook")]
            let service = AlertService(store: store, settings: settings, clock: { clock.date }, audit: { _ in }, log: { _, _, _ in })
            for number in 1...6 { await service.raise(request(target: "CP-\(number)/1")) }
            // A second connection to the same database, as a second node has.
            let other = try StationStore(location: test.location)
            let dispatchers = [store, other].map {
                AlertDispatcher(store: $0, settings: settings, clock: { clock.date }, audit: { _ in }, log: { _, _, _ in })
            }
            await withTaskGroup(of: Void.self) { group in
                for dispatcher in dispatchers { group.addTask { await dispatcher.deliverDue() } }
            }
            for dispatcher in dispatchers { await dispatcher.deliverDue() }
            let keys = receiver.received.withLock { $0.map(\.key) }
            #expect(keys.count == 6, "each delivery posted once: \(keys)")
            #expect(Set(keys).count == 6)
            #expect(try await AlertStore(host: store).deliveries(status: "delivered").count == 6)
        }
    }

    @Test func aDeliveryThatKeepsFailingIsDeadLetteredAndCanBeRetried() async throws {
        try await withReceiver(failures: 1_000) { port, receiver in
            let (store, test) = try temporaryStore()
            defer { test.remove() }
            let clock = TestClock()
            var settings = AlertSettings()
            settings.routes = [route(.slack, url: "http://127.0.0.1:\(port)/hook")]
            settings.giveUpAfter = 3_600
            let service = AlertService(store: store, settings: settings, clock: { clock.date }, audit: { _ in }, log: { _, _, _ in })
            let dispatcher = AlertDispatcher(store: store, settings: settings, clock: { clock.date }, audit: { _ in }, log: { _, _, _ in })
            await service.raise(request())
            for _ in 0..<6 {
                await dispatcher.deliverDue()
                clock.advance(16 * 60)
            }
            #expect(try await AlertStore(host: store).deliveries(status: "dead").count == 1)
            #expect(try await AlertStore(host: store).retryDeliveries(id: nil, now: StoreTime.format(clock.date)) == 1)
            receiver.failures.withLock { $0 = 0 }
            await dispatcher.deliverDue()
            #expect(try await AlertStore(host: store).deliveries(status: "delivered").count == 1)
        }
    }

    /// The last try comes at the give-up time, not a whole backoff after it: a dead letter is
    /// known when `giveUpAfter` says.
    @Test func theLastTryIsAtTheGiveUpTime() async throws {
        let (store, test) = try temporaryStore()
        defer { test.remove() }
        let clock = TestClock()
        var settings = AlertSettings()
        settings.routes = [route(.generic, url: "http://127.0.0.1:9/hook")]   // nothing listens
        settings.giveUpAfter = 2
        let service = AlertService(store: store, settings: settings, clock: { clock.date }, audit: { _ in }, log: { _, _, _ in })
        let dispatcher = AlertDispatcher(store: store, settings: settings, clock: { clock.date }, audit: { _ in }, log: { _, _, _ in })
        await service.raise(request())
        let created = clock.date
        await dispatcher.deliverDue()
        let delivery = try #require(try await AlertStore(host: store).deliveries(status: nil).first)
        #expect(delivery.nextAttemptAt <= AlertStore.time(created.addingTimeInterval(2)), "\(delivery.nextAttemptAt)")
        clock.advance(2)
        await dispatcher.deliverDue()
        #expect(try await AlertStore(host: store).deliveries(status: "dead").count == 1)
    }

    @Test func anUnreachableReceiverCountsAsAFailedAttempt() async throws {
        let (store, test) = try temporaryStore()
        defer { test.remove() }
        let clock = TestClock()
        var settings = AlertSettings()
        settings.routes = [route(.generic, url: "http://127.0.0.1:9/hook")]   // discard port: nothing listens
        let service = AlertService(store: store, settings: settings, clock: { clock.date }, audit: { _ in }, log: { _, _, _ in })
        let dispatcher = AlertDispatcher(store: store, settings: settings, clock: { clock.date }, audit: { _ in }, log: { _, _, _ in })
        await service.raise(request())
        await dispatcher.deliverDue()
        let delivery = try #require(try await AlertStore(host: store).deliveries(status: nil).first)
        #expect(delivery.status == "pending" && delivery.attempts == 1 && delivery.lastError != nil)
        #expect(delivery.nextAttemptAt > StoreTime.format(clock.date))
    }
}
