import Foundation
import OCPP
import Store
import Synchronization

/// The raw OCPP log: every frame in and out, per station, with its time. Connections hand
/// frames to `record` without waiting; they join the store's next group commit (every batch
/// writes the frames queued before it), so an incoming frame is durable no later than what
/// its message changed and before the charger is answered, and nothing is dropped: the queue
/// holds only what arrived since the last commit. `prune` applies the retention. Secret
/// setting values (AuthorizationKey, BasicAuthPassword …) are redacted before a frame is
/// queued (`SecretSettings.redact(frame:)`: a byte scan, and a rewrite only of the
/// configuration frames that carry one).
public final class MessageLog: Sendable {
    public struct Retention: Sendable {
        /// Frames older than this many seconds are deleted.
        public var maxAgeSeconds: Int = 7 * 24 * 3600
        /// At most this many frames are kept (the oldest go first).
        public var maxFrames: Int = 5_000_000
        /// At most this much frame text is kept, in characters (bytes, for OCPP's ASCII JSON):
        /// a few huge frames cannot fill the disk under the frame count.
        public var maxBytes: Int = 2 << 30
        public init() {}
    }

    private let store: StationStore
    public let retention: Retention

    public init(store: StationStore, retention: Retention = Retention()) {
        self.store = store
        self.retention = retention
    }

    /// Queues one frame, its secret setting values redacted, for the next group commit; never
    /// blocks beyond a short lock.
    public func record(station: String, incoming: Bool, at: String, text: String) {
        let entry = FrameQueue.Entry(station: station, incoming: incoming, at: at, text: SecretSettings.redact(frame: text))
        if store.frameQueue.append(entry) { store.requestFlush() }
    }

    /// Writes whatever is queued now (shutdown, tests); returns how many frames were written.
    @discardableResult
    public func flush() async throws -> Int {
        try await store.flushFrames()
    }

    /// Deletes what the retention no longer keeps, relative to `now` (RFC 3339).
    public func prune(now: String) async throws {
        try await store.pruneMessages(olderThanSeconds: retention.maxAgeSeconds, now: now, keepAtMost: retention.maxFrames,
                                      keepBytes: retention.maxBytes)
    }
}

/// Frames waiting for the store's next group commit, in arrival order. Mutex-guarded so a
/// connection can queue a frame without a hop to the store actor.
final class FrameQueue: Sendable {
    struct Entry: Sendable {
        var station: String
        var incoming: Bool
        var at: String
        var text: String
    }

    private let entries = Mutex<[Entry]>([])

    /// Appends; true when the queue was empty (the caller then makes sure a flush is coming).
    func append(_ entry: Entry) -> Bool {
        entries.withLock { entries in
            entries.append(entry)
            return entries.count == 1
        }
    }

    func take() -> [Entry] {
        guard entries.withLock({ !$0.isEmpty }) else { return [] }
        var fresh: [Entry] = []
        fresh.reserveCapacity(512)   // allocated outside the lock: appends then rarely grow it under the lock
        return entries.withLock { entries in
            swap(&entries, &fresh)
            return fresh
        }
    }

    /// Returns frames whose commit failed to the front, ahead of what arrived since.
    func putBack(_ frames: [Entry]) {
        guard !frames.isEmpty else { return }
        entries.withLock { $0.insert(contentsOf: frames, at: 0) }
    }

    var count: Int { entries.withLock { $0.count } }
}

extension StationStore {
    /// Inserts queued frames (inside the group commit's transaction) as multi-row INSERTs of 64,
    /// 16, 4 and 1 rows — four statement texts, prepared once each. Over a network (PostgreSQL)
    /// every statement is a round trip; in SQLite each statement still costs its bind, step and
    /// reset, which for one row was most of the row's cost.
    func writeFrames(_ frames: [FrameQueue.Entry]) throws {
        var rest = frames[...]
        while !rest.isEmpty {
            let size = [64, 16, 4, 1].first { $0 <= rest.count } ?? 1
            let chunk = rest.prefix(size)
            rest = rest.dropFirst(size)
            var values: [any SQLBindable] = []
            values.reserveCapacity(size * 4)
            for frame in chunk {
                values.append(frame.station)
                values.append(frame.incoming)
                values.append(frame.at)
                values.append(frame.text)
            }
            try database.run(Self.frameInserts[size] ?? "", values)
        }
    }

    /// `INSERT INTO ocpp_messages … VALUES (…), (…)` for 1, 4, 16 and 64 rows.
    static let frameInserts: [Int: String] = Dictionary(uniqueKeysWithValues: [1, 4, 16, 64].map { size in
        (size, "INSERT INTO ocpp_messages (station, incoming, at, text) VALUES "
            + Array(repeating: "(?, ?, ?, ?)", count: size).joined(separator: ", "))
    })

    /// Commits the queued frames now (with any pending writes); how many frames were queued.
    /// Isolated, so it never runs while a batch that took frames is being written (a batch runs
    /// on the store's thread too): what it finds queued is everything not yet committed.
    func flushFrames() async throws -> Int {
        let queued = frameQueue.count
        guard queued > 0 else { return 0 }
        // An empty write joins the next batch, whose commit carries the frames queued before it.
        try await committed { _ in () }
        return queued
    }

