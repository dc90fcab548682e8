import Dispatch
import Synchronization

/// The writes waiting for the store's next group commit, and which flushes are coming for
/// them. Lock-guarded, so that a connection submits a write without entering the store's
/// actor (`StationStore.committed` runs on the caller's executor): the write waits here, the
/// flush runs on the store's thread, and the caller resumes straight onto its own executor
/// (one job, where a call into the actor made five).
final class WriteQueue: Sendable {
    private struct State {
        var pending: [GroupCommit.Write] = []
        var isFlushScheduled = false
        var isUrgentFlushScheduled = false
        /// When the last routine batch began (uptime nanoseconds), and its writes and frames.
        var lastRoutineFlush: UInt64 = 0
        var lastRoutineSize = 0
        var routineSpacing: UInt64 = 2_000_000
    }

    private let state = Mutex(State())

    /// A routine batch of at least this many writes and raw frames means the store is busy: the
    /// next routine flush then waits for `routineSpacing` after it, gathering a larger batch.
    /// (One charger's message is a write and two frames.)
    static let busyBatch = 8

    /// Which flush a caller must start after `submit`, `claimRoutineFlush` or `putBack`.
    enum Flush: Equatable {
        /// The fault loop's writes alone, ahead of the thread's other jobs.
        case urgent
        /// Every pending write, urgent ones first; `after` nanoseconds from now.
        case routine(after: UInt64)
    }

    /// How long a busy store waits between the starts of two routine flushes (see `claimRoutine`).
    func setRoutineSpacing(nanoseconds: UInt64) {
        state.withLock { $0.routineSpacing = nanoseconds }
    }

    /// Queues `write`; returns the flush its caller must start, nil when one is coming already.
    func submit(_ write: GroupCommit.Write) -> Flush? {
        state.withLock { state in
            state.pending.append(write)
            return write.urgent ? claimUrgent(&state) : claimRoutine(&state)
        }
    }

    /// Claims a routine flush unless one is coming; nil when one is.
    func claimRoutineFlush() -> Flush? {
        state.withLock { claimRoutine(&$0) }
    }

    private func claimUrgent(_ state: inout State) -> Flush? {
        guard !state.isUrgentFlushScheduled else { return nil }
        state.isUrgentFlushScheduled = true
        return .urgent
    }

    /// A routine flush right away, unless the store is busy (its last routine batch carried
    /// `busyBatch` writes and frames or more): then no sooner than `routineSpacing` after that
    /// batch began. Every commit rewrites the pages it touched (into the WAL, with a sync) and wakes the
    /// store's thread, so under load fewer, larger commits cost far less per write; the wait is
    /// a millisecond or two on top of a busy store's queueing, and none for a quiet one. The
    /// fault loop's writes do not wait: an urgent flush is never spaced.
    private func claimRoutine(_ state: inout State) -> Flush? {
        guard !state.isFlushScheduled else { return nil }
        state.isFlushScheduled = true
        guard state.lastRoutineSize >= Self.busyBatch else { return .routine(after: 0) }
        let due = state.lastRoutineFlush &+ state.routineSpacing
        let now = DispatchTime.now().uptimeNanoseconds
        return .routine(after: due > now ? due - now : 0)
    }

    /// Takes the pending writes for a flush: every one (urgent ones first, each kind in arrival
    /// order), or only the urgent ones, leaving the routine writes for their own flush. A flush
    /// that takes the urgent writes ends the wait of an urgent flush; only a routine one ends a
    /// routine flush's (writes submitted from now on schedule a new one).
    func take(urgentOnly: Bool) -> [GroupCommit.Write] {
        state.withLock { state in
            state.isUrgentFlushScheduled = false
            if urgentOnly {
                let urgent = state.pending.filter(\.urgent)
                if urgent.count < state.pending.count {
                    state.pending.removeAll(where: \.urgent)
                } else {
                    state.pending = []
                }
                return urgent
            }
            state.isFlushScheduled = false
            // The batch begins now (under the lock that ends its flush's wait, so the next
            // routine write is spaced from it): its frames are added by `routineBatchTook`.
            state.lastRoutineFlush = DispatchTime.now().uptimeNanoseconds
            state.lastRoutineSize = state.pending.count
            defer { state.pending = [] }
            guard state.pending.contains(where: \.urgent) else { return state.pending }
            return state.pending.filter(\.urgent) + state.pending.filter { !$0.urgent }
        }
    }

    /// Adds the raw frames a routine batch took to its size (`claimRoutine` spaces the next
    /// routine flush after a busy batch).
    func routineBatchTook(frames: Int) {
        state.withLock { $0.lastRoutineSize += frames }
    }

    /// Writes a batch did not reach (it ended early for an urgent job) go back to the front of
    /// the queue, ahead of later arrivals, for the next batch. Returns the flushes its caller
    /// must start: an urgent one when the fault loop's writes are among them (they must not wait
    /// for a spaced routine flush), and a routine one for the rest — each unless one is coming.
    func putBack(_ writes: ArraySlice<GroupCommit.Write>) -> [Flush] {
        state.withLock { state in
            state.pending.insert(contentsOf: writes, at: 0)
            let urgent = writes.contains(where: \.urgent) ? claimUrgent(&state) : nil
            return [urgent, claimRoutine(&state)].compactMap { $0 }
        }
    }
}
