import Digests
import Foundation

/// The hash chain's arithmetic: the hash of an entry, the signature of a checkpoint, and the
/// verification of a whole history. SHA-256 and HMAC come from OpenSSL.
public enum AuditChain {
    public static let genesis = String(repeating: "0", count: 64)

    /// How often checkpoints are signed, which is what verification holds the history to:
    /// whenever `entries` entries have followed the newest checkpoint, and within `seconds` of
    /// any entry being written (serve's timer), and at shutdown. Fixed rather than configured,
    /// so that `vigil audit verify` judges a database by the rule it was written under.
    /// The action of the entry serve writes when it signs, at start, entries left unsigned
    /// beyond the cadence (`vigil audit verify` names every such entry).
    public static let lateSigningAction = "audit trail signed late"
    /// How far an entry's time may run ahead of the clock judging it (two machines' clocks).
    public static let futureTolerance: TimeInterval = 60

    public struct Cadence: Sendable, Equatable {
        public var entries: Int
        public var seconds: Int

        public init(entries: Int, seconds: Int) {
            self.entries = entries
            self.seconds = seconds
        }

        /// Every 100 entries or 60 s, whichever comes first. Verification allows twice the
        /// time (a timer tick late, a slow disk) before calling an unsigned tail suspect.
        public static let standard = Cadence(entries: 100, seconds: 60)
    }

    public static func hash(id: Int, at: String, record: AuditRecord, previousHash: String,
                            encoding: AuditEntry.Encoding = .current) -> String {
        Digests.sha256Hex(AuditEntry.canonicalBytes(id: id, at: at, record: record, previousHash: previousHash, encoding: encoding))
    }

    /// A version-1 checkpoint's signature: HMAC over "entryId:hash" (kept to verify old ones).
    public static func sign(entryId: Int, hash: String, key: [UInt8]) -> String {
        Digests.hmacSHA256Hex(key: key, message: Array("\(entryId):\(hash)".utf8))
    }

    /// A version-2 checkpoint's signature: HMAC over its number, the head entry, the head hash
    /// and the time, one per line after a domain tag (only the last field is free text).
    public static func sign(sequence: Int, entryId: Int, hash: String, at: String, key: [UInt8]) -> String {
        Digests.hmacSHA256Hex(key: key, message: Array("vigil-audit-checkpoint-v2\n\(sequence)\n\(entryId)\n\(hash)\n\(at)".utf8))
    }

    /// A version-3 checkpoint's signature: as version 2 under its own tag. From the first
    /// version-3 checkpoint's stretch on, entries carry their writer's seal (`seal`); those
    /// without one are named (`unsealed`).
    public static func signV3(sequence: Int, entryId: Int, hash: String, at: String, key: [UInt8]) -> String {
        Digests.hmacSHA256Hex(key: key, message: Array("vigil-audit-checkpoint-v3\n\(sequence)\n\(entryId)\n\(hash)\n\(at)".utf8))
    }

    /// The entries, from the first version-3 checkpoint's stretch on (every entry after the
    /// checkpoint before it), that carry no seal: appended without the audit key — by a CLI
    /// command that could not read it, a node of an earlier release, or by hand into the
    /// database. `vigil audit verify` names them (a NOTE: a legitimate writer without the key
    /// makes them too, so they do not fail the check; a seal that does not match does).
    public static func unsealed(entries: [AuditEntry], checkpoints: [AuditCheckpoint]) -> [Int] {
        let ordered = checkpoints.sorted { $0.sequence < $1.sequence }
        guard let first = ordered.firstIndex(where: { $0.version >= 3 }) else { return [] }
        let sealedFrom = (first > 0 ? ordered[first - 1].entryId : 0) + 1
        return entries.filter { $0.seal == nil && $0.id >= sealedFrom }.map(\.id)
    }

    /// An entry's seal: an HMAC of its id and hash under the audit key, written by whoever
    /// appends it with the key. The hash alone anyone can compute from the entry before; the
    /// seal only a holder of the key — so an entry chained by hand, without the key, has none.
    public static func seal(id: Int, hash: String, key: [UInt8]) -> String {
        Digests.hmacSHA256Hex(key: key, message: Array("vigil-audit-entry-seal-v1\n\(id)\n\(hash)".utf8))
    }

