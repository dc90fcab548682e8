import Foundation

/// A domain event with its place in the durable event log: the sequence the store gave it in
/// the commit that made it durable. Consumers read the log by sequence and remember how far
/// they got in an `EventCursor`.
public struct SequencedEvent: Sendable, Equatable {
    public var sequence: Int
    public var event: DomainEvent

    public init(sequence: Int, event: DomainEvent) {
        self.sequence = sequence
        self.event = event
    }
}

/// How far one consumer of the event log got: every event at or below `position` is done, and
/// so are the events in `ahead` (urgent events that overtook older bulk traffic). Persisted by
/// the consumer with what it made of those events, so a restart resumes exactly here.
public struct EventCursor: Sendable, Equatable {
    public var position: Int
    public var ahead: Set<Int>

    public init(position: Int, ahead: Set<Int> = []) {
        self.position = position
        self.ahead = ahead
    }

    /// Whether the event with this sequence is done.
    public func covers(_ sequence: Int) -> Bool { sequence <= position || ahead.contains(sequence) }

    /// `ahead` as stored: ascending sequences, comma-separated.
    public var aheadText: String { ahead.sorted().map(String.init).joined(separator: ",") }

    /// Reads `aheadText` back; unreadable parts are an error, not silently skipped.
    public static func ahead(from text: String) -> Set<Int>? {
        var result = Set<Int>()
        for part in text.split(separator: ",") {
            guard let value = Int(part) else { return nil }
            result.insert(value)
        }
        return result
    }
}

extension EventKind {
    /// Bulk traffic — meter samples and heartbeats, most of what a busy fleet sends — waits
    /// behind every other kind when a consumer is behind; status changes, faults, boots,
    /// connections, sessions and the engine's own feedback go first.
    public var isBulk: Bool { self == .meterSample || self == .heartbeat }
}
