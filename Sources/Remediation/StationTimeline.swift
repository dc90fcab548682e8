import Alerts
import Audit
import CPMS
import DomainEvents
import Foundation

/// Everything on record about one station, in one ordered view (`vigil stations timeline`): when
/// it connected and went offline, its status reports and faults, the raw frames (its boots and
/// Vigil's calls; every frame on request), the rules' decisions, the commands and how each
/// ended and was verified, alerts and their deliveries, silences that covered it, operators'
/// commands and approvals, and the fleet-wide kill switch and breaker — each line with the
/// audit entry that backs it.
///
/// `merge` is pure over the rows it is given (`Rows`; `read` fetches them): no I/O, no clock
/// (`now` is a parameter, for where a verification stands). Items are ordered by their time on
/// Vigil's clock, to the millisecond (a status report by when it was received; the charger's
/// own time is shown beside it); times that tie keep the order of `Source.allCases`, then each
/// source's own order (row id). Audit entries are matched to the records they back — a
/// decision's entry by `{"decisionId":N,`, a command's by its JSON details
/// (`CommandTrail.step`), an alert's and a delivery's by their JSON details (`AlertTrail`; the
/// text `alert #N ` and `delivery #D of alert #N` in entries written before), a silence's by its
/// outcome `#S` — and are not shown twice; an entry no record claims is a
/// line of its own. Entries of other stations are never shown; fleet-wide entries (no station)
/// only when they touch every station (the kill switch, the fleet breaker) or name this
/// station's alert or silence.
public enum StationTimeline {
    /// Where a line comes from. The order of the cases breaks ties between equal times.
    public enum Source: String, Sendable, CaseIterable {
        case connection, frame, status, fault, decision, command, verification, alert, delivery, silence, `operator`, outcome, system
    }

    /// A value of an item's particulars, as its JSON form writes it.
    public enum Value: Sendable, Equatable {
        case text(String)
        case number(Int)
        case flag(Bool)
        case numbers([Int])
    }

    /// One line of the timeline.
    public struct Item: Sendable, Equatable {
        /// When, in the store's form (UTC, milliseconds); the stored text when it cannot be read.
        public var at: String
        public var source: Source
        /// What happened, in words; never cut.
        public var text: String
        /// The audit entry that backs it, when there is one.
        public var auditEntry: Int?
        /// Where its record and the audit trail disagree (`DecisionTrail`, `CommandTrail`).
        public var problems: [String] = []
        /// Its ids and particulars, for the JSON form (`decisionId`, `commandId`, `frameId` …).
        public var fields: [String: Value] = [:]
        /// Milliseconds since 1970; nil when the time cannot be read.
        var instant: Int64?
        /// Its position among its source's rows (ties).
        var order: Int = 0

        init(at text: String, source: Source, text words: String, auditEntry: Int? = nil, fields: [String: Value] = [:], order: Int) {
            let date = StoreTime.parse(text)
            self.at = date.map(StoreTime.format) ?? text
            self.instant = date.map(StationTimeline.milliseconds)
            self.source = source
            self.text = words
            self.auditEntry = auditEntry
            self.fields = fields
            self.order = order
        }
    }

    /// A 2.0.1 fault from the event log, with its sequence there.
    public struct FaultEvent: Sendable, Equatable {
        public var sequence: Int
        public var event: DomainEvent

        public init(sequence: Int, event: DomainEvent) {
            self.sequence = sequence
            self.event = event
        }
    }

    /// The rows `merge` orders, as the stores return them.
    public struct Rows: Sendable {
        public var station: String
        public var connectivity: [StationStore.ConnectivityRow] = []
        public var statusReports: [StationStore.StatusReportRow] = []
        public var openFaults: [StationStore.OpenFault] = []
        public var faultEvents: [FaultEvent] = []
        public var frames: [StationStore.FrameRow] = []
        public var decisions: [DecisionRow] = []
        /// Decision id → where the row and its audit entry disagree.
        public var decisionFindings: [Int: [String]] = [:]
        public var commands: [CommandRow] = []
        /// Command id → where the record and its audit entries disagree.
        public var commandFindings: [Int: [String]] = [:]
        public var alerts: [AlertRow] = []
        public var deliveries: [OutboxRow] = []
        public var silences: [SilenceRow] = []
        /// The station's audit entries and fleet-wide ones that may touch it (any order;
        /// duplicates are read once).
        public var audit: [AuditEntry] = []

        public init(station: String) {
            self.station = station
        }
    }

    /// The items of `rows` within `from…to` (the store's form, inclusive, to the millisecond;
    /// nil: open), ordered, the newest `limit` of them.
    public static func merge(_ rows: Rows, from: String? = nil, to: String? = nil, limit: Int = .max, now: String) -> [Item] {
        var claims = AuditClaims(rows)
        // Records claim their entries in this order; what is left is shown on its own.
        var items = connectionItems(rows) + statusItems(rows) + faultItems(rows)
        items += decisionItems(rows, claims: &claims)
        items += commandItems(rows, claims: &claims, now: now)
        items += alertItems(rows, claims: &claims)
        items += silenceItems(rows, claims: &claims)
        items += claims.unclaimedItems(rows)
        items += frameItems(rows, claims: claims)
        let lower = from.flatMap(StoreTime.parse).map(milliseconds)
        let upper = to.flatMap(StoreTime.parse).map(milliseconds)
        let inRange = items.filter { item in
            guard lower != nil || upper != nil else { return true }
            guard let instant = item.instant else { return false }
            return instant >= (lower ?? .min) && instant <= (upper ?? .max)
        }
        return Array(ordered(inRange).suffix(max(0, limit)))
    }

    /// Time, then source, then the source's own order. Within one millisecond a connection comes
    /// first and a disconnection last (it may carry its last message's time);
    /// frames come next (what a charger reported follows from its frame), except the CALL that
    /// carried a command and the charger's answer to it, which come right after the commands
    /// (an operator's manual command: right after the operators' entries): the command was
    /// recorded before its CALL was sent. Those two keep their own order (the frames' ids).
    static func ordered(_ items: [Item]) -> [Item] {
        let ranks = Dictionary(uniqueKeysWithValues: Source.allCases.enumerated().map { ($1, 2 * $0) })
        let carriedFrame = (ranks[.command] ?? 0) + 1
        let carriedManualFrame = (ranks[.operator] ?? 0) + 1
        func rank(of item: Item) -> Int {
            if item.source == .connection, item.fields["online"] == .flag(false) { return Int.max }
            if item.source == .frame, item.fields["commandId"] != nil { return carriedFrame }
            if item.source == .frame, item.fields["manualEntry"] != nil { return carriedManualFrame }
            return ranks[item.source, default: 0]
        }
        return items.sorted { a, b in
            let (x, y) = (a.instant ?? .min, b.instant ?? .min)
            if x != y { return x < y }
            let (first, second) = (rank(of: a), rank(of: b))
            if first != second { return first < second }
            return a.order < b.order
        }
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000).rounded()) }
}
