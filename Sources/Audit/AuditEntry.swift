import Foundation

/// Something to put on the record: who did what to which target, and how it ended.
public struct AuditRecord: Sendable, Equatable {
    /// decision, command, outcome, alert, operator, system.
    public var kind: String
    /// Who: `rules`, `executor`, an operator's name, `system`.
    public var actor: String
    public var station: String?
    public var site: String?
    public var rule: String?
    /// The action or operation: `reset soft`, `disableConnector`, `rules reload`, `kill switch on` …
    public var action: String?
    /// accepted, rejected, timedOut, notConnected, queued, expired, refused, verified … or nil.
    public var outcome: String?
    /// Free text or JSON with the particulars (the decision, the reason, the evidence).
    public var details: String

    public init(kind: String, actor: String, station: String? = nil, site: String? = nil, rule: String? = nil,
                action: String? = nil, outcome: String? = nil, details: String) {
        self.kind = kind
        self.actor = actor
        self.station = station
        self.site = site
        self.rule = rule
        self.action = action
        self.outcome = outcome
        self.details = details
    }
}

/// An entry as stored: the record, its place and time, and the chain hashes.
public struct AuditEntry: Sendable, Equatable {
    public var id: Int
    /// RFC 3339, UTC.
    public var at: String
    public var record: AuditRecord
    /// The hash of the entry before (64 zeros for the first).
    public var previousHash: String
    public var hash: String

    public init(id: Int, at: String, record: AuditRecord, previousHash: String, hash: String) {
        self.id = id
        self.at = at
        self.record = record
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The exact text the hash covers: every field, each on its own line, with separators
    /// that cannot occur inside a field (newlines and backslashes are escaped).
    public static func canonical(id: Int, at: String, record: AuditRecord, previousHash: String) -> String {
        func field(_ value: String?) -> String {
            guard let value else { return "\u{2400}" }   // a visible "null" that no text field holds
            return value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
        }
        return [String(id), at, previousHash, record.kind, record.actor, field(record.station), field(record.site),
                field(record.rule), field(record.action), field(record.outcome), field(record.details)]
            .joined(separator: "\n")
    }
}

/// A signed checkpoint: at entry `entryId` the chain's hash was `hash`, signed with the
/// audit key (HMAC-SHA256 over "entryId:hash").
public struct AuditCheckpoint: Sendable, Equatable {
    public var id: Int
    public var entryId: Int
    public var hash: String
    public var signature: String
    public var at: String

    public init(id: Int, entryId: Int, hash: String, signature: String, at: String) {
        self.id = id
        self.entryId = entryId
        self.hash = hash
        self.signature = signature
        self.at = at
    }
}
