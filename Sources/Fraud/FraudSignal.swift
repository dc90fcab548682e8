import DomainEvents
import Foundation

/// One fraud or integrity finding about a session, a token or a station: which check found it
/// (`kind`), where, and the figures that made it fire (`detail`). Stored once in the
/// `fraud_signals` table (its `key` is unique) and published as a `fraudSuspected` domain event
/// whose `signal` field is `kind.rawValue`, so rules can act on it.
public struct FraudSignal: Sendable, Equatable {
    /// The checks, spelled as the `signal` field and `vigil fraud list --kind` spell them.
    public enum Kind: String, Sendable, CaseIterable, Codable {
        /// One token in sessions that overlap in time at two different stations.
        case concurrentUse
        /// A token limited to some sites started a session at a station of another site.
        case siteNotAllowed
        /// A session the charger started while offline (reported late) with a token that Vigil
        /// found blocked, expired, invalid or unknown when the start arrived.
        case offlineStartBadToken
        /// meterStop − meterStart disagrees with the sampled energy register.
        case registerMismatch
        /// More energy than the connector's maximum power allows in the session's duration.
        case energyAbovePower
        /// A session of some length with no meter values at all.
        case noMeterValues
        /// Many rejected authorisations from one station in a short window.
        case authorizationBurst
        /// Rejected id tokens that are consecutive numbers (decimal or hexadecimal): probing.
        case tokenProbing
        /// The energy register went backwards, within a session or between sessions of one connector.
        case registerBackwards
    }

    public var kind: Kind
    /// Deduplicates: a signal with a key already stored is not stored or published again
    /// (`concurrentUse:17` for session 17; `authorizationBurst:CP-1:<first rejection ms>`).
    public var key: String
    public var station: String
    public var connector: Int?
    /// The session's row id in the CPMS `sessions` table, when the signal concerns one.
    public var session: Int?
    /// The charger's transaction id of that session.
    public var transactionId: String?
    public var idTag: String?
    /// When Vigil found it (the time of the event that triggered the check).
    public var time: Date
    /// The figures behind the finding (`otherStation`, `reportedWh`, `sampledWh` …), numbers
    /// and text; stored as JSON.
    public var detail: [String: FieldValue]

    public init(kind: Kind, key: String, station: String, connector: Int? = nil, session: Int? = nil, transactionId: String? = nil,
                idTag: String? = nil, time: Date, detail: [String: FieldValue] = [:]) {
        self.kind = kind
        self.key = key
        self.station = station
        self.connector = connector
        self.session = session
        self.transactionId = transactionId
        self.idTag = idTag
        self.time = time
        self.detail = detail
    }

    /// One line for people: the detail's fields in name order, `name=value`.
    public var summary: String {
        detail.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.description)" }.joined(separator: " ")
    }

    /// The detail as compact JSON with sorted keys (the stored form).
    public var detailJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(detail), let text = String(data: data, encoding: .utf8) else { return "{}" }
        return text
    }

    /// The detail read back from its stored JSON (empty when unreadable).
    public static func detail(fromJSON text: String) -> [String: FieldValue] {
        (try? JSONDecoder().decode([String: FieldValue].self, from: Data(text.utf8))) ?? [:]
    }
}