    /// A key's fingerprint: an HMAC of a fixed text under it, which tells two keys apart and
    /// says nothing about either (stored in the database to refuse a node with another key).
    public static func keyFingerprint(_ key: [UInt8]) -> String {
        Digests.hmacSHA256Hex(key: key, message: Array("vigil-audit-key-fingerprint-v1".utf8))
    }

    /// The signature `checkpoint` should carry under `key`, by its version.
    public static func expectedSignature(_ checkpoint: AuditCheckpoint, key: [UInt8]) -> String {
        switch checkpoint.version {
        case 3...: return signV3(sequence: checkpoint.sequence, entryId: checkpoint.entryId, hash: checkpoint.hash, at: checkpoint.at, key: key)
        case 2: return sign(sequence: checkpoint.sequence, entryId: checkpoint.entryId, hash: checkpoint.hash, at: checkpoint.at, key: key)
        default: return sign(entryId: checkpoint.entryId, hash: checkpoint.hash, key: key)
        }
    }

    /// What verification found: intact (with how much it checked), or the first problem.
    /// Every case but `intact` is a failure (`vigil audit verify` exits 1).
    public enum Verdict: Sendable, Equatable {
        case intact(entries: Int, checkpoints: Int)
        /// An entry does not chain: edited, deleted, moved, downgraded, or named by a checkpoint
        /// that no longer matches it.
        case broken(entryId: Int, reason: String)
        /// A checkpoint is forged or signed with another key, missing from the numbering, or out of order.
        case badCheckpoint(sequence: Int, reason: String)
        /// The history chains, but the checkpoints do not cover it as the cadence requires, or
        /// the anchor file holds a checkpoint the database lost or changed.
        case incomplete(reason: String)
        /// Without the audit key no checkpoint can be trusted, so completeness cannot be shown.
        case unverifiable(reason: String)
    }

