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
        queue.routineBatchBegan(size: 2 + 4)   // two writes, four frames: below a busy batch
        #expect(queue.submit(Self.write()) == .routine(after: 0))
    }

    @Test func afterABusyBatchTheNextRoutineFlushIsSpacedButAnUrgentOneIsNot() {
        let queue = WriteQueue()
        queue.setRoutineSpacing(nanoseconds: 50_000_000)
        _ = queue.take(urgentOnly: false)
        queue.routineBatchBegan(size: WriteQueue.busyBatch)
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

    @Test func writesABatchDidNotReachGoBackAheadOfLaterOnes() {
        let queue = WriteQueue()
        _ = queue.submit(Self.write())
        let taken = queue.take(urgentOnly: false)
        _ = queue.submit(Self.write(urgent: true))
        queue.putBack(taken[...])
        // Urgent writes first, then the routine ones in their order (the put-back one first).
        #expect(queue.take(urgentOnly: false).map(\.urgent) == [true, false])
    }
}
