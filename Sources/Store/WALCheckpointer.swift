import CSQLite
import Dispatch
import Foundation
import Synchronization

/// Copies the write-ahead log into the database file from a thread and a connection of its
/// own, so the writer's COMMIT never does it. By default SQLite checkpoints inside the COMMIT
/// that pushes the log past 1,000 pages: under a busy fleet that is several times a second,
/// and each time the writer — the thread every charger's answer waits on — writes those pages
/// to the database file and syncs it. With a checkpointer the writer only appends to the log
/// (`handOver(from:)` raises its own threshold to a safety net and caps the file it leaves
/// behind), and PASSIVE checkpoints here run beside it: they never take the write lock, so they
/// neither wait for the writer nor make it wait; a reader still on an old snapshot only keeps
/// the newest pages back until the next one. Only a log grown past `restartAtPages` is
/// finished with a RESTART checkpoint, which waits for a gap between two commits and makes the
/// writer start the log over from its beginning — in the same file, not an emptied one (see
/// `restartAtPages`).
///
/// Thread-safe: the connection is used by the checkpointer's thread only; the rest is a mutex
/// and atomics.
public final class WALCheckpointer: Sendable {
    /// What the checkpoints have done since start (for `GET /metrics`).
    public struct Statistics: Sendable, Equatable {
        public var checkpoints = 0
        /// Pages in the log at the last checkpoint, and how many of them were in the database file after it.
        public var logPages = 0
        public var checkpointedPages = 0
        public var failures = 0
        /// Times the log had grown past `restartAtPages` and was started over (RESTART), and
        /// times a restart gave up waiting (`restartWaitMilliseconds`) to try at the next interval.
        public var restarts = 0
        public var deferredRestarts = 0
        public var busySeconds = 0.0
    }

    /// A log this long (pages of 4 KiB: 64 MiB) is finished with a RESTART checkpoint, which
    /// waits for a moment between two of the writer's commits, copies the few pages the
    /// PASSIVE one left, and has the writer's next commit start the log over at the beginning
    /// of the file. Under a fleet that never stops writing, PASSIVE checkpoints keep up but
    /// rarely catch the log at a moment when the writer can start it over, so without this the
    /// file would grow to the writer's safety net. Not TRUNCATE: an emptied file grows again
    /// with every commit, and the sync of a commit that grows the file also waits for the file
    /// system's journal (the size changed) — measured under 15,000 chargers, the commit after
    /// each truncation took 34–54 ms, about once a second, and those stalls were most of the
    /// answers' p99. A restarted log overwrites blocks the file already has; its file is cut
    /// back to `logSizeLimitBytes` only when it grew past it.
    public static let restartAtPages = 16_384

    /// How long a RESTART may wait for readers and the writer before it gives up until the next
    /// interval: the writer's commits wait behind a pending RESTART, so this bounds the stall
    /// (with SQLite's default wait, 5 s, a reader holding an old snapshot stalled every charger's
    /// answer; 340 ms was seen under 15,000 chargers).
    public static let restartWaitMilliseconds: Int32 = 20
    private let restartAt: Int32

    /// The writer's own checkpoint threshold once the checkpointer runs (pages of 4 KiB: about
    /// 400 MiB of log), so the log stays bounded even if this thread could not keep up.
    public static let writerSafetyNetPages = 100_000

    private let interval: Duration
    private let statistics = Mutex(Statistics())
    private let stopping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)

    /// Opens its own connection to the database at `path` (which must exist, in WAL mode) and
    /// checkpoints every `interval` until `stop()`; the log is started over past `restartAt`
    /// pages (tests lower it).
    public init(path: String, interval: Duration = .milliseconds(100), restartAt: Int = WALCheckpointer.restartAtPages) throws(SQLiteError) {
        self.interval = interval
        self.restartAt = Int32(clamping: restartAt)
        // The connection is opened on the thread that uses it (it is not Sendable); an error
        // opening it comes back to this initialiser.
        let opened = DispatchSemaphore(value: 0)
        let failure = Mutex<SQLiteError?>(nil)
        let thread = Thread { [self] in
            Thread.current.name = "vigil-ckpt"
            let database: SQLiteDatabase
            do throws(SQLiteError) { database = try SQLiteDatabase(path: path) } catch {
                failure.withLock { $0 = error }
                opened.signal()
                stopped.signal()
                return
            }
            opened.signal()
            run(database)
            stopped.signal()
        }
        thread.name = "vigil-ckpt"
        thread.start()
        opened.wait()
        if let error = failure.withLock({ $0 }) {
            stopping.store(true, ordering: .releasing)
            throw error
        }
    }

    /// Makes `writer` leave checkpoints to this checkpointer (its automatic threshold becomes
    /// `writerSafetyNetPages`).
    public static func handOver(from writer: SQLiteDatabase) throws(SQLiteError) {
        try writer.execute("PRAGMA wal_autocheckpoint = \(writerSafetyNetPages)")
        // When the writer starts the log over (everything in it checkpointed), a log file that
        // grew past this is cut back, so a burst does not leave a large file behind.
        try writer.execute("PRAGMA journal_size_limit = \(logSizeLimitBytes)")
    }

    /// The size the log file is cut back to when the writer starts it over: above the log a
    /// restart leaves behind (`restartAtPages` frames of 4,096 + 24 bytes, ≈ 67.5 MB, plus what
    /// came in while a restart was deferred), so a restarted log keeps its blocks and only a
    /// burst's larger file is cut back.
    public static let logSizeLimitBytes = 128 << 20

    public var current: Statistics { statistics.withLock { $0 } }

    /// Runs a last checkpoint and ends the thread; returns once it has.
    public func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        wake.signal()
        stopped.wait()
    }

    private func run(_ database: SQLiteDatabase) {
        let nanoseconds = Int(interval.components.seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000)
        while !stopping.load(ordering: .acquiring) {
            _ = wake.wait(timeout: .now() + .nanoseconds(nanoseconds))
            checkpoint(database)
        }
    }

    private func checkpoint(_ database: SQLiteDatabase) {
        let started = DispatchTime.now().uptimeNanoseconds
        var logPages: Int32 = 0
        var checkpointed: Int32 = 0
        var code = sqlite3_wal_checkpoint_v2(database.handle, nil, SQLITE_CHECKPOINT_PASSIVE, &logPages, &checkpointed)
        var restarted = false
        var deferred = false
        if code == SQLITE_OK && logPages >= restartAt {
            // While a RESTART waits (for a reader still on an old snapshot, for the writer's
            // transaction) it holds new writers back: it may wait only briefly, then gives up
            // until the next interval (the log grows a little meanwhile).
            sqlite3_busy_timeout(database.handle, Self.restartWaitMilliseconds)
            code = sqlite3_wal_checkpoint_v2(database.handle, nil, SQLITE_CHECKPOINT_RESTART, &logPages, &checkpointed)
            sqlite3_busy_timeout(database.handle, SQLiteDatabase.defaultBusyTimeoutMilliseconds)
            restarted = code == SQLITE_OK
            deferred = code == SQLITE_BUSY
        }
        let busy = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        statistics.withLock { statistics in
            // BUSY: another process's checkpoint is running; it does the same work.
            if code == SQLITE_OK || code == SQLITE_BUSY {
                statistics.checkpoints += code == SQLITE_OK ? 1 : 0
                statistics.restarts += restarted ? 1 : 0
                statistics.deferredRestarts += deferred ? 1 : 0
                statistics.logPages = Int(logPages)
                statistics.checkpointedPages = Int(checkpointed)
            } else {
                statistics.failures += 1
            }
            statistics.busySeconds += busy
        }
    }
}
