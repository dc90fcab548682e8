import OCPP
import Synchronization

/// The raw OCPP log: every frame in and out, per station, with its time. Connections hand
/// frames to `record` without waiting (a mutex-guarded buffer); `flush` writes the buffer
/// in one transaction (group commit), and `prune` applies the retention. The buffer is
/// bounded: when the writer falls behind by `bufferLimit` frames, new frames are dropped and
/// counted in `dropped` (the log must never stall or exhaust a busy server; the frames
/// themselves are still handled). Secret setting values (AuthorizationKey, BasicAuthPassword …)
/// are redacted before a frame is queued (`SecretSettings.redact(frame:)`: a byte scan, and a
/// rewrite only of the configuration frames that carry one).
public final class MessageLog: Sendable {
    struct Entry: Sendable {
        var station: String
        var incoming: Bool
        var at: String
        var text: String
    }

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

    private let buffer = Mutex<(entries: [Entry], dropped: Int)>(([], 0))
    public let bufferLimit: Int
    private let store: StationStore
    public let retention: Retention

    public init(store: StationStore, bufferLimit: Int = 50_000, retention: Retention = Retention()) {
        self.store = store
        self.bufferLimit = bufferLimit
        self.retention = retention
    }

    /// Frames dropped because the writer fell behind.
    public var dropped: Int { buffer.withLock { $0.dropped } }

    /// Queues one frame, its secret setting values redacted; never blocks beyond a short lock.
    public func record(station: String, incoming: Bool, at: String, text: String) {
        let text = SecretSettings.redact(frame: text)
        buffer.withLock { state in
            guard state.entries.count < bufferLimit else {
                state.dropped += 1
                return
            }
            state.entries.append(Entry(station: station, incoming: incoming, at: at, text: text))
        }
    }

    /// Writes everything queued; returns how many frames were written.
    @discardableResult
    public func flush() async throws -> Int {
        let entries = buffer.withLock { state -> [Entry] in
            defer { state.entries = [] }
            return state.entries
        }
        guard !entries.isEmpty else { return 0 }
        try await store.appendMessages(entries.map { ($0.station, $0.incoming, $0.at, $0.text) })
        return entries.count
    }

    /// Deletes what the retention no longer keeps, relative to `now` (RFC 3339).
    public func prune(now: String) async throws {
        try await store.pruneMessages(olderThanSeconds: retention.maxAgeSeconds, now: now, keepAtMost: retention.maxFrames,
                                      keepBytes: retention.maxBytes)
    }
}

extension StationStore {
    func appendMessages(_ messages: [(station: String, incoming: Bool, at: String, text: String)]) async throws {
        try await committed { [self] in
            try database.transaction {
                for message in messages {
                    try database.run("INSERT INTO ocpp_messages (station, incoming, at, text) VALUES (?, ?, ?, ?)",
                                     message.station, message.incoming, message.at, message.text)
                }
            }
        }
    }

    func pruneMessages(olderThanSeconds: Int, now: String, keepAtMost: Int, keepBytes: Int = .max) throws {
        try database.run("DELETE FROM ocpp_messages WHERE \(StoreTime.seconds("at")) < \(StoreTime.seconds("?"))",
                         StoreTime.shifted(now, by: -Double(olderThanSeconds)))
        try database.run("DELETE FROM ocpp_messages WHERE id <= (SELECT max(id) FROM ocpp_messages) - ?", keepAtMost)
        guard keepBytes < .max else { return }
        // The newest frames whose text adds up to keepBytes stay; everything older goes.
        try database.run("""
            DELETE FROM ocpp_messages WHERE id <= (
                SELECT max(id) FROM (SELECT id, sum(length(text)) OVER (ORDER BY id DESC) AS newer FROM ocpp_messages) AS totals
                WHERE newer > ?)
            """, keepBytes)
    }

    /// The latest frames of a station, oldest first.
    public func messages(station: String, limit: Int = 100) throws -> [(incoming: Bool, at: String, text: String)] {
        try database.rows("""
            SELECT incoming, at, text FROM (SELECT id, incoming, at, text FROM ocpp_messages WHERE station = ? ORDER BY id DESC LIMIT ?)
            ORDER BY id
            """, station, limit).map { ($0[0].int == 1, $0[1].text ?? "", $0[2].text ?? "") }
    }
}
