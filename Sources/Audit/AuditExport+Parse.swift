import Foundation

extension AuditExport {
    /// A line of an export that is not what the format says: its 1-based number and the problem.
    /// A well-formed line with edited values is not a parse error; `verify` reports it.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var line: Int
        public var problem: String
        public var description: String { "line \(line): \(problem)" }
    }

    /// Reads a JSONL export: the header first, then entry and checkpoint lines in any order (the
    /// order of entries is kept: `verify` checks it). Blank lines are skipped. A `details` that
    /// says something other than `detailsText` is kept as `Entry.detailsProblem`, for `verify`.
    public static func parse(_ text: String) throws(ParseError) -> AuditExport {
        var header: Header?
        var entries: [Entry] = []
        var checkpoints: [AuditCheckpoint] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if index == 0, trimmed.hasPrefix("\u{FEFF}") { trimmed.removeFirst() }
            if trimmed.isEmpty { continue }
            let number = index + 1
            guard let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any] else {
                throw ParseError(line: number, problem: header == nil
                    ? "not a JSON object: is this a JSONL audit export (vigil audit export --format jsonl)? CSV exports are for reading, not verifying"
                    : "not a JSON object")
            }
            let fields = Fields(object: object, line: number)
            let type = try fields.string("type")
            if header == nil {
                guard type == "export" else { throw ParseError(line: number, problem: "the first line must be the export header (type \"export\"), got type \(type.debugDescription)") }
                header = try parseHeader(fields)
                continue
            }
            switch type {
            case "entry": entries.append(try parseEntry(fields))
            case "checkpoint": checkpoints.append(try parseCheckpoint(fields))
            case "export": throw ParseError(line: number, problem: "a second export header (two exports joined?)")
            default: throw ParseError(line: number, problem: "unknown type \(type.debugDescription) (expected entry or checkpoint)")
            }
        }
        guard let header else { throw ParseError(line: 1, problem: "empty: no export header") }
        return AuditExport(header: header, entries: entries, checkpoints: checkpoints)
    }

    static func parseHeader(_ fields: Fields) throws(ParseError) -> Header {
        let format = try fields.string("format")
        guard format == Self.format else { throw fields.error("format is \(format.debugDescription), not \(Self.format.debugDescription)") }
        let version = try fields.integer("version")
        guard version == Self.version else { throw fields.error("export version \(version) is not one this verifier reads (\(Self.version))") }
        let complete = try fields.boolean("complete")
        guard let filter = fields.object["filter"] as? [String: String] else { throw fields.error("\"filter\" must be an object of strings") }
        return Header(exportedAt: try fields.string("exportedAt"), isComplete: complete, filter: filter)
    }

    static func parseEntry(_ fields: Fields) throws(ParseError) -> Entry {
        let id = try fields.integer("id")
        let at = try fields.string("at")
        let number = try fields.integer("encoding")
        guard let encoding = AuditEntry.Encoding(rawValue: number) else { throw fields.error("unknown encoding \(number)") }
        var details: String
        var problem: String?
        if let text = fields.object["detailsText"] {
            guard let text = text as? String else { throw fields.error("\"detailsText\" must be a string") }
            details = text
            if fields.object["details"] == nil { throw fields.error("missing \"details\"") }
            if !(structuredDetails(text).map { sameJSON($0, fields.object["details"] as Any) } ?? false) {
                problem = "its details differ from its detailsText, the text its hash covers (the details were edited)"
            }
        } else {
            details = try fields.string("details")
        }
        let selected = try fields.boolean("selected", default: true)
        let record = AuditRecord(kind: try fields.string("kind"), actor: try fields.string("actor"), station: try fields.optional("station"),
                                 site: try fields.optional("site"), rule: try fields.optional("rule"), action: try fields.optional("action"),
                                 outcome: try fields.optional("outcome"), details: details)
        let entry = AuditEntry(id: id, at: at, record: record,
                               previousHash: try fields.string("previousHash"), hash: try fields.string("hash"), encoding: encoding,
                               seal: try fields.absentOr("seal"))
        return Entry(entry: entry, isSelected: selected, detailsProblem: problem)
    }

    static func parseCheckpoint(_ fields: Fields) throws(ParseError) -> AuditCheckpoint {
        AuditCheckpoint(id: 0, sequence: try fields.integer("sequence"), entryId: try fields.integer("entryId"), hash: try fields.string("hash"),
                        signature: try fields.string("signature"), at: try fields.string("at"), version: try fields.integer("version"))
    }

    /// One line's object, read field by field with errors naming the line and the field.
    struct Fields {
        let object: [String: Any]
        let line: Int

        func error(_ problem: String) -> ParseError { ParseError(line: line, problem: problem) }

        func string(_ key: String) throws(ParseError) -> String {
            guard let value = object[key] else { throw error("missing \"\(key)\"") }
            guard let text = value as? String else { throw error("\"\(key)\" must be a string") }
            return text
        }

        /// A field the hash covers that may be NULL: present, and a string or null.
        func optional(_ key: String) throws(ParseError) -> String? {
            guard let value = object[key] else { throw error("missing \"\(key)\" (null when the entry has none)") }
            if value is NSNull { return nil }
            guard let text = value as? String else { throw error("\"\(key)\" must be a string or null") }
            return text
        }

        /// A string that may be absent (a field newer than some exports: `seal`).
        func absentOr(_ key: String) throws(ParseError) -> String? {
            guard let value = object[key], !(value is NSNull) else { return nil }
            guard let text = value as? String else { throw error("\"\(key)\" must be a string") }
            return text
        }

        func integer(_ key: String) throws(ParseError) -> Int {
            guard let value = object[key] else { throw error("missing \"\(key)\"") }
            // A boolean is not a number here, though Foundation bridges true to 1.
            guard !Self.isBoolean(value), let number = value as? Int else { throw error("\"\(key)\" must be an integer") }
            return number
        }

        func boolean(_ key: String, default fallback: Bool? = nil) throws(ParseError) -> Bool {
            guard let value = object[key] else {
                guard let fallback else { throw error("missing \"\(key)\"") }
                return fallback
            }
            guard Self.isBoolean(value), let flag = value as? Bool else { throw error("\"\(key)\" must be true or false") }
            return flag
        }

        /// JSONSerialization gives every number and boolean as NSNumber, and `is Bool` holds for
        /// 0 and 1 too; a parsed boolean is the one whose type code is "c" (char).
        static func isBoolean(_ value: Any) -> Bool {
            guard let number = value as? NSNumber else { return false }
            return String(cString: number.objCType) == "c"
        }
    }
}
