import Foundation

/// An audit export as `vigil audit export --format jsonl` writes it and `vigil audit verify
/// --file` reads it (docs/audit.md, field by field): one JSON object per line — a header, the
/// entries in id order, then every checkpoint by number. Each entry carries every field its hash
/// covers (NULL as JSON null), its hashes and encoding; `details` is nested JSON when the stored
/// text is a JSON object or array, and then `detailsText` holds the exact text the hash covers.
/// This type only encodes and parses; `verify` (AuditExport+Verify.swift) judges.
public struct AuditExport: Sendable, Equatable {
    /// The format's name and version, written in the header and required when reading.
    public static let format = "vigil-audit-export"
    public static let version = 1

    /// What the export claims about itself. Nothing here is covered by a hash or a signature:
    /// `isComplete` decides which rules `verify` applies, never what it accepts as proved.
    public struct Header: Sendable, Equatable {
        /// When the export was written (the store's RFC 3339 UTC form): the time an unsigned
        /// tail is judged at.
        public var exportedAt: String
        /// True when no filter was given: every entry and every checkpoint is in the export.
        public var isComplete: Bool
        /// The filters as applied (option name without dashes → value in the store's form).
        public var filter: [String: String]

        public init(exportedAt: String, isComplete: Bool, filter: [String: String] = [:]) {
            self.exportedAt = exportedAt
            self.isComplete = isComplete
            self.filter = filter
        }
    }

    /// An exported entry: the entry as stored, whether it matched the filter (false: it is
    /// there only to link selected entries to a checkpoint), and, when read back, what is wrong
    /// with a `details` that does not say what `detailsText` says.
    public struct Entry: Sendable, Equatable {
        public var entry: AuditEntry
        public var isSelected: Bool
        public var detailsProblem: String?

        public init(entry: AuditEntry, isSelected: Bool = true, detailsProblem: String? = nil) {
            self.entry = entry
            self.isSelected = isSelected
            self.detailsProblem = detailsProblem
        }
    }

    public var header: Header
    public var entries: [Entry]
    public var checkpoints: [AuditCheckpoint]

    public init(header: Header, entries: [Entry], checkpoints: [AuditCheckpoint]) {
        self.header = header
        self.entries = entries
        self.checkpoints = checkpoints
    }

    /// The id ranges a filtered export holds so that each selected entry is linked, entry by
    /// entry, to the next entry a checkpoint names (`heads`): from each selected id to the
    /// first head at or after it (at most a cadence's worth of entries each). A selected entry
    /// after the newest head has nothing to link to and stays on its own. Ranges are merged.
    public static func linkRanges(selected: [Int], heads: [Int]) -> [ClosedRange<Int>] {
        let heads = heads.sorted()
        var ranges: [ClosedRange<Int>] = []
        var next = 0   // both sorted: one pass over the heads
        for id in selected.sorted() {
            while next < heads.count && heads[next] < id { next += 1 }
            let end = next < heads.count ? heads[next] : id
            if let last = ranges.last, id <= last.upperBound + 1 {
                ranges[ranges.count - 1] = last.lowerBound...max(last.upperBound, end)
            } else {
                ranges.append(id...end)
            }
        }
        return ranges
    }

    // MARK: Writing

    /// The whole export as JSONL, every line ending in "\n".
    public func jsonLines() -> String {
        var lines = [Self.headerLine(header, entries: entries.count, checkpoints: checkpoints.count)]
        lines += entries.map { Self.line($0.entry, isSelected: $0.isSelected) }
        lines += checkpoints.map(Self.line)
        return lines.map { $0 + "\n" }.joined()
    }

    public static func headerLine(_ header: Header, entries: Int, checkpoints: Int) -> String {
        encode(["type": "export", "format": format, "version": version, "exportedAt": header.exportedAt,
                "complete": header.isComplete, "filter": header.filter, "entries": entries, "checkpoints": checkpoints])
    }

    /// An entry's line. Every field the hash covers is present, NULL as null.
    public static func line(_ entry: AuditEntry, isSelected: Bool) -> String {
        let record = entry.record
        var object: [String: Any] = ["type": "entry", "id": entry.id, "at": entry.at, "encoding": entry.encoding.rawValue,
                                     "kind": record.kind, "actor": record.actor, "details": record.details,
                                     "previousHash": entry.previousHash, "hash": entry.hash, "selected": isSelected]
        for (key, value) in [("station", record.station), ("site", record.site), ("rule", record.rule),
                             ("action", record.action), ("outcome", record.outcome)] {
            object[key] = value ?? NSNull()
        }
        if let seal = entry.seal { object["seal"] = seal }
        if let structured = structuredDetails(record.details) {
            object["details"] = structured
            object["detailsText"] = record.details
        }
        return encode(object)
    }

    /// A checkpoint's line: the anchor file's fields and `"type": "checkpoint"`.
    public static func line(_ checkpoint: AuditCheckpoint) -> String {
        encode(["type": "checkpoint", "sequence": checkpoint.sequence, "entryId": checkpoint.entryId, "hash": checkpoint.hash,
                "signature": checkpoint.signature, "at": checkpoint.at, "version": checkpoint.version])
    }

    /// `text` as a JSON object or array, when it is one; nil for any other text (it stays a string).
    static func structuredDetails(_ text: String) -> Any? {
        guard let first = text.first(where: { !$0.isWhitespace }), first == "{" || first == "[" else { return nil }
        // Not JSON after all: the text is exported as the string it is.
        return try? JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    /// Both values serialised the same way (keys sorted), to compare what they say rather than how.
    static func sameJSON(_ a: Any, _ b: Any) -> Bool {
        let options: JSONSerialization.WritingOptions = [.sortedKeys, .fragmentsAllowed]
        guard let left = try? JSONSerialization.data(withJSONObject: a, options: options),
              let right = try? JSONSerialization.data(withJSONObject: b, options: options) else { return false }
        return left == right
    }

    static func encode(_ object: [String: Any]) -> String {
        // Every value put in these objects is a string, number, boolean, null or parsed JSON, which always encode.
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
