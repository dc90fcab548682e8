import Foundation

/// The station's clock, measured from the timestamps of its reports: the offset that tells a
/// report queued while offline from live news.
extension StationStore {
    /// Takes one sample of the station's clock offset (its timestamp minus arrival, at `now`). A
    /// sample more than 120 s behind what the clock skew explains is a report queued while
    /// offline: it is flagged (true) and does not move the estimate. Otherwise the estimate
    /// follows: a sample up to 120 s above it is taken at once (a live report is the newest news
    /// there is), one below it is averaged in. A clock that changed looks different from news
    /// that is late or early, and is taken only once it holds: a sample further ahead (a station
    /// first heard from while it replays a backlog, then live; a clock set forward) once a
    /// second sample confirms it — a single timestamp from the future is a glitch, not the clock;
    /// one further behind (a clock set back for good looks like a queue that never ends) when
    /// samples stay within 120 s of one another for 2 minutes (a replayed queue's times race
    /// ahead of the arrivals).
    public nonisolated func recordClockSample(id: String, offsetSeconds: Double, now: String = StoreTime.format(Date())) async throws -> Bool {
        try await committed { store in try store.clockSample(id: id, offsetSeconds: offsetSeconds, now: now) }
    }

    /// How far a sample may fall behind (or run ahead of) the estimate before it counts as
    /// queued (or as a clock change to confirm), and how long a steady lower offset must last
    /// before it is the clock itself.
    static let queuedBehind: Double = 120
    static let clockChangeAfter: TimeInterval = 120

    /// `recordClockSample`'s statements, inside the running write.
    func clockSample(id: String, offsetSeconds: Double, now: String) throws -> Bool {
        guard let row = try database.rows("""
            SELECT clock_skew, skew_samples, skew_candidate, skew_candidate_since FROM stations WHERE id = ?
            """, id).first else { return false }
        guard let skew = row[0].real, (row[1].int ?? 0) > 0 else {
            try database.run("UPDATE stations SET clock_skew = ?, skew_samples = skew_samples + 1 WHERE id = ?", offsetSeconds, id)
            return false
        }
        let candidate = row[2].real, since = row[3].text.flatMap(StoreTime.parse)
        let confirms = candidate.map { abs(offsetSeconds - $0) <= Self.queuedBehind } ?? false
        func adopt() throws -> Bool {
            try database.run("""
                UPDATE stations SET clock_skew = ?, skew_samples = skew_samples + 1, skew_candidate = NULL, skew_candidate_since = NULL WHERE id = ?
                """, offsetSeconds, id)
            return false
        }
        if offsetSeconds < skew - Self.queuedBehind {
            if confirms, let candidate, candidate < skew - Self.queuedBehind {
                guard let since, let arrival = StoreTime.parse(now), arrival.timeIntervalSince(since) >= Self.clockChangeAfter else { return true }
                return try adopt()
            }
            try database.run("UPDATE stations SET skew_candidate = ?, skew_candidate_since = ? WHERE id = ?", offsetSeconds, now, id)
            return true
        }
        if offsetSeconds > skew + Self.queuedBehind {
            if confirms, let candidate, candidate > skew + Self.queuedBehind { return try adopt() }
            try database.run("UPDATE stations SET skew_candidate = ?, skew_candidate_since = ? WHERE id = ?", offsetSeconds, now, id)
            return false
        }
        let updated = offsetSeconds > skew ? offsetSeconds : skew * 0.8 + offsetSeconds * 0.2
        if candidate != nil {
            try database.run("""
                UPDATE stations SET clock_skew = ?, skew_samples = skew_samples + 1, skew_candidate = NULL, skew_candidate_since = NULL WHERE id = ?
                """, updated, id)
        } else {
            try database.run("UPDATE stations SET clock_skew = ?, skew_samples = skew_samples + 1 WHERE id = ?", updated, id)
        }
        return false
    }
}
