import Dispatch
import Foundation
import Glibc
import Testing
@testable import Transport

/// A connection's queue as a serial and as a task executor, and the priority of the threads
/// that serve it.
@Suite struct QueueExecutorTests {
    actor OnQueue {
        nonisolated let executor: QueueExecutor
        nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
        init(executor: QueueExecutor) { self.executor = executor }
        func touch() -> Int { 1 }
    }

    static let marker = DispatchSpecificKey<String>()

    /// Whether the caller runs on the queue marked with `label` (dispatchPrecondition would trap).
    static func onQueue(_ label: String) -> Bool {
        DispatchQueue.getSpecific(key: marker) == label
    }

    static func niceness() -> Int32 { getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) }

    /// The per-message tasks of a connection prefer its queue: their own code runs there, before
    /// and after they await the connection's actor.
    @Test func aTaskThatPrefersTheQueueRunsItsCodeOnIt() async {
        let label = "vigil.test.queue-\(UInt32.random(in: 0 ... .max))"
        let executor = QueueExecutor(label: label)
        executor.queue.setSpecific(key: Self.marker, value: label)
        let actor = OnQueue(executor: executor)
        let placements = await withTaskGroup(of: [Bool].self) { group in
            group.addTask(executorPreference: executor.tasks) {
                var placements = [Self.onQueue(label)]
                _ = await actor.touch()
                placements.append(Self.onQueue(label))
                return placements
            }
            return await group.next() ?? []
        }
        #expect(placements == [true, true])
    }

    /// Connection work runs a few nice levels below the rest of the process, so the fault
    /// loop's threads get a contended core first: the first call lowers the calling thread
    /// (only it), later calls on the same thread change nothing.
    @Test func connectionWorkRunsAtALowerPriority() async {
        let (before, after, again): (Int32, Int32, Int32) = await withCheckedContinuation { continuation in
            let thread = Thread {
                let before = Self.niceness()
                PoolPriority.lowerCurrentThread()
                let after = Self.niceness()
                PoolPriority.lowerCurrentThread()
                continuation.resume(returning: (before, after, Self.niceness()))
            }
            thread.start()
        }
        #expect(after == min(19, before + PoolPriority.niceness))
        #expect(again == after)
    }
}
