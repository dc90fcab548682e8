import Foundation

extension AuditExport {
    /// The CSV form, for spreadsheets: one row per entry, then one per checkpoint (`row` says
    /// which). The first twelve columns are those of earlier exports, in the same order, so
    /// sheets and scripts that read them by position still work. CSV cannot nest, so `details`
    /// is the exact text the hash covers; NULL fields are empty and listed in `null_fields`
    /// (an empty string is written `""`). Fields are quoted per RFC 4180 when they hold a comma,
    /// a quote or a line break; rows end in "\n". With `bom`, the text starts with U+FEFF, which
    /// spreadsheet programs need to read it as UTF-8. `vigil audit verify --file` reads the
    /// JSONL form, not this one (docs/audit.md).
    public func csv(bom: Bool = false) -> String {
        var rows = [Self.csvColumns.joined(separator: ",")]
        for item in entries {
            let entry = item.entry
            let record = entry.record
            let nullable = [("station", record.station), ("site", record.site), ("rule", record.rule),
                            ("action", record.action), ("outcome", record.outcome)]
            let nulls = nullable.filter { $0.1 == nil }.map(\.0).joined(separator: " ")
            rows.append(Self.csvRow([String(entry.id), entry.at, record.kind, record.actor, record.station, record.site, record.rule,
                                     record.action, record.outcome, record.details, entry.previousHash, entry.hash, "entry",
                                     String(entry.encoding.rawValue), nulls, item.isSelected ? "true" : "false", nil, nil, nil, nil]))
        }
        for checkpoint in checkpoints {
            rows.append(Self.csvRow([nil, checkpoint.at, nil, nil, nil, nil, nil, nil, nil, nil, nil, checkpoint.hash, "checkpoint",
                                     nil, nil, nil, String(checkpoint.sequence), String(checkpoint.entryId), checkpoint.signature,
                                     String(checkpoint.version)]))
        }
        return (bom ? "\u{FEFF}" : "") + rows.map { $0 + "\n" }.joined()
    }

    public static let csvColumns = ["id", "at", "kind", "actor", "station", "site", "rule", "action", "outcome", "details",
                                    "previous_hash", "hash", "row", "encoding", "null_fields", "selected",
                                    "sequence", "entry_id", "signature", "version"]

    /// NULL as an empty field, the empty string as `""`, anything holding a comma, quote or line break quoted.
    static func csvRow(_ fields: [String?]) -> String {
        fields.map { value in
            guard let value else { return "" }
            guard !value.isEmpty else { return "\"\"" }
            // By scalar: "\r\n" is one Character, equal to neither "\r" nor "\n".
            guard value.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",")
    }
}
