import DomainEvents
import Foundation
import Store

/// The durable event log in the store: every domain event is a `domain_events` row whose id
/// is its sequence, appended through the group commit; each consumer's cursor is a row of
/// `event_cursors`. Pruning never removes an event a consumer has not done, nor the newest
/// event (so sequences never restart).
extension StationStore {
    /// A consumer's stored cursor, with the time up to which its deadlines are done (the rule
    /// engine's ticks).
    public struct StoredCursor: Sendable, Equatable {
        public var cursor: EventCursor
        public var tickedThrough: String?

        public init(cursor: EventCursor, tickedThrough: String?) {
            self.cursor = cursor
            self.tickedThrough = tickedThrough
        }
    }

    /// Appends `event` in the next group commit; `published` runs with its sequence right
    /// after that commit, in sequence order with the other appends of the batch.
    nonisolated func appendEvent(_ event: DomainEvent, published: @escaping @Sendable (Int) -> Void) async throws -> Int {
        let json = event.storageJSON
        let at = StoreTime.format(event.time)
        return try await committed({ store in
            try store.database.insert("INSERT INTO domain_events (event_id, at, station, kind, json) VALUES (?, ?, ?, ?, ?)",
                                event.id, at, event.station, event.kind.rawValue, json)
        }, published: published, singleStatement: true)
    }

    /// Inserts `events` inside the running write's transaction; their sequences, in order.
    func insertEvents(_ events: [DomainEvent]) throws -> [SequencedEvent] {
        try events.map { event in
            let sequence = try database.insert("INSERT INTO domain_events (event_id, at, station, kind, json) VALUES (?, ?, ?, ?, ?)",
                                               event.id, StoreTime.format(event.time), event.station, event.kind.rawValue,
                                               event.storageJSON)
            return SequencedEvent(sequence: sequence, event: event)
        }
    }

    /// The newest sequence in the log (0 when empty).
    public func lastEventSequence() throws -> Int {
        try database.rows("SELECT coalesce(max(id), 0) FROM domain_events").first?.first?.int ?? 0
    }

    /// Events after `sequence`, in order, at most `limit`; a row that cannot be read is an error
    /// naming its sequence (an event is never skipped silently).
    public func sequencedEvents(after sequence: Int, limit: Int) throws -> [SequencedEvent] {
        try database.rows("SELECT id, json FROM domain_events WHERE id > ? ORDER BY id LIMIT ?", sequence, limit).map { row in
            let id = row[0].int ?? 0
            do { return SequencedEvent(sequence: id, event: try DomainEvent.decode(storageJSON: row[1].text ?? "")) } catch {
                throw UnreadableEvent(sequence: id, error: "\(error)")
            }
        }
    }

    public struct UnreadableEvent: Error, CustomStringConvertible {
        public var sequence: Int
        public var error: String
        public var description: String { "event \(sequence) in the event log cannot be read: \(error)" }

        public init(sequence: Int, error: String) {
            self.sequence = sequence
            self.error = error
        }
    }

    public func eventCursor(consumer: String) throws -> StoredCursor? {
        guard let row = try database.rows("SELECT position, ahead, ticked_through FROM event_cursors WHERE consumer = ?", consumer).first else {
            return nil
        }
        guard let ahead = EventCursor.ahead(from: row[1].text ?? "") else {
            throw UnreadableEvent(sequence: row[0].int ?? 0, error: "the cursor of \(consumer) is damaged")
        }
        return StoredCursor(cursor: EventCursor(position: row[0].int ?? 0, ahead: ahead), tickedThrough: row[2].text)
    }

    /// Several nodes: a consumer's first cursor, at `position`, unless it has one (written by
    /// whichever node registers it first, never over the progress of the node consuming).
    /// Returns the stored cursor.
    public func createEventCursorIfMissing(consumer: String, position: Int, now: String) async throws -> StoredCursor? {
        try await committed { store in
            try store.database.run("""
                INSERT INTO event_cursors (consumer, position, ahead, ticked_through, updated_at) VALUES (?, ?, ?, NULL, ?)
                ON CONFLICT (consumer) DO NOTHING
                """, consumer, position, EventCursor(position: position).aheadText, now)
        }
        return try eventCursor(consumer: consumer)
    }

    /// Saves a consumer's cursor in the next group commit.
    public nonisolated func saveEventCursor(consumer: String, _ cursor: StoredCursor, now: String) async throws {
        try await committed { store in try store.writeEventCursor(consumer: consumer, cursor, now: now) }
    }

    /// Writes a cursor (inside a transaction the caller runs).
    func writeEventCursor(consumer: String, _ cursor: StoredCursor, now: String) throws {
        try Self.writeEventCursor(consumer: consumer, cursor, now: now, in: database)
    }

    /// Writes a consumer's cursor on `database`, inside the caller's transaction: a consumer that
    /// records what it did (the rule runner's decisions) moves its cursor in the same commit.
    public static func writeEventCursor(consumer: String, _ cursor: StoredCursor, now: String, in database: any SQLDatabase) throws {
        try database.run("""
            INSERT INTO event_cursors (consumer, position, ahead, ticked_through, updated_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (consumer) DO UPDATE SET position = excluded.position, ahead = excluded.ahead,
                ticked_through = excluded.ticked_through, updated_at = excluded.updated_at
            """, consumer, cursor.cursor.position, cursor.cursor.aheadText, cursor.tickedThrough, now)
    }

    /// The lowest position any consumer still needs (the rule engine's saved state is one: its
    /// position is kept as a cursor too).
    func eventLogLowWater() throws -> Int? {
        try database.rows("SELECT min(position) FROM event_cursors").first?.first?.int
    }
}
