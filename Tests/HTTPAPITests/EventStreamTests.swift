@testable import API
import DomainEvents
import Synchronization
import Testing
import Transport

/// The SSE stream of live updates: each update as `event: <kind>`, heartbeats while quiet, and
/// a slow client's last `event: overflow` before it is dropped.
@Suite(.timeLimit(.minutes(1))) struct EventStreamTests {
    final class Written: Sendable {
        let chunks = Mutex<[String]>([])
        var text: String { chunks.withLock { $0.joined() } }
        var count: Int { chunks.withLock { $0.count } }
        func append(_ bytes: [UInt8]) { chunks.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } }
    }

    static func update(_ number: Int) -> LiveUpdate { LiveUpdate(kind: "event", id: "\(number)", json: "{\"sequence\":\(number)}") }

    @Test func updatesAreSentAsNamedEvents() async {
        let feed = LiveFeed<LiveUpdate>()
        let written = Written()
        await EventStream(capacity: 8, heartbeat: .seconds(10)).run(feed) { bytes in
            written.append(bytes)
            if written.count == 1 {   // the stream is up and subscribed: publish, then end the feed
                feed.publish(Self.update(1))
                feed.publish(LiveUpdate(kind: "decision", id: "9", json: "{\"id\":9}"))
                feed.finish()
            }
        }
        #expect(written.text == "retry: 5000\n\n: connected\n\nevent: event\ndata: {\"sequence\":1}\n\nevent: decision\ndata: {\"id\":9}\n\n")
    }

    @Test func aClientThatFallsBehindGetsAnOverflowEventAndIsDisconnected() async {
        let feed = LiveFeed<LiveUpdate>()
        let written = Written()
        // The client is "slow": while its first write is pending, 5 updates come for a buffer of 2.
        await EventStream(capacity: 2, heartbeat: .seconds(10)).run(feed) { bytes in
            written.append(bytes)
            if written.count == 1 { for number in 1...5 { feed.publish(Self.update(number)) } }
        }
        #expect(written.text.hasSuffix("event: event\ndata: {\"sequence\":1}\n\nevent: event\ndata: {\"sequence\":2}\n\n"
                                       + "event: overflow\ndata: {\"dropped\":3,\"capacity\":2}\n\n"))
        #expect(!feed.hasSubscribers)   // it left the feed
    }

    @Test func aQuietStreamSendsHeartbeats() async {
        let feed = LiveFeed<LiveUpdate>()
        let written = Written()
        struct Gone: Error {}
        await EventStream(capacity: 2, heartbeat: .milliseconds(20)).run(feed) { bytes in
            written.append(bytes)
            if written.count == 3 { throw Gone() }   // the client leaves after two heartbeats
        }
        #expect(written.text == "retry: 5000\n\n: connected\n\n: heartbeat\n\n: heartbeat\n\n")
        #expect(!feed.hasSubscribers)
    }

    /// A token rotated or removed while its stream runs ends the stream at the next check, with
    /// a last `event: revoked` (the stream kept delivering to a rotated token).
    @Test func aStreamWhoseAccessEndsIsClosedWithARevokedEvent() async {
        let feed = LiveFeed<LiveUpdate>()
        let written = Written()
        let allowed = Mutex(true)
        var stream = EventStream(capacity: 8, heartbeat: .milliseconds(20))
        stream.recheck = .milliseconds(20)
        await stream.run(feed, stillAllowed: { allowed.withLock { $0 } }) { bytes in
            written.append(bytes)
            if written.count == 2 { allowed.withLock { $0 = false } }   // rotated after the first heartbeat
        }
        #expect(written.text.hasSuffix(": heartbeat\n\nevent: revoked\ndata: {\"reason\":\"the token this stream was opened with is no longer valid\"}\n\n"))
        #expect(!feed.hasSubscribers)
    }
}
