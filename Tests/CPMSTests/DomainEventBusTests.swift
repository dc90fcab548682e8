import DomainEvents
import Foundation
import Synchronization
import Testing

/// The event bus: a stuck consumer loses events (counted) while the others get them all and
/// publishing never waits.
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
        let fastTask = bus.subscribe("fast", capacity: 1_000) { event in fast.withLock { $0.append(event.id) } }
        let slowTask = bus.subscribe("slow", capacity: 5) { event in
            slow.withLock { $0.append(event.id) }
            if event.id == "e0" { for await _ in gate { break } }   // stuck on its first event until the gate opens
        }
        bus.publish(Self.event(0))
        while slow.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(5)) }   // the slow one holds e0
        for index in 1...100 { bus.publish(Self.event(index)) }   // returns at once though "slow" is stuck
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
}
