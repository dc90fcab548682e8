import Synchronization

/// Where writes wait for the store's next group commit when their callers are not on the
/// store's thread: a caller appends its write under a lock and waits for the commit, with no
/// job of its own on the store's thread — under a thousand busy chargers the hop onto that
/// thread to queue each write cost as much as running it. The flush (`flushGroup`) takes what
/// is here together with the writes queued from the store itself (`GroupCommit.pending`), in
/// the order they arrived: every write draws a ticket from `nextTicket`.
final class WriteInbox: Sendable {
    /// A write queued from outside the store: its statements run with the store isolated.
    struct Write: Sendable {
        let ticket: Int
        /// Runs the write's statements inside the group commit's transaction.
        let run: @Sendable (isolated StationStore) -> Void
        /// Called once the COMMIT is done (nil) or failed (its error).
        let finish: @Sendable (_ commitError: Error?) -> Void
        /// Called right after the COMMIT, before any caller resumes, when the write succeeded.
        let published: (@Sendable () -> Void)?
    }

    /// Which flush a queued write made sure of.
    enum Flush {
        case alreadyComing, ordinary, urgent
    }

    private struct State {
        var writes: [Write] = []
        var tickets = 0
        var isFlushScheduled = false
        var isUrgentFlushScheduled = false
    }

    private let state = Mutex(State())

    /// The next arrival ticket (writes queued on the store draw theirs here too).
    func nextTicket() -> Int {
        state.withLock { state in
            state.tickets += 1
            return state.tickets
        }
    }

    /// Queues a write built around its ticket; says whether the caller must schedule a flush.
    /// An urgent write (the fault loop's) asks for an urgent flush even when an ordinary one is
    /// already coming, as `StationStore.scheduleFlush` does.
    func add(urgent: Bool, _ make: (Int) -> Write) -> Flush {
        state.withLock { state in
            state.tickets += 1
            state.writes.append(make(state.tickets))
            if urgent {
                guard !state.isUrgentFlushScheduled else { return .alreadyComing }
                state.isUrgentFlushScheduled = true
                state.isFlushScheduled = true
                return .urgent
            }
            guard !state.isFlushScheduled else { return .alreadyComing }
            state.isFlushScheduled = true
            return .ordinary
        }
    }

    /// Takes every queued write for a flush; the next write schedules a new one.
    func take() -> [Write] {
        state.withLock { state in
            defer { state.writes = []; state.isFlushScheduled = false; state.isUrgentFlushScheduled = false }
            return state.writes
        }
    }
}
