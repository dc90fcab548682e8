import Dispatch
import Store
import Synchronization

/// Group commit for the store's hot writes: writes that arrive while the store is busy are
/// run together in one transaction — a write that fails is undone alone and its caller gets
/// its error (the batch runs without a savepoint per write, and again with them only when a
/// write in it failed) — and every caller resumes only after the COMMIT.
/// At low load a batch is a single write (no added wait); under load one commit, and one
/// sync of the WAL, serves many chargers' messages, and routine commits are spaced (at least
/// 2 ms from one's start to the next: `WriteQueue`) so that each gathers more of them. Every
/// batch first writes the raw frames queued since the last one (`FrameQueue`), so a message's frame is durable no later than
/// what the message changed; writes with a `published` step (event log appends) have it run
/// right after the COMMIT, in the order they ran, before any caller resumes. About once a
/// second the rows written since the last pass move into their station indexes
/// (`StationIndexPass`), a bounded step per routine batch.
///
/// Faults first (issue #15): a write of the fault loop (`urgent`: a task at
/// `UrgentPriority.level`) is committed in a batch of urgent writes alone, not behind the fleet's routine
/// writes queued before it; and a routine batch ends early — commits what it ran and leaves
/// the rest for the next — as soon as an urgent job waits for the store's thread. Under a
/// saturating fleet a routine batch holds hundreds of writes (15–35 ms); a fault's write
/// waits for the one write running and that batch's COMMIT instead.
struct GroupCommit {
    /// One write waiting for, or in, a group commit (queued in the store's `WriteQueue`).
    struct Write: Sendable {
        /// Runs the write; `guarded`: in a savepoint of its own. Returns whether it succeeded.
        let run: @Sendable (isolated StationStore, _ guarded: Bool) -> Bool
        let finish: @Sendable (_ commitError: Error?) -> Void
        var published: (@Sendable () -> Void)? = nil
        /// Written by the fault loop (see the type's note).
        var urgent = false
    }

    /// Batches committed and writes they carried (for `vigil bench` and diagnostics).
    var batches = 0
    var writes = 0
    var frames = 0
    /// Batches of urgent writes alone, and routine batches that ended early for an urgent job.
    var urgentBatches = 0
    var cutBatches = 0
    /// When the last pass over the recent rows of the raw log and the status history began
    /// (`StationIndexPass`, uptime nanoseconds).
    var lastIndexing: UInt64 = 0
    var indexingInterval: UInt64 = 1_000_000_000
    /// The pass in progress (`StationIndexPass`); nil between passes.
    var indexPass: StationIndexPass?
    /// Entries per table one batch inserts into the station indexes (four times as many rows
    /// read): a step of a millisecond or two.
    var indexingChunk = 2_000
    /// Index pass steps that failed (undone alone; the next pass starts again from the marks).
    var indexFailures = 0
    /// Attempts at a batch that failed (BEGIN, the frames or COMMIT).
    var failedBatches = 0
    /// Since when (uptime nanoseconds) every batch has failed; nil after one committed.
    var failingSince: UInt64?
    /// When a batch last failed (uptime nanoseconds).
    var lastFailure: UInt64?
    /// How long writes a failed batch had not reached are tried again before they fail.
    var retryWindow: UInt64 = 5_000_000_000
    /// Time spent from BEGIN to the end of COMMIT (the WAL's sync included), in nanoseconds.
    var busyNanoseconds: UInt64 = 0
    /// The same per commit, for `/metrics`' latency histogram.
    var latency = LatencyHistogram()
}

/// Holds one write's outcome between running it and the commit. Only the store's thread
/// touches it (the flush runs, publishes and finishes the write); the lock makes that checked.
final class WriteOutcome<T: Sendable>: Sendable {
    let result = Mutex<Result<T, Error>?>(nil)
}

extension StationStore {
    /// Runs `body` (which may use `database.transaction`) in the next group commit and
    /// returns its result once that commit is done.
    nonisolated func committed<T: Sendable>(_ body: @escaping @Sendable (isolated StationStore) throws -> T)
        async throws -> T {
        try await committed(body, published: nil)
    }

