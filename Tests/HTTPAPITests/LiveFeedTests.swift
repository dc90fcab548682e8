import DomainEvents
import Testing

/// The live feed's contract: a bounded buffer per subscriber, publishing never waits, and a
/// subscriber that falls behind by more than its buffer learns it overflowed and gets nothing more.
@Suite(.timeLimit(.minutes(1))) struct LiveFeedTests {
    @Test func aBufferTakesUpToItsCapacityThenOverflowsForGood() {
        var buffer = LiveBuffer<Int>(capacity: 2)
        let (first, second, third) = (buffer.push(1), buffer.push(2), buffer.push(3))
        #expect(first && second && !third)
        #expect(buffer.isOverflowed && buffer.dropped == 1)
        let taken = buffer.take()
        #expect(taken == [1, 2])
        // Taking does not make room again: the subscriber missed an update and must start over.
        let fourth = buffer.push(4)
        #expect(!fourth && buffer.dropped == 2 && buffer.count == 0)
    }

    @Test func updatesArriveInOrder() async {
        let feed = LiveFeed<Int>()
        let subscription = feed.subscribe(capacity: 8)
        defer { subscription.cancel() }
        for value in 1...3 { feed.publish(value) }
        guard case .updates(let values) = await subscription.next(timeout: .seconds(5)) else { Issue.record("no updates"); return }
        #expect(values == [1, 2, 3])
    }

    @Test func aWaitingSubscriberIsWokenByAPublish() async {
        let feed = LiveFeed<Int>()
        let subscription = feed.subscribe(capacity: 8)
        defer { subscription.cancel() }
        async let next = subscription.next(timeout: .seconds(10))
        try? await Task.sleep(for: .milliseconds(50))
        feed.publish(42)
        guard case .updates(let values) = await next else { Issue.record("not woken"); return }
        #expect(values == [42])
    }

    @Test func aSlowSubscriberOverflowsWithoutSlowingThePublisher() async {
        let feed = LiveFeed<Int>()
        let slow = feed.subscribe(capacity: 4)
        let other = feed.subscribe(capacity: 100)
        defer { slow.cancel(); other.cancel() }
        let started = ContinuousClock.now
        for value in 1...10 { feed.publish(value) }   // nobody reads meanwhile: publish must not wait
        #expect(ContinuousClock.now - started < .seconds(1))
        guard case .overflowed(let delivered, let dropped) = await slow.next(timeout: .seconds(1)) else { Issue.record("no overflow"); return }
        #expect(delivered == [1, 2, 3, 4] && dropped == 6)
        guard case .updates(let all) = await other.next(timeout: .seconds(1)) else { Issue.record("other starved"); return }
        #expect(all == Array(1...10))
    }

    @Test func nothingWithinTheTimeoutIsATimeout() async {
        let feed = LiveFeed<Int>()
        let subscription = feed.subscribe(capacity: 2)
        defer { subscription.cancel() }
        guard case .timedOut = await subscription.next(timeout: .milliseconds(30)) else { Issue.record("expected a timeout"); return }
    }

    @Test func finishingTheFeedEndsEverySubscription() async {
        let feed = LiveFeed<Int>()
        let subscription = feed.subscribe(capacity: 2)
        async let next = subscription.next(timeout: .seconds(10))
        try? await Task.sleep(for: .milliseconds(30))
        feed.finish()
        guard case .finished = await next else { Issue.record("expected the end"); return }
    }

    @Test func aCancelledSubscriptionLeavesTheFeed() {
        let feed = LiveFeed<Int>()
        let subscription = feed.subscribe(capacity: 2)
        #expect(feed.hasSubscribers)
        subscription.cancel()
        #expect(!feed.hasSubscribers)
        feed.publish(1)   // goes nowhere, and does not trap
    }
}
