/// Which running sessions are due a running-cost message (`CostUpdated`): a session's first
/// report with meter values is, and after that the first report at least `interval` after the
/// last one claimed. A session whose station answered that it does not take CostUpdated
/// (NotImplemented, NotSupported) is not due again for a day.
///
/// Pure: no I/O, time is a parameter. Bounded: a claim older than `interval` says no more than
/// no claim at all, so such claims are dropped whenever the table has doubled since the last
/// sweep (at least 1,024 entries) — the table holds about the sessions reporting within one
/// interval, and ended sessions leave it without being announced.
struct RunningCostSchedule {
    let interval: Duration
    private var claims: [Int: ContinuousClock.Instant] = [:]
    private var unsupported: [Int: ContinuousClock.Instant] = [:]
    private var sweepAt = 1_024

    /// How long a station's "not supported" holds for its session.
    static let unsupportedFor: Duration = .seconds(86_400)

    init(interval: Duration) {
        self.interval = interval
    }

    /// Whether `session` is due one now; when it is, the claim is recorded (the next is due
    /// `interval` later).
    mutating func claim(session: Int, at now: ContinuousClock.Instant) -> Bool {
        if let refused = unsupported[session] {
            guard now - refused >= Self.unsupportedFor else { return false }
            unsupported[session] = nil
        }
        if let last = claims[session], now - last < interval { return false }
        claims[session] = now
        if claims.count + unsupported.count >= sweepAt { sweep(at: now) }
        return true
    }

    /// Gives back a claim whose message could not be queued, so the next report may try.
    mutating func release(session: Int) {
        claims[session] = nil
    }

    /// The station does not take CostUpdated: none for `session` for `unsupportedFor`.
    mutating func markUnsupported(session: Int, at now: ContinuousClock.Instant) {
        unsupported[session] = now
    }

    /// Drops what no longer decides anything: claims older than `interval`, refusals older
    /// than `unsupportedFor`.
    mutating func sweep(at now: ContinuousClock.Instant) {
        claims = claims.filter { now - $0.value < interval }
        unsupported = unsupported.filter { now - $0.value < Self.unsupportedFor }
        sweepAt = max(1_024, 2 * (claims.count + unsupported.count))
    }

    /// Sessions the schedule holds anything for (claims and refusals), for tests of the bound.
    var count: Int { claims.count + unsupported.count }
}
