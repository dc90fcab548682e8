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
    }

    public let limits: Limits
    private let windows = Mutex<[String: Window]>([:])

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Counts one incoming frame of `bytes`; returns why the station is over budget, or nil.
    public func admit(station: String, bytes: Int, at now: ContinuousClock.Instant = .now) -> String? {
        windows.withLock { windows in
            var window = windows[station] ?? Window(start: now)
            if now - window.start >= .seconds(60) { window = Window(start: now) }
            window.messages += 1
            window.bytes += bytes
            windows[station] = window
            if windows.count > 200_000 { windows = windows.filter { now - $0.value.start < .seconds(60) } }
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
