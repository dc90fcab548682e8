import Audit
import CPMS
import DomainEvents
import Foundation
import Store

/// One audit entry with what it points to, for `vigil audit show ID`: whether its content still
/// matches its hash and its predecessor's link; the decision it records or names (with the rule
/// version's hash and the events cited as evidence, as the event log kept them); the command it
/// names with every other entry of that command's life; and the station's raw frames around it.
public struct AuditEntryContext: Sendable {
    public var entry: AuditEntry
    /// The entry's content hashes to its stored hash.
    public var hashMatches: Bool
    /// The entry's previous-hash is the stored hash of the entry before it (or the genesis).
    public var linkMatches: Bool
    public var decision: DecisionRow?
    public var ruleHash: String?
    /// The ids the decision cites; those found in the event log are in `evidence`.
    public var citedEventIds: [String] = []
    public var evidence: [StationStore.CitedEvent] = []
    /// The cited events the decision's own entry carries (`"evidence":[…]`), by id, as read
    /// back from the chain: the report that set the rule off, covered by the hashes.
    public var chainedEvidence: [String: DomainEvent] = [:]
    /// Evidence items on the chain that could not be read back as events (counted, so the
    /// entry is not shown as sound: an unreadable copy proves nothing).
    public var unreadableEvidence = 0
    /// The decision's own entry, and where the decision row disagrees with it.
    public var decisionEntryId: Int?
    public var decisionFindings: [String] = []
    public var command: CommandRow?
    public var commandSteps: [CommandTrail.Step] = []
    public var commandFindings: [CommandTrail.Finding] = []
    public var frames: [StationStore.StoredFrame] = []

    /// Reads entry `id` and its context; nil when there is no such entry.
    public static func read(entryId id: Int, from store: StationStore) async throws -> AuditEntryContext? {
        let audit = AuditStore(host: store)
        let page = try await audit.auditPage(afterId: max(0, id - 2), limit: 2)
        guard let entry = page.last(where: { $0.id == id }) else { return nil }
        let previousHash = id == 1 ? AuditChain.genesis : page.first(where: { $0.id == id - 1 })?.hash
        var context = AuditEntryContext(
            entry: entry,
            hashMatches: AuditChain.hash(id: entry.id, at: entry.at, record: entry.record, previousHash: entry.previousHash,
                                         encoding: entry.encoding) == entry.hash,
            linkMatches: previousHash == entry.previousHash)
        var decisionId = DecisionTrail.decisionId(in: entry.record.details)
        if let step = CommandTrail.step(entry) {
            decisionId = decisionId ?? step.decision
            if let command = try await CommandStore(host: store).command(id: step.command) {
                context.command = command
                let trail = try await CommandTrail.read(for: [command], from: store)
                context.commandSteps = trail.steps[command.id] ?? []
                context.commandFindings = trail.findings[command.id] ?? []
            }
            context.ruleHash = step.ruleHash
        }
        if let decisionId, let found = try await DecisionStore(host: store).decision(id: decisionId) {
            context.decision = found.row
            let trail = try await DecisionTrail.read(for: [found.row], from: store)
            context.decisionEntryId = trail.entries[decisionId]
            context.decisionFindings = trail.findings[decisionId] ?? []
            let decisionEntry = context.decisionEntryId == entry.id ? entry
                : try await context.decisionEntryId.asyncMap { try await audit.auditPage(afterId: $0 - 1, limit: 1).first } ?? nil
            if let decisionEntry { (context.chainedEvidence, context.unreadableEvidence) = Self.evidence(in: decisionEntry) }
            context.ruleHash = context.ruleHash ?? (found.ruleHash.isEmpty ? nil : found.ruleHash)
            context.citedEventIds = found.eventIds
            if let at = StoreTime.parse(found.row.at) {
                // Evidence comes before the decision: a window reaching back a day finds what a
                // rule's longest usual window cited, through the time index.
                context.evidence = try await store.citedEvents(ids: found.eventIds, from: StoreTime.format(at.addingTimeInterval(-86_400)),
                                                               to: StoreTime.format(at.addingTimeInterval(1)))
            }
        }
        if let station = entry.record.station ?? context.command?.station, let window = frameWindow(context) {
            context.frames = try await store.frames(station: station, from: window.from, to: window.to, limit: 40)
        }
        return context
    }

    /// The events a decision entry carries, by id, and how many of its items are not events.
    static func evidence(in entry: AuditEntry) -> (events: [String: DomainEvent], unreadable: Int) {
        guard entry.record.details.hasPrefix("{"),
              let object = (try? JSONSerialization.jsonObject(with: Data(entry.record.details.utf8))) as? [String: Any],
              let list = object["evidence"] as? [Any] else { return ([:], 0) }
        var events: [String: DomainEvent] = [:]
        var unreadable = 0
        for item in list {
            guard let data = try? JSONSerialization.data(withJSONObject: item, options: [.sortedKeys]),
                  let event = try? DomainEvent.decode(storageJSON: String(decoding: data, as: UTF8.self)) else {
                unreadable += 1
                continue
            }
            events[event.id] = event
        }
        return (events, unreadable)
    }

    /// What the event log holds for a cited event compared with the copy on the chain.
    public func evidenceStatus(_ id: String) -> String {
        let logged = evidence.first { $0.eventId == id }
        switch (logged, chainedEvidence[id]) {
        case (let logged?, let chained?):
            return (try? DomainEvent.decode(storageJSON: logged.json)) == chained
                ? "on the trail; the event log's copy agrees" : "THE EVENT LOG'S COPY DIFFERS FROM THE ONE ON THE TRAIL"
        case (nil, .some): return "on the trail (pruned from the event log)"
        case (.some, nil): return "in the event log only (cited from an earlier batch: not on the trail)"
        case (nil, nil): return "no longer in the event log: pruned by its retention"
        }
    }

    /// Whether every cited event the trail carries is readable and agrees with the event log's copy.
    public var evidenceAgrees: Bool {
        unreadableEvidence == 0 && evidence.allSatisfy { event in
            guard let chained = chainedEvidence[event.eventId] else { return true }
            return (try? DomainEvent.decode(storageJSON: event.json)) == chained
        }
    }

    /// Frames from a second before the first cited event (or the command, or the entry) to 35 s
    /// after the command was recorded (a command's answer arrives within its timeout) or a second
    /// after the entry.
    static func frameWindow(_ context: AuditEntryContext) -> (from: String, to: String)? {
        let starts = context.evidence.map(\.at) + [context.command?.createdAt, context.entry.at].compactMap { $0 }
        guard let first = starts.compactMap(StoreTime.parse).min(), let entryTime = StoreTime.parse(context.entry.at) else { return nil }
        let end = context.command.flatMap { StoreTime.parse($0.createdAt) }.map { $0.addingTimeInterval(35) } ?? entryTime.addingTimeInterval(1)
        return (StoreTime.format(first.addingTimeInterval(-1)), StoreTime.format(max(end, entryTime.addingTimeInterval(1))))
    }
}

extension Optional {
    /// `map` with an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
