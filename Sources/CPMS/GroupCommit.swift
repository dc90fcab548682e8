import Dispatch
import Store
import Synchronization

/// Group commit for the store's hot writes: writes that arrive while the store is busy are
/// run together in one transaction — each in its own savepoint, so one that fails is undone
/// alone and its caller gets its error — and every caller resumes only after the COMMIT.
/// At low load a batch is a single write (no added wait); under load one commit, and one
/// sync of the WAL, serves many chargers' messages. Every batch first writes the raw frames
/// queued since the last one (`FrameQueue`), so a message's frame is durable no later than
/// what the message changed; writes with a `published` step (event log appends) have it run
/// right after the COMMIT, in the order they ran, before any caller resumes. About once a
/// second a batch also moves the recent rows of the raw log and the status history into
/// their station indexes (`indexRecentRows`).
struct GroupCommit {
    struct Write {
        /// Arrival order among all writes (`WriteInbox.nextTicket`).
        var ticket = 0
        let run: () -> Void
        let finish: (_ commitError: Error?) -> Void
        var published: (() -> Void)? = nil
    }

    var pending: [Write] = []
    var isFlushScheduled = false
    var isUrgentFlushScheduled = false
    /// Batches committed and writes they carried (for `vigil bench` and diagnostics).
    var batches = 0
    var writes = 0
    var frames = 0
    /// When the recent rows of the raw log and the status history were last moved into their
    /// station indexes (`indexRecentRows`, uptime nanoseconds).
    var lastIndexing: UInt64 = 0
    var indexingInterval: UInt64 = 1_000_000_000
    /// Index passes' statements that failed (undone alone; the next pass takes their rows).
    var indexFailures = 0
    /// Time spent from BEGIN to the end of COMMIT (the WAL's sync included), in nanoseconds.
    var busyNanoseconds: UInt64 = 0
    /// The same per commit, for `/metrics`' latency histogram.
    var latency = LatencyHistogram()

    /// Takes the pending writes for a flush.
    mutating func take() -> [Write] {
        defer { pending = []; isFlushScheduled = false; isUrgentFlushScheduled = false }
        return pending
    }
}

/// Holds one write's outcome between running it and the commit. Confined to the store actor.
final class WriteOutcome<T> {
    var result: Result<T, Error>?
}

/// The same for a write queued from off the store (`submitted`): set by its `run` and read by
/// its `published` and `finish`, which the flush calls one after the other; the lock makes it
/// safe to share with the caller's closures whatever thread created them.
final class SubmittedOutcome<T: Sendable>: Sendable {
    private let result = Mutex<Result<T, Error>?>(nil)

    func set(_ value: Result<T, Error>) { result.withLock { $0 = value } }
    func get() -> Result<T, Error>? { result.withLock { $0 } }
}

extension StationStore {
    /// Runs `body` (which may use `database.transaction`) in the next group commit and
    /// returns its result once that commit is done.
    func committed<T: Sendable>(_ body: @escaping () throws -> T) async throws -> T {
        try await committed(body, published: nil)
    }

