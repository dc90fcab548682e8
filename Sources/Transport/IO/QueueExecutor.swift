import Dispatch

/// A serial executor backed by a dispatch queue. A connection actor runs on it, and the
/// `Poller` delivers that connection's socket readiness events on the same queue,
/// so socket callbacks can enter the actor synchronously with `assumeIsolated` and the
/// compiler still proves that all connection state is touched from one place only. Its
/// `tasks` face is a task executor on the same queue: the protocol layer above runs its
/// per-message tasks there (`executorPreference`), so a message is decoded, handled and
/// answered on its connection's queue without hopping to the shared pool and back.
public final class QueueExecutor: SerialExecutor {
    public let queue: DispatchQueue

    /// The queue targets the shared global queue rather than an overcommitting root, so
    /// ten thousand connections share a pool as wide as the CPU count instead of each
    /// burst of socket events spawning threads.
    public init(label: String) {
        queue = DispatchQueue(label: label, target: .global())
        tasks = Tasks(queue: queue)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async {
            PoolPriority.lowerCurrentThread()
            job.runSynchronously(on: self.asUnownedSerialExecutor())
        }
    }

    /// The queue as a task executor, for `executorPreference`. A separate object rather than a
    /// second conformance, so that each job runs as what it was enqueued as: an actor's job
    /// isolated to the actor, a task's nonisolated code on the task executor.
    public final class Tasks: TaskExecutor {
        let queue: DispatchQueue
        init(queue: DispatchQueue) { self.queue = queue }
        public func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            queue.async {
                PoolPriority.lowerCurrentThread()
                job.runSynchronously(on: self.asUnownedTaskExecutor())
            }
        }
    }

    /// The task executor face of this queue (see `Tasks`).
    public let tasks: Tasks

    public func checkIsolated() {
        dispatchPrecondition(condition: .onQueue(queue))
    }
}
