import Foundation
import Synchronization
import Transport

/// A serial executor with a thread of its own, for the actors on the fault loop's path. On
/// Swift's cooperative pool — two threads on a two-core machine — a job waits behind every
/// job queued before it: under a thousand busy chargers, hundreds of connection jobs. The
/// store (whose SQLite commits also block their thread in pwrite and fdatasync), the rule
/// runner and the remediation executor run here instead, so a fault is stored, decided and
/// acted on without queueing behind the fleet's traffic, and the pool stays free for the
/// connections. Jobs run one at a time, urgent ones (tasks at `UrgentPriority.level`) first, each
/// lane in arrival order; actors sharing an executor are run one after another on its thread.
/// Its `tasks` face is a task executor on the same thread: the fault loop's tasks prefer it
/// (`executorPreference`), so their code between two actors — the event log's `next`, the
/// hand-over of decisions — runs here too instead of waiting for a turn on the shared pool.
/// Plain closures run here as well (`run`): the store's group commit is started that way by
/// whoever submits a write, without a task or a hop into the store's actor; such a closure
/// enters an actor on this thread with `assumeIsolated`, which `checkIsolated` allows.
public final class ThreadExecutor: SerialExecutor, Sendable {
    /// The store's thread (every `StationStore` in the process).
    public static let store = ThreadExecutor(name: "vigil-store")
    /// The read-only connection's thread (`StationStore(readingFrom:)`: the safety gates' reads).
    public static let reads = ThreadExecutor(name: "vigil-reads")
    /// The rule runner's and the remediation executor's thread.
    public static let remediation = ThreadExecutor(name: "vigil-rules")

    /// Jobs of tasks at `UrgentPriority.level` (the fault loop's: the rule runner, the executor)
    /// run before the others, so a decision's reads do not wait behind a fleet's writes; each
    /// lane runs in arrival order.
    private let lanes = Mutex<(urgent: [Queued], normal: [Queued], next: Int)>(([], [], 0))

    /// What waits for the thread: a job, run as what it was enqueued as (`isTaskJob`: nonisolated
    /// code of a task that prefers this thread, through `tasks`; otherwise an actor's job), or a
    /// closure (`run`).
    private enum Queued {
        case job(UnownedJob, isTaskJob: Bool)
        case closure(@Sendable () -> Void)
    }

    /// This thread as a task executor, for `executorPreference`. A separate object rather than
    /// a second conformance, so that each job runs as what it was enqueued as: an actor's job
    /// isolated to the actor, a task's nonisolated code on the task executor.
    public final class Tasks: TaskExecutor, Sendable {
        // Strong: executors live as long as the process (their thread holds them too).
        fileprivate let owner: ThreadExecutor
        fileprivate init(owner: ThreadExecutor) { self.owner = owner }
        public func enqueue(_ job: consuming ExecutorJob) { owner.push(job, isTaskJob: true) }
    }

    private let tasksStorage = Mutex<Tasks?>(nil)
    /// The task executor face of this thread (see `Tasks`).
    public var tasks: Tasks {
        tasksStorage.withLock { stored in
            if let stored { return stored }
            let made = Tasks(owner: self)
            stored = made
            return made
        }
    }
    private let wake = DispatchSemaphore(value: 0)
    private let running = Atomic<Bool>(false)
    /// Jobs in the urgent lane, kept beside it so `hasUrgentJobs` — asked between the writes of
    /// every routine batch — reads an atomic instead of taking the lanes' lock.
    private let urgentCount = Atomic<Int>(0)
    /// The thread's `pthread_t`, set once it runs (`checkIsolated`).
    private let threadID = Atomic<UInt>(0)

    public init(name: String) {
        let thread = Thread { [self] in
            ThreadName.setCurrent(name)
            self.loop()
        }
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        push(job, isTaskJob: false)
    }

    /// Runs `work` on this thread, in the urgent lane or the other one like a job of that
    /// priority. `work` may enter an actor that runs on this executor with `assumeIsolated`.
    public func run(urgent: Bool, _ work: @escaping @Sendable () -> Void) {
        push(.closure(work), urgent: urgent)
    }

    /// Whether the caller runs on this executor's thread: a closure passed to `run` does (and
    /// holds the thread, so it is isolated to every actor on this executor, which run one job at
    /// a time). `assumeIsolated` asks this where the runtime knows no current executor.
    public func isIsolatingCurrentContext() -> Bool? {
        pthread_equal(pthread_self(), pthread_t(threadID.load(ordering: .acquiring))) != 0
    }

    public func checkIsolated() {
        precondition(isIsolatingCurrentContext() == true, "not on the thread of this ThreadExecutor")
    }

    fileprivate func push(_ job: consuming ExecutorJob, isTaskJob: Bool) {
        let urgent = job.priority.rawValue >= UrgentPriority.level.rawValue
        push(.job(UnownedJob(job), isTaskJob: isTaskJob), urgent: urgent)
    }

    private func push(_ queued: Queued, urgent: Bool) {
        lanes.withLock { lanes in
            if urgent {
                lanes.urgent.append(queued)
                urgentCount.add(1, ordering: .relaxed)
            } else {
                lanes.normal.append(queued)
            }
        }
        wake.signal()
    }

    /// Runs one job at a time — the oldest urgent one, else the oldest other one — and sleeps
    /// while none is queued (each enqueue signals once; a wake-up that finds its job already
    /// run just goes back to sleep).
    private func loop() {
        let tasks = self.tasks
        threadID.store(UInt(pthread_self()), ordering: .releasing)
        while true {
            wake.wait()
            while let queued = takeNext() {
                running.store(true, ordering: .relaxed)
                switch queued {
                case .job(let job, isTaskJob: true): job.runSynchronously(on: tasks.asUnownedTaskExecutor())
                case .job(let job, isTaskJob: false): job.runSynchronously(on: asUnownedSerialExecutor())
                case .closure(let work): work()
                }
                running.store(false, ordering: .relaxed)
            }
        }
    }

    /// Whether a job of the urgent lane waits for the thread. A long job running on it (the
    /// store's group commit) checks this between its steps and ends early, so a fault's write
    /// waits for one step rather than a whole batch.
    public var hasUrgentJobs: Bool { urgentCount.load(ordering: .relaxed) > 0 }

    /// Jobs waiting to run (diagnostics, tests).
    public var queuedJobs: Int { lanes.withLock { $0.urgent.count + $0.normal.count - $0.next } }
    /// Whether a job is running now (diagnostics, tests).
    public var runningJob: Bool { running.load(ordering: .relaxed) }

    private func takeNext() -> Queued? {
        lanes.withLock { lanes -> Queued? in
            if !lanes.urgent.isEmpty {
                urgentCount.subtract(1, ordering: .relaxed)
                return lanes.urgent.removeFirst()
            }
            guard lanes.next < lanes.normal.count else {
                lanes.normal.removeAll(keepingCapacity: true)
                lanes.next = 0
                return nil
            }
            defer {
                lanes.next += 1
                if lanes.next == lanes.normal.count {
                    lanes.normal.removeAll(keepingCapacity: true)
                    lanes.next = 0
                } else if lanes.next >= 4_096, lanes.next * 2 >= lanes.normal.count {
                    // A queue that never runs dry (a saturated store) does not keep the jobs it ran.
                    lanes.normal.removeFirst(lanes.next)
                    lanes.next = 0
                }
            }
            return lanes.normal[lanes.next]
        }
    }
}
