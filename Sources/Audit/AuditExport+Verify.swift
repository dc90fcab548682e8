import Foundation

/// What `AuditExport.verify` found: every problem (not only the first), and what the export
/// proves — the runs of consecutive entries whose hashes and links hold, and the part of each
/// run a valid checkpoint signs. Intact only without problems; `vigil audit verify --file`
/// exits 1 otherwise.
public struct AuditExportReport: Sendable, Equatable {
    /// One thing found wrong: an entry, a checkpoint, or the export as a whole.
    public enum Problem: Sendable, Equatable {
        /// An entry does not hold: its content, its link, its place, or a checkpoint's record of it.
        case entry(id: Int, reason: String)
        /// A checkpoint is forged, signed with another key, missing from the numbering or out of order.
        case checkpoint(sequence: Int, reason: String)
        /// Complete export only: the checkpoints do not cover the history as the cadence
        /// requires, or the anchor holds a checkpoint the export lacks or differs from.
        case incomplete(reason: String)
        /// No key, or entries that no valid checkpoint signs through the export's links.
        case unverified(reason: String)
    }

    public var entries: Int
    public var selected: Int
    public var isComplete: Bool
    /// Runs of consecutive ids whose own hashes and links hold, in id order.
    public var runs: [ClosedRange<Int>]
    /// The parts of those runs a valid checkpoint signs (empty without a key).
    public var signed: [ClosedRange<Int>]
    /// Checkpoints whose signature holds (0 without a key).
    public var validCheckpoints: Int
    public var problems: [Problem]

    public var isIntact: Bool { problems.isEmpty }
}

