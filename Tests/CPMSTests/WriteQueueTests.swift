@testable import CPMS
import Testing

/// Which flush a submitted write asks for: an urgent one at once, a routine one at once on a
/// quiet store and spaced after a busy batch; one flush of each kind at a time.
@Suite struct WriteQueueTests {
    static func write(urgent: Bool = false) -> GroupCommit.Write {
        GroupCommit.Write(run: { _, _ in true }, finish: { _ in }, urgent: urgent)
    }

    @Test func aQuietStoreFlushesAtOnceAndOneFlushIsClaimedAtATime() {
        let queue = WriteQueue()
        #expect(queue.submit(Self.write()) == .routine(after: 0))
        #expect(queue.submit(Self.write()) == nil)   // the flush coming takes it too
        #expect(queue.claimRoutineFlush() == nil)
        #expect(queue.take(urgentOnly: false).count == 2)
        queue.routineBatchTook(frames: 4)   // two writes, four frames: below a busy batch
        #expect(queue.submit(Self.write()) == .routine(after: 0))
    }

    @Test func afterABusyBatchTheNextRoutineFlushIsSpacedButAnUrgentOneIsNot() {
        let queue = WriteQueue()
        queue.setRoutineSpacing(nanoseconds: 50_000_000)
        #expect(queue.submit(Self.write()) == .routine(after: 0))
        #expect(queue.take(urgentOnly: false).count == 1)
        queue.routineBatchTook(frames: WriteQueue.busyBatch - 1)   // one write and seven frames: busy
        guard case .routine(let delay)? = queue.submit(Self.write()) else {
            Issue.record("a routine write after a busy batch asks for a routine flush")
            return
        }
        #expect(delay > 0 && delay <= 50_000_000)
        #expect(queue.submit(Self.write(urgent: true)) == .urgent)
        // The urgent flush takes the urgent write alone; the routine one waits for its flush.
        #expect(queue.take(urgentOnly: true).map(\.urgent) == [true])
        #expect(queue.claimRoutineFlush() == nil)
        #expect(queue.take(urgentOnly: false).map(\.urgent) == [false])
    }

    @Test func writesABatchDidNotReachGoBackAheadOfLaterOnesAndUrgentOnesAskForAnUrgentFlush() {
        let queue = WriteQueue()
        _ = queue.submit(Self.write())
        let routine = queue.take(urgentOnly: false)
        _ = queue.submit(Self.write(urgent: true))
        // A routine flush is claimed for the routine write put back (the urgent one has its own).
        #expect(queue.putBack(routine[...]) == [.routine(after: 0)])
        // Urgent writes first, then the routine ones in their order (the put-back one first).
        let both = queue.take(urgentOnly: false)
        #expect(both.map(\.urgent) == [true, false])
        // An urgent write put back claims an urgent flush, not only a routine (spaced) one.
        #expect(queue.putBack(both[..<1]) == [.urgent, .routine(after: 0)])
    }
}
