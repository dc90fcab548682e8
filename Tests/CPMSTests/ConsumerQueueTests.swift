import DomainEvents
import Foundation
import Testing

/// The event log's per-consumer queue: faults overtake other stations' bulk traffic, a
/// station's own events keep their order, and the cursor says exactly what was handed out.
@Suite struct ConsumerQueueTests {
    func event(_ sequence: Int, _ kind: EventKind, _ station: String) -> SequencedEvent {
        SequencedEvent(sequence: sequence, event: DomainEvent(id: "e\(sequence)", kind: kind, time: Date(timeIntervalSince1970: Double(sequence)),
                                                              station: station))
    }

    @Test func faultsOvertakeBulkTrafficButNotTheirOwnStationsEvents() {
        var queue = ConsumerQueue(cursor: EventCursor(position: 0))
        // 1-6: meter samples and heartbeats of A and B; 7: B's fault; 8: A's heartbeat; 9: A's fault.
        let kinds: [(EventKind, String)] = [(.meterSample, "A"), (.heartbeat, "B"), (.meterSample, "A"), (.meterSample, "B"),
                                            (.heartbeat, "A"), (.meterSample, "B"), (.statusChanged, "B"), (.heartbeat, "A"),
                                            (.statusChanged, "A")]
        for (index, (kind, station)) in kinds.enumerated() { queue.add(event(index + 1, kind, station)) }
        // Urgent first: B's fault with B's older events before it, then A's fault with A's.
        let first = queue.take(limit: 100)
        #expect(first.map(\.sequence) == [2, 4, 6, 7, 1, 3, 5, 8, 9])
        #expect(queue.count == 0)
        #expect(queue.cursor == EventCursor(position: 9))
    }

    @Test func theCursorCoversWhatOvertookAndMovesUpAsTheGapCloses() {
        var queue = ConsumerQueue(cursor: EventCursor(position: 10))
        for sequence in 11...14 { queue.add(event(sequence, .meterSample, "A")) }
        queue.add(event(15, .statusChanged, "B"))
        queue.add(event(16, .meterSample, "C"))
        #expect(queue.take(limit: 1).map(\.sequence) == [15])
        #expect(queue.cursor == EventCursor(position: 10, ahead: [15]))
        #expect(queue.cursor.covers(15) && !queue.cursor.covers(11))
        #expect(queue.take(limit: 2).map(\.sequence) == [11, 12])
        #expect(queue.cursor == EventCursor(position: 12, ahead: [15]))
        #expect(queue.take(limit: 10).map(\.sequence) == [13, 14, 16])
        #expect(queue.cursor == EventCursor(position: 16))
        #expect(queue.take(limit: 10).isEmpty)
    }

    @Test func eventsTheCursorCoversAreNotTakenAgainAndSkippedOnesMoveIt() {
        // After a restart the queue is filled from the store again: what was done is ignored.
        var queue = ConsumerQueue(cursor: EventCursor(position: 3, ahead: [6]))
        for sequence in 1...7 { queue.add(event(sequence, sequence == 6 ? .statusChanged : .heartbeat, "A")) }
        #expect(queue.take(limit: 10).map(\.sequence) == [4, 5, 7])
        #expect(queue.cursor == EventCursor(position: 7))
        queue.skip(8)   // an event this consumer does not take
        #expect(queue.cursor == EventCursor(position: 8))
        queue.add(event(9, .heartbeat, "A"))
        queue.skip(10)   // not past the waiting 9
        #expect(queue.cursor.position == 8)
        #expect(queue.take(limit: 10).map(\.sequence) == [9])
        #expect(queue.cursor.position == 10)
    }

    @Test func theStoredFormOfAheadReadsBack() {
        let cursor = EventCursor(position: 4, ahead: [9, 7, 12])
        #expect(cursor.aheadText == "7,9,12")
        #expect(EventCursor.ahead(from: cursor.aheadText) == cursor.ahead)
        #expect(EventCursor.ahead(from: "") == [])
        #expect(EventCursor.ahead(from: "7,x") == nil)
    }
}