    /// Each limit is checked cheaply first and its DELETE run only when it can remove something:
    /// the prune runs on the store's thread, and a scan of the whole log (the byte total's window
    /// above all) held every charger's commit for hundreds of milliseconds — now a few seconds
    /// after each start, not only hourly.
    func pruneMessages(olderThanSeconds: Int, now: String, keepAtMost: Int, keepBytes: Int = .max) throws {
        guard let span = try database.rows("SELECT min(id), max(id) FROM ocpp_messages").first,
              let first = span[0].int, let last = span[1].int else { return }   // empty
        let cutoff = StoreTime.shifted(now, by: -Double(olderThanSeconds))
        // Frames are stored in the order they arrived, so the too old ones are the ids below a
        // boundary found by a binary search of point reads (a scan of a week's log held every
        // commit for seconds); a time that cannot be read falls back to the scan.
        if let cutoffAt = StoreTime.parse(cutoff) {
            if let boundary = try firstFrame(notBefore: cutoffAt, from: first, to: last) {
                if boundary > first { try database.run("DELETE FROM ocpp_messages WHERE id < ?", boundary) }
            } else {
                try database.run("DELETE FROM ocpp_messages WHERE \(StoreTime.seconds("at")) < \(StoreTime.seconds("?"))", cutoff)
            }
        }
        if last - first + 1 > keepAtMost {
            try database.run("DELETE FROM ocpp_messages WHERE id <= ?", last - keepAtMost)
        }
        if keepBytes < .max, storedBytes().map({ $0 > keepBytes }) ?? true {
            // The newest frames whose text adds up to keepBytes stay; everything older goes.
            try database.run("""
                DELETE FROM ocpp_messages WHERE id <= (
                    SELECT max(id) FROM (SELECT id, sum(length(text)) OVER (ORDER BY id DESC) AS newer FROM ocpp_messages) AS totals
                    WHERE newer > ?)
                """, keepBytes)
        }
        guard try database.rows("SELECT min(id) FROM ocpp_messages").first?.first?.int != first else { return }   // nothing went
        try pruneStationIndex("ocpp_messages")
        try rowsRemoved(from: "ocpp_messages")
    }

    /// Where the frames of `first…last` stop being older than `cutoff`: the first id whose time
    /// is not before it (`last + 1`: every frame is older); nil when a time cannot be read.
    private func firstFrame(notBefore cutoff: Date, from first: Int, to last: Int) throws -> Int? {
        // The first row at or after `id` (ids have gaps): absent, old, or not old; nil when its
        // time cannot be read.
        enum Probe { case absent, old, recent(Int) }
        func probe(_ id: Int) throws -> Probe? {
            guard let row = try database.rows("SELECT id, at FROM ocpp_messages WHERE id >= ? ORDER BY id LIMIT 1", id).first else { return .absent }
            guard let found = row[0].int, let at = row[1].text.flatMap(StoreTime.parse) else { return nil }
            return at < cutoff ? .old : .recent(found)
        }
        // "The first row at or after x is not old (or there is none)" is false, then true, as x
        // grows: the smallest x where it holds leads to the boundary.
        guard let head = try probe(first) else { return nil }
        if case .recent(let id) = head { return id }
        var (low, high) = (first, last + 1)
        while high - low > 1 {
            let middle = low + (high - low) / 2
            guard let row = try probe(middle) else { return nil }
            if case .old = row { low = middle } else { high = middle }
        }
        switch try probe(high) {
        case .recent(let id)?: return id
        case .absent?: return last + 1
        case .old?, nil: return nil   // cannot be: times out of order, or unreadable — scan instead
        }
    }

    /// An upper bound of the frame text stored, read without a scan: the whole SQLite file;
    /// nil on PostgreSQL (it compresses large text, so the table's size is no bound) or when it
    /// cannot be read — the byte cap is then computed.
    private func storedBytes() -> Int? {
        guard database.engine == .sqlite else { return nil }
        let pages = (try? database.rows("PRAGMA page_count"))?.first?.first?.int
        let size = (try? database.rows("PRAGMA page_size"))?.first?.first?.int
        return pages.flatMap { pages in size.map { pages * $0 } }
    }

    /// The latest frames of a station, oldest first.
    public func messages(station: String, limit: Int = 100) throws -> [(incoming: Bool, at: String, text: String)] {
        let rows = Self.stationRows("ocpp_messages", ["incoming", "at", "text"], where: "1 = 1", newestFirst: true)
        return try database.rows("""
            SELECT incoming, at, text FROM (SELECT * FROM (\(rows)) AS station_rows ORDER BY id DESC LIMIT ?) AS recent ORDER BY id
            """, Self.stationRowsValues(station: station, condition: [], limit: limit) + [limit]).map {
            ($0[0].int == 1, $0[1].text ?? "", $0[2].text ?? "")
        }
    }
}
