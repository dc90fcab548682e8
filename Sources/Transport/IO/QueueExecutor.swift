import Dispatch

/// A serial executor backed by a dispatch queue. A connection actor runs on it, and the
/// dispatch sources of that connection's socket deliver their events on the same queue,
/// so socket callbacks can enter the actor synchronously with `assumeIsolated` and the
/// compiler still proves that all connection state is touched from one place only.
public final class QueueExecutor: SerialExecutor {
    public let queue: DispatchQueue

    /// The queue targets the shared global queue rather than an overcommitting root, so
    /// ten thousand connections share a pool as wide as the CPU count instead of each
    /// burst of socket events spawning threads.
    public init(label: String) {
        queue = DispatchQueue(label: label, target: .global())
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }

    public func checkIsolated() {
        dispatchPrecondition(condition: .onQueue(queue))
    }
}