    /// `committed`, with `published` called with the body's result right after the COMMIT (in
    /// the order the writes ran, synchronously, on the store), when the body succeeded. A body
    /// of one statement may go without its savepoint (`singleStatement`) where the engine undoes
    /// a failed statement by itself (SQLite), so it still fails alone. A batch runs without
    /// savepoints first and, when a write failed, again with them (`flushGroup`): a body may run
    /// twice, the first run rolled back, so it must do nothing outside the database.
    ///
    /// Runs on the caller's executor, not the store's: the write is queued under a lock
    /// (`WriteQueue`), the store's thread commits it, and the caller resumes on its own executor.
    nonisolated func committed<T: Sendable>(_ body: @escaping @Sendable (isolated StationStore) throws -> T,
                                            published: (@Sendable (T) -> Void)?,
                                            singleStatement: Bool = false) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let outcome = WriteOutcome<T>()
            var write = GroupCommit.Write(
                run: { store, guarded in
                    let bare = singleStatement && store.database.engine.undoesFailedStatementAlone
                    let result = Result {
                        bare || !guarded ? try body(store) : try store.database.transaction { try body(store) }
                    }
                    outcome.result.withLock { $0 = result }
                    if case .failure = result { return false }
                    return true
                },
                finish: { commitError in
                    if let commitError { return continuation.resume(throwing: commitError) }
                    let result = outcome.result.withLock { $0 }
                    continuation.resume(with: result ?? .failure(SQLiteError(code: 0, message: "write not run", sql: nil)))
                },
                urgent: UrgentPriority.isCurrentTaskUrgent)
            if let published {
                write.published = { if case .success(let value)? = outcome.result.withLock({ $0 }) { published(value) } }
            }
            if let flush = writeQueue.submit(write) { startFlush(flush) }
        }
    }

    /// Makes sure a routine flush is coming (raw frames wait: `MessageLog`).
    nonisolated func requestFlush() {
        if let flush = writeQueue.claimRoutineFlush() { startFlush(flush) }
    }

    /// Runs a flush on the store's thread, without a task or a hop into the actor: an urgent
    /// one (for the fault loop's writes: the rule runner's, the executor's, a fault report's)
    /// in the thread's urgent lane, ahead of the connections' jobs (`ThreadExecutor`), and
    /// committing the urgent writes alone.
    nonisolated func startFlush(_ flush: WriteQueue.Flush) {
        switch flush {
        case .urgent:
            executor.run(urgent: true) { [self] in assumeIsolated { $0.flushGroup(urgentOnly: true) } }
        case .routine(after: 0):
            executor.run(urgent: false) { [self] in assumeIsolated { $0.flushGroup(urgentOnly: false) } }
        case .routine(let delay):
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(delay))) { [self] in
                startFlush(.routine(after: 0))
            }
        }
    }

    /// Commits the queued frames and the pending writes in one transaction: the urgent writes
    /// alone (`urgentOnly`), or all of them, urgent ones first, ending early when an urgent job
    /// waits for the thread.
    func flushGroup(urgentOnly: Bool) {
        let writes = writeQueue.take(urgentOnly: urgentOnly)
        let frames = frameQueue.take()
        let indexing = !urgentOnly && indexingDue()
        if !urgentOnly { writeQueue.routineBatchTook(frames: frames.count) }
        guard !writes.isEmpty || !frames.isEmpty || indexing else { return }
        let started = DispatchTime.now().uptimeNanoseconds
        var ran = 0
        // A savepoint per write is two more statements (on PostgreSQL two more round trips,
        // under the schema's lock). The batch runs without them first; should a write fail (on
        // PostgreSQL that aborts the whole transaction; on SQLite the failed write's earlier
        // statements would stay) it is rolled back and run again with a savepoint per write, so
        // the failure stays the one write's.
        let postgres = database as? PostgresDatabase
        let passBefore = group.indexPass
        /// BEGIN, the frames, an index step and the writes — until an urgent job waits, or, not
        /// `guarded`, until one fails; false when a write failed without its savepoint.
        func pass(guarded: Bool) throws -> Bool {
            ran = 0
            try database.beginTransaction()
            try writeFrames(frames)
            if indexing { stepIndexPass() }
            try stillInTransaction()
            for write in writes {
                let succeeded = write.run(self, guarded)
                ran += 1
                try stillInTransaction()
                if !succeeded && !guarded { return false }
                if !urgentOnly && ran < writes.count && executor.hasUrgentJobs { break }
            }
            return guarded || postgres?.transactionHasFailed != true
        }
        /// SQLite rolls a whole transaction back by itself on some errors (a full disk, an I/O
        /// error): a write or the index step that swallowed one must not let the rest of the
        /// batch run statement by statement outside a transaction. Every write of the batch
        /// then gets the error (none of them is durable) and the frames go back to the queue.
        func stillInTransaction() throws {
            guard postgres == nil, !database.isInTransaction else { return }
            throw TransactionRolledBack()
        }
        do {
            if try !pass(guarded: false) {   // again, each write in its savepoint
                database.rollbackTransaction()
                group.indexPass = passBefore
                _ = try pass(guarded: true)
            }
            try database.commitTransaction()
            group.batches += 1
            group.writes += ran
            if urgentOnly { group.urgentBatches += 1 } else if ran < writes.count { group.cutBatches += 1 }
            group.frames += frames.count
            let elapsed = DispatchTime.now().uptimeNanoseconds - started
            group.busyNanoseconds += elapsed
            group.latency.observe(seconds: Double(elapsed) / 1e9)
            for write in writes[..<ran] { write.published?() }
            for write in writes[..<ran] { write.finish(nil) }
        } catch {
            // BEGIN, the frames or the commit failed: none of these writes is durable. Those it
            // ran get the error. Those it had not reached (BEGIN failed: SQLite busy past its
            // timeout, a lock wait cut off, a connection being re-made) are tried again after a
            // pause — for `retryWindow` from the first failure in a row, then they get the error
            // too: a database that stays unreachable (PostgreSQL down) must fail its callers,
            // whose own give-up rules (the cluster role's and the stations' leases: exit, close
            // the chargers) then run, instead of the writes spinning unanswered. The frames go
            // back to the front of the queue for the next batch.
            database.rollbackTransaction()
            frameQueue.putBack(frames)
            group.indexPass = nil   // its step was undone with the rest: the next pass starts from the marks
            group.failedBatches += 1
            let now = DispatchTime.now().uptimeNanoseconds
            // A failure after a quiet spell (none for a window's length) starts a new window.
            if let last = group.lastFailure, now &- last > group.retryWindow { group.failingSince = nil }
            let failingSince = group.failingSince ?? now
            group.failingSince = failingSince
            group.lastFailure = now
            for write in writes[..<ran] { write.finish(error) }
            guard ran < writes.count else { return }
            if now &- failingSince < group.retryWindow {
                for flush in writeQueue.putBack(writes[ran...]) {
                    DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(100)) { [self] in startFlush(flush) }
                }
            } else {
                for write in writes[ran...] { write.finish(error) }
            }
            return
        }
        group.failingSince = nil
        if ran < writes.count {
            writeQueue.putBack(writes[ran...]).forEach(startFlush)
        } else if group.indexPass != nil {
            requestFlush()
        }
    }

    /// Whether this routine batch takes a chunk of an index pass: the one in progress, or a new
    /// one about once a second.
    private func indexingDue() -> Bool {
        if group.indexPass != nil { return true }
        let now = DispatchTime.now().uptimeNanoseconds
        guard now &- group.lastIndexing >= group.indexingInterval else { return false }
        group.lastIndexing = now
        return true
    }

    /// One step of the index pass in progress, or of a new one (which ends at the newest rows
    /// now, this batch's frames included); a step that fails ends the pass (counted).
    private func stepIndexPass() {
        do {
            let pass = try advanceIndexPass(group.indexPass, chunk: group.indexingChunk)
            group.indexPass = pass.isDone ? nil : pass
        } catch {
            group.indexFailures += 1
            group.indexPass = nil
        }
    }

    /// How long a failing database's writes are tried again before their callers get the error (tests shorten it).
    func setRetryWindow(nanoseconds: UInt64) { group.retryWindow = nanoseconds }

    /// How often the recent rows are moved into their station indexes, and how many rows of
    /// each table one batch moves (tests change them).
    func setRowIndexingInterval(nanoseconds: UInt64, chunk: Int? = nil) {
        group.indexingInterval = nanoseconds
        if let chunk { group.indexingChunk = chunk }
    }

    /// Group commits so far: batches, the writes and raw frames they carried, and the seconds
    /// spent committing them (`GET /metrics`).
    public var groupCommitStatistics: GroupCommitStatistics {
        GroupCommitStatistics(batches: group.batches, writes: group.writes, frames: group.frames,
                              urgentBatches: group.urgentBatches, cutBatches: group.cutBatches,
                              busySeconds: Double(group.busyNanoseconds) / 1e9, indexFailures: group.indexFailures,
                              failedBatches: group.failedBatches, checkpoints: checkpointer?.current, latency: group.latency)
    }

    /// Moves the write-ahead log's checkpoints off the store's thread: a `WALCheckpointer` on a
    /// connection and thread of its own copies the log into the database file every `interval`,
    /// and the writer's COMMIT only appends to the log. Nil for an engine without a WAL to hand
    /// over (not SQLite). `vigil serve` does this; short CLI commands keep SQLite's default.
    public func checkpointInBackground(interval: Duration = .milliseconds(100)) throws -> WALCheckpointer? {
        guard let sqlite = database as? SQLiteDatabase else { return nil }
        if let checkpointer { return checkpointer }
        let started = try WALCheckpointer(path: sqlite.path, interval: interval)
        try WALCheckpointer.handOver(from: sqlite)
        checkpointer = started
        return started
    }
}

/// What the store's group commits have done since start (for `GET /metrics`).
public struct GroupCommitStatistics: Sendable {
    public let batches: Int
    public let writes: Int
    public let frames: Int
    /// Batches of the fault loop's writes alone, and routine batches ended early for them.
    public let urgentBatches: Int
    public let cutBatches: Int
    public let busySeconds: Double
    /// Statements of the station-index passes that failed (their rows wait for the next pass).
    public let indexFailures: Int
    /// Attempts at a batch that failed (BEGIN, the frames or COMMIT: the database unreachable,
    /// busy, a full disk). The writes a failed BEGIN had not reached are tried again for up to
    /// 5 s, so a count here does not mean those writes were lost.
    public let failedBatches: Int
    /// The background checkpointer's work, when one runs (`checkpointInBackground`).
    public let checkpoints: WALCheckpointer.Statistics?
    /// Each commit's time, BEGIN to the end of COMMIT.
    public var latency = LatencyHistogram()
}

/// The engine rolled the group commit's transaction back by itself partway through a batch.
struct TransactionRolledBack: Error, CustomStringConvertible {
    var description: String { "the database rolled the transaction back (disk full or an I/O error?): the batch's writes were not stored" }
}