    /// Checks, in this order, and reports the first failure:
    /// 1. every entry's id (1, 2, 3 …), link and hash, by the encoding it was written with (no
    ///    v1 entry after a v2 one);
    /// 2. that a key was given (without one nothing below can be trusted);
    /// 3. every checkpoint, by sequence number: its signature, numbering without gaps from 1,
    ///    no version-1 after a version-2, heads that never move back, the entry it names still
    ///    there with that hash, and consecutive version-2 checkpoints at most `cadence.entries` apart;
    /// 4. with an anchor (the checkpoints as also written to a file outside the database): each
    ///    anchored checkpoint in the database and identical, and none in the database from the
    ///    anchor's first number on that the anchor does not hold;
    /// 5. the unsigned tail: fewer than `cadence.entries` entries after the newest checkpoint,
    ///    and (given `now`) none of them older than twice `cadence.seconds`, nor dated more than
    ///    `futureTolerance` after `wallClock` (the moment of checking: a judged time set back,
    ///    `--as-of`, does not make real entries future ones).
    /// It cannot see a tail deleted together with its checkpoints (as long as the rest still
    /// fits the cadence) without an anchor; see docs/security.md.
    /// `entries` must be in ascending id order; `checkpoints` in any order.
    public static func verify(entries: [AuditEntry], checkpoints: [AuditCheckpoint], key: [UInt8]?, now: Date? = nil,
                              cadence: Cadence = .standard, anchor: [AuditCheckpoint]? = nil, wallClock: Date = Date()) -> Verdict {
        var previous = genesis
        var previousId = 0
        var newestEncoding = AuditEntry.Encoding.v1
        var byId: [Int: String] = [:]
        for entry in entries {
            if entry.id != previousId + 1 {
                return .broken(entryId: entry.id, reason: previousId == 0
                    ? "the history starts at entry \(entry.id), not 1: earlier entries were removed"
                    : "entry \(previousId + 1)\(entry.id - previousId > 2 ? "…\(entry.id - 1)" : "") is missing before it (deleted or reordered)")
            }
            if entry.previousHash != previous {
                return .broken(entryId: entry.id, reason: "its previous-hash does not match entry \(previousId)'s hash (an entry before it was changed, removed or moved)")
            }
            if entry.encoding < newestEncoding {
                return .broken(entryId: entry.id, reason: "it claims encoding v\(entry.encoding.rawValue) after an entry with v\(newestEncoding.rawValue) (downgraded)")
            }
            let expected = hash(id: entry.id, at: entry.at, record: entry.record, previousHash: entry.previousHash, encoding: entry.encoding)
            if expected != entry.hash {
                return .broken(entryId: entry.id, reason: "its content does not match its hash (the entry was edited)")
            }
            byId[entry.id] = entry.hash
            previous = entry.hash
            previousId = entry.id
            newestEncoding = entry.encoding
        }
        guard let key else {
            if entries.isEmpty && checkpoints.isEmpty { return .intact(entries: 0, checkpoints: 0) }
            return .unverifiable(reason: "no audit key, so no checkpoint signature can be checked and the history's completeness cannot be shown")
        }
        let ordered = checkpoints.sorted { $0.sequence < $1.sequence }
        var last: AuditCheckpoint?
        for checkpoint in ordered {
            let expectedSequence = (last?.sequence ?? 0) + 1
            if checkpoint.sequence != expectedSequence {
                return .badCheckpoint(sequence: checkpoint.sequence, reason: checkpoint.sequence < expectedSequence
                    ? "its number is used twice"
                    : "checkpoint \(expectedSequence)\(checkpoint.sequence - expectedSequence > 1 ? "…\(checkpoint.sequence - 1)" : "") is missing before it (deleted)")
            }
            if expectedSignature(checkpoint, key: key) != checkpoint.signature {
                return .badCheckpoint(sequence: checkpoint.sequence, reason: "its signature does not match (forged, or signed with another key: is this the audit key the database was written with?)")
            }
            // Version 1 after a numbered one is a downgrade; a version 2 after a version 3 is a
            // node of the earlier release signing during a rolling upgrade (both need the key).
            if let last, checkpoint.version < min(last.version, 2) {
                return .badCheckpoint(sequence: checkpoint.sequence, reason: "a version-\(checkpoint.version) checkpoint after a version-\(last.version) one (downgraded)")
            }
            if let last, checkpoint.entryId < last.entryId {
                return .badCheckpoint(sequence: checkpoint.sequence, reason: "it names entry \(checkpoint.entryId), before checkpoint \(last.sequence)'s entry \(last.entryId) (the history was rolled back)")
            }
            guard let stored = byId[checkpoint.entryId] else {
                return .broken(entryId: checkpoint.entryId, reason: "checkpoint \(checkpoint.sequence) names entry \(checkpoint.entryId), which is gone (the history was truncated)")
            }
            if stored != checkpoint.hash {
                return .broken(entryId: checkpoint.entryId, reason: "checkpoint \(checkpoint.sequence) records another hash for this entry (the chain was rewritten)")
            }
            if let last, last.version >= 2, checkpoint.version >= 2, checkpoint.entryId - last.entryId > cadence.entries {
                return .incomplete(reason: "checkpoints \(last.sequence) and \(checkpoint.sequence) are \(checkpoint.entryId - last.entryId) entries apart; one is signed every \(cadence.entries)")
            }
            last = checkpoint
        }
        if let anchor, let problem = compare(anchor: anchor, with: ordered, now: now, cadence: cadence) { return .incomplete(reason: problem) }
        // Seals: every seal present must be the key's (a missing one is `unsealed`'s to name).
        for entry in entries {
            if let seal = entry.seal, seal != Self.seal(id: entry.id, hash: entry.hash, key: key) {
                return .broken(entryId: entry.id, reason: "its seal does not match: it was written or changed without the audit key")
            }
        }
        let covered = last?.entryId ?? 0
        let unsigned = previousId - covered
        if unsigned >= cadence.entries {
            return .incomplete(reason: last.map {
                "\(unsigned) entries (\(covered + 1)…\(previousId)) follow the newest checkpoint (\($0.sequence), at entry \(covered)); one is signed every \(cadence.entries) entries, so later checkpoints were deleted"
            } ?? "no checkpoint covers any of the \(unsigned) entries; one is signed every \(cadence.entries) entries, so the checkpoints were deleted")
        }
        if let now, unsigned > 0 {
            let oldest = entries[covered]   // ids run 1, 2, 3 … (checked above)
            guard let written = parseTime(oldest.at) else {
                return .incomplete(reason: "entry \(oldest.id)'s time \(oldest.at.debugDescription) cannot be read, so its unsigned tail cannot be dated")
            }
            // Judged no earlier than the newest entry of the tail: a history cannot hold entries
            // written after the time it is judged at, so a time set back (`--as-of`, an export's
            // unsigned `exportedAt`) must not make an old unsigned tail look fresh.
            var newest = (id: oldest.id, time: written)
            for entry in entries[covered...] {
                guard let time = parseTime(entry.at) else {
                    return .incomplete(reason: "entry \(entry.id)'s time \(entry.at.debugDescription) cannot be read, so its unsigned tail cannot be dated")
                }
                // An unsigned entry dated after this check cannot be dated at all: a time set
                // forward would keep a forged or edited tail looking fresh for ever.
                if time.timeIntervalSince(wallClock) > Self.futureTolerance {
                    return .incomplete(reason: "entry \(entry.id) has no checkpoint and is dated \(entry.at), \(Int(time.timeIntervalSince(wallClock))) s after this check: an unsigned entry from the future cannot be dated, so the checkpoint that should cover it may have been deleted")
                }
                if time > newest.time { newest = (entry.id, time) }
            }
            let age = Int(max(now, newest.time).timeIntervalSince(written))
            if age > 2 * cadence.seconds {
                let when = now < newest.time
                    ? "\(age) s before entry \(newest.id) (the time it is judged at, \(ISO8601DateFormatter().string(from: now)), is earlier than that entry)" : "\(age) s ago"
                return .incomplete(reason: "entries \(covered + 1)…\(previousId) have no checkpoint and the oldest was written \(when); serve signs within \(cadence.seconds) s and at shutdown, so a checkpoint after them was deleted (or serve was killed before signing: starting it signs them, and records on the trail that it signed them late)")
            }
        }
        return .intact(entries: entries.count, checkpoints: checkpoints.count)
    }

