import Synchronization

/// Per-station budgets against a flooding charger (or an impostor): at most `messagesPerMinute`
/// incoming frames and `bytesPerMinute` incoming bytes in any one-minute window, counted per
/// station id across reconnections (reconnecting does not refill it). A station over budget is
/// disconnected with a reason that says which limit and by how much; its frames past the budget
/// are not written to the raw message log. Zero disables a limit.
///
/// The windows are fixed minutes from the station's first frame in them: simple and cheap
/// (two counters per station, in one of 16 locked shards), at the price of allowing up to twice
/// the rate across a window boundary.
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
    private static let shardBits = 4
    private static let shardCount = 1 << shardBits
    /// The windows one shard keeps before it drops the stale ones (at most once a minute, so a
    /// shard holding more live windows than this does not scan them for every frame).
    private static let windowsPerShard = 200_000 / shardCount

    private final class Shard: Sendable {
        struct Windows {
            var byStation: [String: Window] = [:]
            var lastPruned: ContinuousClock.Instant?
        }
        let windows = Mutex(Windows())
    }

    public init(limits: Limits = Limits()) {
        self.limits = limits
        shards = (0..<Self.shardCount).map { _ in Shard() }
    }

    /// A station's shard, from its length and last eight bytes (where a fleet's ids differ),
    /// mixed FNV-1a style and taken from the high bits: cheaper than a second hash of the whole id.
    private func shard(for station: String) -> Shard {
        let mixed = station.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.suffix(8).reduce(UInt64(0xcbf2_9ce4_8422_2325) ^ UInt64(bytes.count)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        } ?? UInt64(bitPattern: Int64(station.hashValue))
        return shards[Int((mixed &* 0x9e37_79b9_7f4a_7c15) >> UInt64(64 - Self.shardBits))]
    }

    /// Counts one incoming frame of `bytes`; returns why the station is over budget, or nil.
    public func admit(station: String, bytes: Int, at now: ContinuousClock.Instant = .now) -> String? {
        shard(for: station).windows.withLock { windows in
            let window = windows.byStation[station, default: Window(start: now)].count(bytes: bytes, at: now)
            if windows.byStation.count > Self.windowsPerShard, windows.lastPruned.map({ now - $0 >= .seconds(60) }) ?? true {
                windows.byStation = windows.byStation.filter { now - $0.value.start < .seconds(60) }
                windows.lastPruned = now
            }
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
