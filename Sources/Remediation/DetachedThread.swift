import Glibc
import Transport

/// Starts a job on an operating-system thread of its own, optionally at a lower priority, and
/// reports a thread that cannot be started (Foundation's `Thread` ignores `pthread_create`'s
/// result on Linux: its job would silently never run).
enum DetachedThread {
    /// `pthread_create` refused (too many threads or processes for the limits, no memory).
    struct CannotStart: Error, CustomStringConvertible {
        var code: Int32
        var description: String { "cannot start a thread: \(String(cString: strerror(code)))" }
    }

    /// What the new thread runs; passed through `pthread_create`'s single pointer.
    private final class Job: Sendable {
        let name: String
        let niceness: Int32
        let body: @Sendable () -> Void
        init(name: String, niceness: Int32, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.niceness = niceness
            self.body = body
        }
    }

    /// Runs `body` on a new detached thread named `name` (`ThreadName`: its first 15 bytes),
    /// `niceness` levels below the calling thread (0: the same priority). Throws `CannotStart`,
    /// without running `body`, when the thread cannot be created.
    static func start(name: String, niceness: Int32 = 0, _ body: @escaping @Sendable () -> Void) throws {
        let job = Unmanaged.passRetained(Job(name: name, niceness: niceness, body: body)).toOpaque()
        var thread = pthread_t()
        let code = pthread_create(&thread, nil, { raw in
            let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
            ThreadName.setCurrent(job.name)
            if job.niceness > 0 { PoolPriority.lowerCallingThread(by: job.niceness) }
            job.body()
            return nil
        }, job)
        guard code == 0 else {
            Unmanaged<Job>.fromOpaque(job).release()
            throw CannotStart(code: code)
        }
        pthread_detach(thread)
    }
}
