import Dispatch

/// A serial executor backed by a dispatch queue, and a task executor on the same queue. A
/// connection actor runs on it, and the `Poller` delivers that connection's socket readiness
/// events on the same queue, so socket callbacks can enter the actor synchronously with
/// `assumeIsolated` and the compiler still proves that all connection state is touched from
/// one place only. The connection's tasks prefer it as their task executor
/// (`executorPreference: tasks`: the server's task per connection, the OCPP layer's task per
/// CALL), so a message is decoded, handled and answered on its connection's queue without
/// hopping to the shared pool and back.
///
/// Every job runs as both: isolated to this serial executor and on this task executor. The
/// queue is serial, so any job running on it excludes every other, and the actor's isolation
/// holds for the whole job whichever way it was enqueued. Telling the runtime so spares a job
/// per crossing (issue #15): a task that prefers the queue and calls from one actor on it into
/// another (the OCPP layer into its socket) runs on, where a job run as the serial executor
/// alone was queued again, and so does its nonisolated code entering the actor. The price is
/// paid by tasks that do not prefer the queue: their calls between actors on it now take a job
/// each (the runtime sees a task executor they did not ask for) — so the connections' own
/// tasks all prefer it. Leaving the actor for nonisolated code still takes a job, unless that
/// code is `nonisolated(nonsending)`: the runtime compares serial executors first.
public final class QueueExecutor: SerialExecutor, TaskExecutor {
    public let queue: DispatchQueue

    /// The queue targets the shared global queue rather than an overcommitting root, so
    /// ten thousand connections share a pool as wide as the CPU count instead of each
    /// burst of socket events spawning threads.
    public init(label: String) {
        queue = DispatchQueue(label: label, target: .global())
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async {
            PoolPriority.lowerCurrentThread()
            job.runSynchronously(isolatedTo: self.asUnownedSerialExecutor(), taskExecutor: self.asUnownedTaskExecutor())
        }
    }

    /// This queue as a task executor, for `executorPreference`.
    public var tasks: any TaskExecutor { self }

    public func checkIsolated() {
        dispatchPrecondition(condition: .onQueue(queue))
    }
}
