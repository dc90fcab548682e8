import Foundation

/// Something to put on the record: who did what to which target, and how it ended.
public struct AuditRecord: Sendable, Equatable {
    /// One of `kinds`.
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

    /// Every kind of entry Vigil writes (what `vigil audit query --kind` accepts).
    public static let kinds = ["alert", "command", "decision", "operator", "outcome", "system", "token", "verification"]
}

/// An entry as stored: the record, its place and time, the chain hashes, and the encoding its
/// hash was computed with (`AuditEntry.Encoding`).
public struct AuditEntry: Sendable, Equatable {
    public var id: Int
    /// RFC 3339, UTC.
    public var at: String
    public var record: AuditRecord
    /// The hash of the entry before (64 zeros for the first).
    public var previousHash: String
    public var hash: String
    public var encoding: Encoding
    /// The writer's seal (`AuditChain.seal`: an HMAC of id and hash under the audit key); nil
    /// when written without the key (before seals existed, or by a process that could not read it).
    public var seal: String?

    public init(id: Int, at: String, record: AuditRecord, previousHash: String, hash: String, encoding: Encoding = .current,
                seal: String? = nil) {
        self.id = id
        self.at = at
        self.record = record
        self.previousHash = previousHash
        self.hash = hash
        self.encoding = encoding
        self.seal = seal
    }

    /// How an entry is turned into the bytes its hash covers. Stored with each entry
    /// (`audit_log.encoding`) so a history written before v2 still verifies; a v1 entry after a
    /// v2 one is a downgrade and fails verification.
    public enum Encoding: Int, Sendable, Equatable, Comparable {
        /// Lines joined by "\n", NULL written as U+2400: NULL and the text "\u{2400}" hash alike.
        case v1 = 1
        /// Length-prefixed fields (`canonicalBytes`): no two distinct entries share bytes.
        case v2 = 2

        public static let current = Encoding.v2
        public static func < (a: Encoding, b: Encoding) -> Bool { a.rawValue < b.rawValue }
    }

    /// The bytes an entry's hash covers under `encoding`.
    public static func canonicalBytes(id: Int, at: String, record: AuditRecord, previousHash: String, encoding: Encoding) -> [UInt8] {
        switch encoding {
        case .v1: return Array(canonical(id: id, at: at, record: record, previousHash: previousHash).utf8)
        case .v2: return canonicalV2(id: id, at: at, record: record, previousHash: previousHash)
        }
    }

    /// Encoding v2: the domain tag `vigil-audit-entry-v2`, then for each field in a fixed order
    /// its one-byte tag (1…11) and either 0x00 (NULL) or 0x01, the UTF-8 byte length as 8 bytes
    /// big-endian, and the bytes. A NULL, an empty string and "\u{2400}" all differ, and no
    /// content can move a field boundary.
    static func canonicalV2(id: Int, at: String, record: AuditRecord, previousHash: String) -> [UInt8] {
        var bytes = Array("vigil-audit-entry-v2".utf8)
        let fields: [String?] = [String(id), at, previousHash, record.kind, record.actor, record.station, record.site,
                                 record.rule, record.action, record.outcome, record.details]
        for (index, field) in fields.enumerated() {
            bytes.append(UInt8(index + 1))
            guard let field else {
                bytes.append(0x00)
                continue
            }
            let utf8 = Array(field.utf8)
            bytes.append(0x01)
            let length = UInt64(utf8.count)
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: length >> UInt64(shift))) }
            bytes += utf8
        }
        return bytes
    }

    /// Encoding v1's text (kept to verify entries written before v2): every field on its own
    /// line, newlines and backslashes escaped, NULL written as U+2400, which a text field can
    /// also hold; that ambiguity is why v2 exists.
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

/// A signed checkpoint: checkpoint number `sequence` says that at time `at` the chain's head
/// was entry `entryId` with hash `hash`, signed with the audit key (HMAC-SHA256). Version 2
/// signs all four (`AuditChain.checkpointMessage`); version 1, written before numbering,
/// signed only "entryId:hash", so its sequence number and time are not protected.
public struct AuditCheckpoint: Sendable, Equatable {
    public var id: Int
    public var sequence: Int
    public var entryId: Int
    public var hash: String
    public var signature: String
    public var at: String
    public var version: Int

    public init(id: Int, sequence: Int? = nil, entryId: Int, hash: String, signature: String, at: String, version: Int = 2) {
        self.id = id
        self.sequence = sequence ?? id
        self.entryId = entryId
        self.hash = hash
        self.signature = signature
        self.at = at
        self.version = version
    }
}
