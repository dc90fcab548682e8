import OCPP
import Synchronization

/// The durable record of every leniency Vigil applied: per station, quirk, kind, action and
/// field (array indices folded), a count with first and last time and the last value as
/// received. Connections report uses without waiting (counts aggregate in a mutex-guarded
/// map); `flush` writes them in one transaction. `vigil stations quirks` reads it back, so an
/// operator can show a vendor exactly what its firmware gets wrong and how often.
public final class QuirkLog: Sendable {
    struct Key: Hashable, Sendable {
        var station: String
        var quirk: String
        var kind: String
        var action: String
        var path: String
    }

    struct Tally: Sendable {
        var count: Int
        var first: String
        var last: String
        var example: String
    }

    private let pending = Mutex<[Key: Tally]>([:])
    private let store: StationStore

    public init(store: StationStore) {
        self.store = store
    }

    /// Counts uses; never blocks beyond a short lock. The map is bounded by the distinct
    /// (station, quirk, field) combinations, which the catalogue's quirks limit.
    public func record(station: String, _ applied: [AppliedQuirk], at time: String) {
        pending.withLock { pending in
            for use in applied {
                let key = Key(station: station, quirk: use.quirk ?? "(configured)", kind: use.kind, action: use.action,
                              path: StationQuirks.normalisedPath(use.path))
                let example = String(use.original.prefix(200))
                if var tally = pending[key] {
                    tally.count += 1
                    tally.last = time
                    tally.example = example
                    pending[key] = tally
                } else {
                    pending[key] = Tally(count: 1, first: time, last: time, example: example)
                }
            }
        }
    }

    /// Writes the counts gathered since the last flush; returns how many rows were touched.
    @discardableResult
    public func flush() async throws -> Int {
        let batch = pending.withLock { pending -> [Key: Tally] in
            defer { pending = [:] }
            return pending
        }
        guard !batch.isEmpty else { return 0 }
        try await store.addQuirkUses(batch.map { ($0.key, $0.value) })
        return batch.count
    }
}

/// One row of the applied-leniency record.
public struct QuirkUse: Sendable, Equatable {
    public var station: String
    public var quirk: String
    public var kind: String
    public var action: String
    public var path: String
    public var count: Int
    public var firstSeen: String
    public var lastSeen: String
    public var example: String
}

extension StationStore {
    nonisolated func addQuirkUses(_ uses: [(QuirkLog.Key, QuirkLog.Tally)]) async throws {
        try await committed { store in
            try store.database.transaction {
                for (key, tally) in uses {
                    try store.database.run("""
                        INSERT INTO quirk_uses (station, quirk, kind, action, path, count, first_seen, last_seen, example)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (station, quirk, kind, action, path) DO UPDATE SET
                            count = quirk_uses.count + excluded.count, last_seen = excluded.last_seen, example = excluded.example
                        """, key.station, key.quirk, key.kind, key.action, key.path, tally.count, tally.first, tally.last, tally.example)
                }
            }
        }
    }

    /// What was tolerated, for one station or all, most used first.
    public func quirkUses(station: String? = nil) throws -> [QuirkUse] {
        try database.rows("""
            SELECT station, quirk, kind, action, path, count, first_seen, last_seen, example FROM quirk_uses
            WHERE ?1 IS NULL OR station = ?1 ORDER BY count DESC, station, quirk, path
            """, station).map { row in
            QuirkUse(station: row[0].text ?? "", quirk: row[1].text ?? "", kind: row[2].text ?? "", action: row[3].text ?? "",
                     path: row[4].text ?? "", count: row[5].int ?? 0, firstSeen: row[6].text ?? "", lastSeen: row[7].text ?? "",
                     example: row[8].text ?? "")
        }
    }
}
