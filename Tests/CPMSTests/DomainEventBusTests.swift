import DomainEvents
import Foundation
import Synchronization
import Testing

/// The event bus: a `.drop` subscriber that is stuck loses events (counted) while the others get
/// them all; a `.wait` subscriber loses nothing — publishing waits for room (backpressure) and
/// resumes when the consumer catches up.
@Suite(.timeLimit(.minutes(1))) struct DomainEventBusTests {
    static func event(_ index: Int) -> DomainEvent {
        DomainEvent(id: "e\(index)", kind: .heartbeat, time: Date(timeIntervalSince1970: Double(index)), station: "CP-1")
    }

    @Test func aStuckSubscriberDropsOnlyItsOwnEvents() async throws {
        let drops = Mutex<[String]>([])
        let bus = DomainEventBus(onDrop: { name, count in drops.withLock { $0.append("\(name) \(count)") } })
        let fast = Mutex<[String]>([])
        let slow = Mutex<[String]>([])
        let (gate, opener) = AsyncStream.makeStream(of: Void.self)
        let fastTask = bus.subscribe("fast", capacity: 1_000, overflow: .drop) { event in fast.withLock { $0.append(event.id) } }
        let slowTask = bus.subscribe("slow", capacity: 5, overflow: .drop) { event in
            slow.withLock { $0.append(event.id) }
            if event.id == "e0" { for await _ in gate { break } }   // stuck on its first event until the gate opens
        }
        await bus.publish(Self.event(0))
        while slow.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(5)) }   // the slow one holds e0
        for index in 1...100 { await bus.publish(Self.event(index)) }   // returns at once though "slow" is stuck
        let statistics = Dictionary(uniqueKeysWithValues: bus.statistics.map { ($0.name, $0) })
        #expect(statistics["fast"]?.delivered == 101 && statistics["fast"]?.dropped == 0)
        #expect(statistics["slow"]?.delivered == 6 && statistics["slow"]?.dropped == 95)
        #expect(drops.withLock { $0 } == ["slow 1"])
        opener.yield()
        bus.finish()
        await fastTask.value
        await slowTask.value
        #expect(fast.withLock { $0 }.count == 101)
        #expect(slow.withLock { $0 } == (0...5).map { "e\($0)" })
    }

    @Test func aWaitingSubscriberLosesNothingAndSlowsThePublisherDown() async throws {
        let bus = DomainEventBus()
        let got = Mutex<[String]>([])
        let (gate, opener) = AsyncStream.makeStream(of: Void.self)
        let task = bus.subscribe("rules", capacity: 5) { event in
            if event.id == "e0" { for await _ in gate { break } }   // stuck on its first event until the gate opens
            got.withLock { $0.append(event.id) }
        }
        let published = Mutex(0)
        let publisher = Task {
            for index in 0...50 {
                await bus.publish(Self.event(index))
                published.withLock { $0 = index + 1 }
            }
        }
        // e0 is taken, 5 wait in the buffer, the 7th publish waits for room: backpressure engaged.
        for _ in 0..<200 where published.withLock({ $0 }) < 6 { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(published.withLock { $0 } == 6)
        let engaged = try #require(bus.statistics.first)
        #expect(engaged.backlog == 5 && engaged.waits >= 1 && engaged.dropped == 0)
        opener.yield()   // the consumer catches up: the publisher resumes and nothing was dropped
        await publisher.value
        bus.finish()
        await task.value
        #expect(got.withLock { $0 } == (0...50).map { "e\($0)" })
        #expect(bus.statistics.first?.backlog == 0 && bus.statistics.first?.dropped == 0)
    }
}
