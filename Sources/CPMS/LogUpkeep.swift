import Foundation

/// The logs' upkeep in `vigil serve`: the quirk record flushed every 250 ms, and a few seconds
/// after the start and then every hour the raw message log pruned to its retention and the event log to `eventRetention` (never an event
/// a consumer has not done, never the newest). Time comes from `clock`.
public struct LogUpkeep: Sendable {
    public let messages: MessageLog
    public let quirks: QuirkLog
    public let store: StationStore
    /// How long domain events are kept (14 days).
    public var eventRetention: TimeInterval = 14 * 86_400
    public var flushInterval: Duration = .milliseconds(250)
    public var pruneInterval: TimeInterval = 3_600
    /// The first prune comes this soon after the start, not a whole interval later: a serve
    /// restarted more often than hourly (deploys, a crash loop) never pruned, and a lowered
    /// retention took an hour to apply.
    public var firstPruneAfter: TimeInterval = 5
    public let clock: @Sendable () -> Date
    /// Told of each failure (what failed, the error); the loop goes on.
    public let report: @Sendable (_ what: String, _ error: any Error) -> Void

    public init(messages: MessageLog, quirks: QuirkLog, store: StationStore, clock: @escaping @Sendable () -> Date = { Date() },
                report: @escaping @Sendable (_ what: String, _ error: any Error) -> Void) {
        self.messages = messages
        self.quirks = quirks
        self.store = store
        self.clock = clock
        self.report = report
    }

    /// Runs until cancelled.
    public func run() async {
        var lastPrune = clock().addingTimeInterval(firstPruneAfter - pruneInterval)
        while !Task.isCancelled {
            try? await Task.sleep(for: flushInterval)
            do { _ = try await quirks.flush() } catch { report("cannot write the quirk record", error) }
            let now = clock()
            guard now.timeIntervalSince(lastPrune) >= pruneInterval else { continue }
            lastPrune = now
            let text = StoreTime.format(now)
            do {
                try await messages.prune(now: text)
                try await store.pruneEvents(olderThanSeconds: Int(eventRetention), now: text)
            } catch { report("cannot prune the message and event logs", error) }
        }
    }
}
