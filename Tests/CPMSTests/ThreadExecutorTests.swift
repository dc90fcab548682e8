@testable import CPMS
import Foundation
import Synchronization
import Testing

/// The fault loop's thread: jobs of high-priority tasks run before the routine ones queued
/// ahead of them; each lane keeps its order.
@Suite struct ThreadExecutorTests {
    actor Recorder {
        nonisolated let executor: ThreadExecutor
        nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
        var order: [String] = []
        init(executor: ThreadExecutor) { self.executor = executor }
        func note(_ name: String) { order.append(name) }
        /// Holds the thread until `gate` is signalled.
        func hold(_ gate: DispatchSemaphore) { gate.wait() }
        /// The thread the actor's jobs run on.
        func thread() -> pthread_t { pthread_self() }
    }

    /// Occupies the recorder's thread until the returned gate is signalled; returns once the
    /// holding job runs (nothing else queued), with the task holding it.
    static func holdThread(of recorder: Recorder) async throws -> (DispatchSemaphore, Task<Void, Never>) {
        let gate = DispatchSemaphore(value: 0)
        let holding = Task(priority: .medium) { await recorder.hold(gate) }
        let executor = recorder.executor
        while executor.queuedJobs > 0 || !executor.runningJob { try await Task.sleep(for: .milliseconds(5)) }
        return (gate, holding)
    }

    @Test func anUrgentJobOvertakesTheRoutineOnesQueuedBeforeIt() async throws {
        let executor = ThreadExecutor(name: "vigil-test")
        let recorder = Recorder(executor: executor)
        let (gate, holding) = try await Self.holdThread(of: recorder)
        var routine: [Task<Void, Never>] = []
        for index in 0..<5 {
            routine.append(Task(priority: .medium) { await recorder.note("routine-\(index)") })
            while executor.queuedJobs < index + 1 { try await Task.sleep(for: .milliseconds(5)) }
        }
        let urgent = Task(priority: .high) { await recorder.note("urgent") }
        while executor.queuedJobs < 6 { try await Task.sleep(for: .milliseconds(5)) }
        gate.signal()
        await holding.value
        await urgent.value
        for task in routine { await task.value }
        #expect(await recorder.order == ["urgent", "routine-0", "routine-1", "routine-2", "routine-3", "routine-4"])
    }

    /// Nonisolated code of a task that prefers the thread (`tasks`) runs on that thread, before
    /// and after it awaits an actor elsewhere: the fault loop's code between actors never waits
    /// for a turn on the shared pool.
    static func currentThread() -> pthread_t { pthread_self() }

    @Test func aTaskThatPrefersTheThreadRunsItsOwnCodeThere() async throws {
        let executor = ThreadExecutor(name: "vigil-tasks")
        let recorder = Recorder(executor: executor)   // named: see LoopbackCSMS on actor temporaries
        let thread = await recorder.thread()
        let elsewhere = Recorder(executor: ThreadExecutor(name: "vigil-other"))
        let threads = await withTaskGroup(of: [pthread_t].self) { group in
            group.addTask(executorPreference: executor.tasks) {
                var threads = [Self.currentThread()]
                await elsewhere.note("visited")
                threads.append(Self.currentThread())
                return threads
            }
            return await group.next() ?? []
        }
        #expect(threads.count == 2 && threads.allSatisfy { pthread_equal($0, thread) != 0 })
        #expect(await elsewhere.order == ["visited"])
    }

    /// A closure handed to `run` holds the thread: it may enter an actor that runs there
    /// (`assumeIsolated`, which asks `checkIsolated`), and it queues in its lane like a job.
    @Test func aClosureRunOnTheThreadIsIsolatedToItsActors() async throws {
        let executor = ThreadExecutor(name: "vigil-closures")
        let recorder = Recorder(executor: executor)
        let thread = await recorder.thread()
        #expect(executor.isIsolatingCurrentContext() == false)
        let (noted, ranOn) = await withCheckedContinuation { (continuation: CheckedContinuation<(Bool?, pthread_t), Never>) in
            executor.run(urgent: false) {
                let isolated = executor.isIsolatingCurrentContext()
                recorder.assumeIsolated { $0.note("closure") }
                continuation.resume(returning: (isolated, pthread_self()))
            }
        }
        #expect(noted == true && pthread_equal(ranOn, thread) != 0)
        #expect(await recorder.order == ["closure"])
    }

    @Test func anUrgentClosureOvertakesTheRoutineJobsQueuedBeforeIt() async throws {
        let executor = ThreadExecutor(name: "vigil-closures")
        let recorder = Recorder(executor: executor)
        let (gate, holding) = try await Self.holdThread(of: recorder)
        let routine = Task(priority: .medium) { await recorder.note("routine") }
        while executor.queuedJobs < 1 { try await Task.sleep(for: .milliseconds(5)) }
        let done = DispatchSemaphore(value: 0)
        executor.run(urgent: true) {
            recorder.assumeIsolated { $0.note("urgent closure") }
            done.signal()
        }
        #expect(executor.hasUrgentJobs)
        gate.signal()
        await holding.value
        await routine.value
        done.wait()
        #expect(await recorder.order == ["urgent closure", "routine"])
    }
}