extension AuditExport {
    /// Checks the export without the database, and reports every problem:
    /// 1. entries in strictly increasing id order; each entry's hash recomputed from its fields
    ///    by its encoding (no v1 after v2), and `details` saying what `detailsText` says;
    /// 2. links: an entry whose id follows the previous exported entry's must carry its hash as
    ///    previous-hash (entry 1: 64 zeros). A gap between ids is a break in a complete export
    ///    and the end of a run in a filtered one;
    /// 3. with `key`, every checkpoint: signature, numbering from 1 without gaps or repeats, no
    ///    downgrade, heads that never move back, and the hash it records for an exported entry;
    ///    in a complete export the entry it names must be there;
    /// 4. with `anchor`, the checkpoints against their anchored copies;
    /// 5. a complete export is then held to `AuditChain.verify`'s cadence rules at `now`
    ///    (default: the header's `exportedAt`), exactly as the database would be; in a filtered
    ///    export every entry must be signed: linked, through consecutive exported entries, to
    ///    an entry a valid checkpoint names.
    /// It proves that the entries it signs are the ones Vigil wrote; of a filtered export it
    /// cannot prove that no other entry matched the filter (docs/audit.md).
    public func verify(key: [UInt8]?, now: Date? = nil, anchor: [AuditCheckpoint]? = nil,
                       cadence: AuditChain.Cadence = .standard) -> AuditExportReport {
        var problems: [AuditExportReport.Problem] = []
        let complete = header.isComplete

        // 1. Order and each entry's own content.
        var accepted: [AuditEntry] = []
        var sound: Set<Int> = []
        var newestEncoding = AuditEntry.Encoding.v1
        for item in entries {
            let entry = item.entry
            if let last = accepted.last, entry.id <= last.id {
                problems.append(.entry(id: entry.id, reason: "it comes after entry \(last.id) in the export (entries were reordered or repeated)"))
                continue
            }
            accepted.append(entry)
            var holds = true
            if entry.encoding < newestEncoding {
                problems.append(.entry(id: entry.id, reason: "it claims encoding v\(entry.encoding.rawValue) after an entry with v\(newestEncoding.rawValue) (downgraded)"))
                holds = false
            }
            newestEncoding = max(newestEncoding, entry.encoding)
            if AuditChain.hash(id: entry.id, at: entry.at, record: entry.record, previousHash: entry.previousHash, encoding: entry.encoding) != entry.hash {
                problems.append(.entry(id: entry.id, reason: "its content does not match its hash (the entry was edited)"))
                holds = false
            }
            if let problem = item.detailsProblem {
                problems.append(.entry(id: entry.id, reason: problem))
                holds = false
            }
            if holds { sound.insert(entry.id) }
        }

        // 2. Links, and the runs they form.
        var runs: [ClosedRange<Int>] = []
        var previous: AuditEntry?
        for entry in accepted {
            var linked = false
            if let before = previous, entry.id == before.id + 1 {
                linked = entry.previousHash == before.hash
                if !linked {
                    problems.append(.entry(id: entry.id, reason: "its previous-hash does not match entry \(before.id)'s hash (an entry before it was changed, removed or moved)"))
                }
            } else if complete {
                let first = (previous?.id ?? 0) + 1
                if entry.id != first {
                    problems.append(.entry(id: entry.id, reason: previous == nil
                        ? "the export starts at entry \(entry.id), not 1: earlier entries were removed"
                        : "entry \(first)\(entry.id - first > 1 ? "…\(entry.id - 1)" : "") is missing before it (deleted or reordered)"))
                }
            }
            if entry.id == 1 && entry.previousHash != AuditChain.genesis {
                problems.append(.entry(id: 1, reason: "it is the first entry, but its previous-hash is not 64 zeros"))
            }
            if linked, let last = runs.last, last.upperBound == entry.id - 1, sound.contains(entry.id) {
                runs[runs.count - 1] = last.lowerBound...entry.id
            } else if sound.contains(entry.id) {
                runs.append(entry.id...entry.id)
            }
            previous = entry
        }
        func report(signed: [ClosedRange<Int>], valid: Int) -> AuditExportReport {
            AuditExportReport(entries: entries.count, selected: entries.filter(\.isSelected).count, isComplete: complete,
                              runs: runs, signed: signed, validCheckpoints: valid, problems: problems)
        }
        guard let key else {
            if !(accepted.isEmpty && checkpoints.isEmpty) {
                problems.append(.unverified(reason: "no audit key, so no checkpoint can be checked; hashes and links alone prove nothing, since anyone can recompute them"))
            }
            return report(signed: [], valid: 0)
        }

        // 3. Checkpoints.
        var hashes: [Int: String] = [:]
        for entry in accepted { hashes[entry.id] = entry.hash }
        var last: AuditCheckpoint?   // the newest valid one
        var number = 0               // the newest number seen, valid or not
        var heads: [Int] = []        // entries a valid checkpoint names, with the hash it records
        var valid = 0
        for checkpoint in checkpoints.sorted(by: { $0.sequence < $1.sequence }) {
            if checkpoint.sequence <= number {
                problems.append(.checkpoint(sequence: checkpoint.sequence, reason: "its number is used twice"))
                continue
            }
            if checkpoint.sequence > number + 1 {
                problems.append(.checkpoint(sequence: checkpoint.sequence, reason: "checkpoint \(number + 1)\(checkpoint.sequence - number > 2 ? "…\(checkpoint.sequence - 1)" : "") is missing before it (deleted)"))
            }
            number = checkpoint.sequence
            guard AuditChain.expectedSignature(checkpoint, key: key) == checkpoint.signature else {
                problems.append(.checkpoint(sequence: checkpoint.sequence, reason: "its signature does not match (forged, or signed with another key: is this the audit key the trail was written with?)"))
                continue
            }
            valid += 1
            if let last, checkpoint.version < last.version {
                problems.append(.checkpoint(sequence: checkpoint.sequence, reason: "a version-\(checkpoint.version) checkpoint after a version-\(last.version) one (downgraded)"))
            }
            if let last, checkpoint.entryId < last.entryId {
                problems.append(.checkpoint(sequence: checkpoint.sequence, reason: "it names entry \(checkpoint.entryId), before checkpoint \(last.sequence)'s entry \(last.entryId) (the history was rolled back)"))
            }
            last = checkpoint
            if let hash = hashes[checkpoint.entryId] {
                if hash == checkpoint.hash {
                    heads.append(checkpoint.entryId)
                } else {
                    problems.append(.entry(id: checkpoint.entryId, reason: "checkpoint \(checkpoint.sequence) records another hash for this entry (the chain was rewritten)"))
                }
            } else if complete {
                problems.append(.entry(id: checkpoint.entryId, reason: "checkpoint \(checkpoint.sequence) names entry \(checkpoint.entryId), which is not in the export (the history was truncated)"))
            }
        }

        // 4. The anchor.
        if let anchor, let problem = AuditChain.compare(anchor: anchor, with: checkpoints.sorted { $0.sequence < $1.sequence },
                                                         now: now ?? AuditChain.parseTime(header.exportedAt), cadence: cadence) {
            problems.append(.incomplete(reason: problem))
        }

        // The signed part of each run: up to the newest head inside it.
        let signed = runs.compactMap { run in heads.filter(run.contains).max().map { run.lowerBound...$0 } }

        // 5. Completeness (complete export) or coverage (filtered).
        if complete {
            if problems.isEmpty {
                let when = now ?? AuditChain.parseTime(header.exportedAt)
                switch AuditChain.verify(entries: accepted, checkpoints: checkpoints, key: key, now: when, cadence: cadence) {
                case .intact: break
                case .broken(let id, let reason): problems.append(.entry(id: id, reason: reason))
                case .badCheckpoint(let sequence, let reason): problems.append(.checkpoint(sequence: sequence, reason: reason))
                case .incomplete(let reason), .unverifiable(let reason): problems.append(.incomplete(reason: reason))
                }
            }
        } else {
            // Seals, as `AuditChain.verify` checks them in a complete export: every seal present
            // must be the key's.
            for entry in accepted {
                if let seal = entry.seal, seal != AuditChain.seal(id: entry.id, hash: entry.hash, key: key) {
                    problems.append(.entry(id: entry.id, reason: "its seal does not match: it was written or changed without the audit key"))
                }
            }
            let unsigned = Self.ranges(accepted.map(\.id).filter { id in sound.contains(id) && !signed.contains { $0.contains(id) } })
            if !unsigned.isEmpty {
                problems.append(.unverified(reason: "no valid checkpoint signs entries \(Self.describe(unsigned)) through this export's links (a filtered export proves an entry only when it is linked, entry by entry, to one a checkpoint names)"))
            }
        }
        return report(signed: signed, valid: valid)
    }

    /// Sorted ids as ranges of consecutive ones.
    static func ranges(_ ids: [Int]) -> [ClosedRange<Int>] {
        var ranges: [ClosedRange<Int>] = []
        for id in ids {
            if let last = ranges.last, last.upperBound == id - 1 { ranges[ranges.count - 1] = last.lowerBound...id } else { ranges.append(id...id) }
        }
        return ranges
    }

    /// "1…4, 6, 9…12"
    public static func describe(_ ranges: [ClosedRange<Int>]) -> String {
        ranges.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)…\($0.upperBound)" }.joined(separator: ", ")
    }
}
