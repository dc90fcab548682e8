import Synchronization

/// Per-station budgets against a flooding charger (or an impostor): at most `messagesPerMinute`
/// incoming frames and `bytesPerMinute` incoming bytes in any one-minute window, counted per
/// station id across reconnections (reconnecting does not refill it). A station over budget is
/// disconnected with a reason that says which limit and by how much; its frames past the budget
/// are not written to the raw message log. Zero disables a limit.
///
/// The windows are fixed minutes from the station's first frame in them: simple and cheap
/// (one lock, two counters per station), at the price of allowing up to twice the rate across
/// a window boundary.
public final class MessageBudget: Sendable {
    public struct Limits: Sendable, Equatable {
        /// A busy charger sends a few frames a minute; a charger emptying its offline queue after
        /// a long outage some hundreds. 3,000 leaves room for both.
        public var messagesPerMinute = 3_000
        /// Sixteen of the largest frames the OCPP endpoint accepts (1 MiB each).
        public var bytesPerMinute = 16 << 20
        public init() {}
    }

    struct Window {
        var start: ContinuousClock.Instant
        var messages = 0
        var bytes = 0

        /// Counts one frame (in a new window when this one's minute is over); the window after it.
        mutating func count(bytes: Int, at now: ContinuousClock.Instant) -> Window {
            if now - start >= .seconds(60) { self = Window(start: now) }
            messages += 1
            self.bytes += bytes
            return self
        }
    }

    public let limits: Limits
    /// The windows, in shards of their own lock: every connection counts each frame here, and
    /// one lock for the whole fleet was contended under load.
    private let shards: [Shard]
    private static let shardCount = 16
    /// The windows one shard keeps before it drops the stale ones.
    private static let windowsPerShard = 200_000 / shardCount

    private final class Shard: Sendable {
        let windows = Mutex<[String: Window]>([:])
    }

    public init(limits: Limits = Limits()) {
        self.limits = limits
        shards = (0..<Self.shardCount).map { _ in Shard() }
    }

    /// A station's shard, from the last bytes of its id (where the ids of a fleet differ) and
    /// its length: cheaper than a second hash of the whole id.
    private func shard(for station: String) -> Shard {
        let spread = station.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.suffix(2).reduce(bytes.count) { $0 &* 31 &+ Int($1) }
        } ?? station.hashValue
        return shards[spread & (Self.shardCount - 1)]
    }

    /// Counts one incoming frame of `bytes`; returns why the station is over budget, or nil.
    public func admit(station: String, bytes: Int, at now: ContinuousClock.Instant = .now) -> String? {
        shard(for: station).windows.withLock { windows in
            let window = windows[station, default: Window(start: now)].count(bytes: bytes, at: now)
            if windows.count > Self.windowsPerShard { windows = windows.filter { now - $0.value.start < .seconds(60) } }
            if limits.messagesPerMinute > 0, window.messages > limits.messagesPerMinute {
                return "message budget exceeded: more than \(limits.messagesPerMinute) messages within a minute"
            }
            if limits.bytesPerMinute > 0, window.bytes > limits.bytesPerMinute {
                return "byte budget exceeded: more than \(limits.bytesPerMinute) bytes within a minute"
            }
            return nil
        }
    }
}