    /// The anchor against the database's checkpoints (both by sequence): nil when every
    /// anchored checkpoint is in the database unchanged and the database holds none from the
    /// anchor's first number on that the anchor lacks.
    ///
    /// A checkpoint newer than the anchor's last is allowed for `2 × cadence.seconds` after it
    /// was written (given `now`): serve copies checkpoints a CLI command wrote (a pause, a manual
    /// command with the key) within `cadence.seconds`. The database ahead of the anchor hides no
    /// change to the database; the other direction (the anchor holding what the database lost)
    /// is never allowed.
    static func compare(anchor: [AuditCheckpoint], with database: [AuditCheckpoint], now: Date? = nil,
                        cadence: Cadence = .standard) -> String? {
        guard let first = anchor.first, let newest = anchor.last else {
            return "the anchor file holds no checkpoint"
        }
        var bySequence: [Int: AuditCheckpoint] = [:]
        for checkpoint in database { bySequence[checkpoint.sequence] = checkpoint }
        var expected = first.sequence
        for anchored in anchor {
            if anchored.sequence != expected {
                return "the anchor file jumps from checkpoint \(expected - 1) to \(anchored.sequence) (the anchor was edited)"
            }
            expected += 1
            guard let stored = bySequence[anchored.sequence] else {
                return "anchored checkpoint \(anchored.sequence) (entry \(anchored.entryId), \(anchored.at)) is not in the database: it was deleted, with the history it signed"
            }
            if stored.entryId != anchored.entryId || stored.hash != anchored.hash || stored.signature != anchored.signature
                || stored.at != anchored.at || stored.version != anchored.version {
                return "checkpoint \(anchored.sequence) differs from its anchored copy (entry \(stored.entryId) in the database, \(anchored.entryId) in the anchor): the database was rewritten"
            }
        }
        if let extra = database.first(where: { $0.sequence > newest.sequence }) {
            // Judged no earlier than the newest checkpoint (a time set back must not widen the allowance).
            if let now, let written = parseTime(extra.at) {
                let newest = database.compactMap { parseTime($0.at) }.max() ?? written
                if max(now, newest).timeIntervalSince(written) <= Double(2 * cadence.seconds) { return nil }
            }
            return "checkpoint \(extra.sequence) is in the database but not in the anchor file, which ends at \(newest.sequence) (the anchor was cut short, or serve could not write to it: see its log)"
        }
        return nil
    }

    /// An entry's RFC 3339 time, with or without fractional seconds.
    static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