    /// `committed`, with `published` called with the body's result right after the COMMIT (in
    /// the order the writes ran, synchronously, on the store), when the body succeeded. A body
    /// of one statement may go without its savepoint (`singleStatement`) where the engine undoes
    /// a failed statement by itself (SQLite), so it still fails alone; on PostgreSQL a failed
    /// statement aborts the whole transaction, so there it keeps its savepoint.
    func committed<T: Sendable>(_ body: @escaping () throws -> T, published: ((T) -> Void)?,
                                singleStatement: Bool = false) async throws -> T {
        let bare = singleStatement && database.engine.undoesFailedStatementAlone
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let outcome = WriteOutcome<T>()
            var write = GroupCommit.Write(
                run: { [database] in outcome.result = Result { bare ? try body() : try database.transaction(body) } },
                finish: { commitError in
                    if let commitError { return continuation.resume(throwing: commitError) }
                    continuation.resume(with: outcome.result ?? .failure(SQLiteError(code: 0, message: "write not run", sql: nil)))
                })
            if let published {
                write.published = { if case .success(let value)? = outcome.result { published(value) } }
            }
            write.ticket = inbox.nextTicket()
            group.pending.append(write)
            scheduleFlush()
        }
    }

    /// `committed` for a caller off the store's thread (a connection's handler): the write is
    /// queued in the `WriteInbox` without a hop onto the store, `body` runs there with the store
    /// isolated — in the next group commit, in its own savepoint — and the caller resumes once
    /// the COMMIT is done. `published` as for `committed`. A caller above medium priority (the
    /// fault loop, a handler of a fault report) gets an urgent flush.
    nonisolated func submitted<T: Sendable>(_ body: @escaping @Sendable (isolated StationStore) throws -> T,
                                            published: (@Sendable (T) -> Void)? = nil) async throws -> T {
        let urgent = Task.currentPriority > .medium
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let flush = inbox.add(urgent: urgent) { ticket in
                Self.inboundWrite(ticket: ticket, body: body, published: published, continuation: continuation)
            }
            switch flush {
            case .alreadyComing: break
            case .urgent: Task(executorPreference: executor.tasks, priority: .high) { await self.flushGroup() }
            case .ordinary: Task(executorPreference: executor.tasks) { await self.flushGroup() }
            }
        }
    }

    /// The inbox entry of a `submitted` write.
    private static func inboundWrite<T: Sendable>(ticket: Int, body: @escaping @Sendable (isolated StationStore) throws -> T,
                                                  published: (@Sendable (T) -> Void)?,
                                                  continuation: CheckedContinuation<T, Error>) -> WriteInbox.Write {
        let outcome = SubmittedOutcome<T>()
        let run: @Sendable (isolated StationStore) -> Void = { store in
            outcome.set(Result { try store.database.transaction { try body(store) } })
        }
        let finish: @Sendable (Error?) -> Void = { commitError in
            if let commitError { return continuation.resume(throwing: commitError) }
            continuation.resume(with: outcome.get() ?? .failure(SQLiteError(code: 0, message: "write not run", sql: nil)))
        }
        var publish: (@Sendable () -> Void)?
        if let published {
            publish = { if case .success(let value)? = outcome.get() { published(value) } }
        }
        return WriteInbox.Write(ticket: ticket, run: run, finish: finish, published: publish)
    }

    /// Makes sure a flush is coming (writes or frames are waiting). A write of the fault loop
    /// (a task above medium priority: the rule runner, the executor) makes sure an urgent one
    /// is coming, which the store's thread runs ahead of the connections' jobs
    /// (`ThreadExecutor`); the ordinary flush that was already scheduled then finds less or
    /// nothing to do.
    func scheduleFlush() {
        if Task.currentPriority > .medium {
            guard !group.isUrgentFlushScheduled else { return }
            group.isUrgentFlushScheduled = true
            group.isFlushScheduled = true
            Task(priority: .high) { self.flushGroup() }
            return
        }
        guard !group.isFlushScheduled else { return }
        group.isFlushScheduled = true
        Task { self.flushGroup() }
    }

    /// Commits the queued frames and every pending write — those queued on the store and those
    /// in the inbox, in the order they arrived — in one transaction.
    func flushGroup() {
        let writes = Self.inArrivalOrder(group.take(), inbox.take())
        let frames = frameQueue.take()
        guard !writes.isEmpty || !frames.isEmpty else { return }
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            try database.beginTransaction()
            try writeFrames(frames)
            if started &- group.lastIndexing >= group.indexingInterval {
                group.indexFailures += indexRecentRows()
                group.lastIndexing = started
            }
            for write in writes { run(write) }
            try database.commitTransaction()
            group.batches += 1
            group.writes += writes.count
            group.frames += frames.count
            let elapsed = DispatchTime.now().uptimeNanoseconds - started
            group.busyNanoseconds += elapsed
            group.latency.observe(seconds: Double(elapsed) / 1e9)
            for write in writes { Self.publish(write) }
            for write in writes { Self.finish(write, nil) }
        } catch {
            // The commit itself failed: none of these writes is durable. The frames go back to
            // the front of the queue for the next batch.
            database.rollbackTransaction()
            frameQueue.putBack(frames)
            for write in writes { Self.finish(write, error) }
        }
    }

    /// A write of either queue, for one flush.
    enum QueuedWrite {
        case local(GroupCommit.Write)
        case inbound(WriteInbox.Write)

        var ticket: Int {
            switch self {
            case .local(let write): write.ticket
            case .inbound(let write): write.ticket
            }
        }
    }

    /// The two queues, each already in arrival order, merged by ticket.
    static func inArrivalOrder(_ local: [GroupCommit.Write], _ inbound: [WriteInbox.Write]) -> [QueuedWrite] {
        var merged: [QueuedWrite] = []
        merged.reserveCapacity(local.count + inbound.count)
        var (l, i) = (0, 0)
        while l < local.count || i < inbound.count {
            if i == inbound.count || (l < local.count && local[l].ticket < inbound[i].ticket) {
                merged.append(.local(local[l])); l += 1
            } else {
                merged.append(.inbound(inbound[i])); i += 1
            }
        }
        return merged
    }

    private func run(_ write: QueuedWrite) {
        switch write {
        case .local(let write): write.run()
        case .inbound(let write): write.run(self)
        }
    }

    private static func publish(_ write: QueuedWrite) {
        switch write {
        case .local(let write): write.published?()
        case .inbound(let write): write.published?()
        }
    }

    private static func finish(_ write: QueuedWrite, _ error: Error?) {
        switch write {
        case .local(let write): write.finish(error)
        case .inbound(let write): write.finish(error)
        }
    }

    /// How often the recent rows are moved into their station indexes (tests change it).
    func setRowIndexingInterval(nanoseconds: UInt64) {
        group.indexingInterval = nanoseconds
    }

    /// Group commits so far: batches, the writes and raw frames they carried, and the seconds
    /// spent committing them (`GET /metrics`).
    public var groupCommitStatistics: GroupCommitStatistics {
        GroupCommitStatistics(batches: group.batches, writes: group.writes, frames: group.frames,
                              busySeconds: Double(group.busyNanoseconds) / 1e9, indexFailures: group.indexFailures,
                              checkpoints: checkpointer?.current, latency: group.latency)
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
    public let busySeconds: Double
    /// Statements of the station-index passes that failed (their rows wait for the next pass).
    public let indexFailures: Int
    /// The background checkpointer's work, when one runs (`checkpointInBackground`).
    public let checkpoints: WALCheckpointer.Statistics?
    /// Each commit's time, BEGIN to the end of COMMIT.
    public var latency = LatencyHistogram()
}
