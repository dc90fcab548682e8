import Foundation

/// The external anchor's format: one JSON object per line, one line per signed checkpoint
/// (`{"at":…,"entryId":…,"hash":…,"sequence":…,"signature":…,"version":2}`, keys sorted). The
/// file lives outside the database, so that deleting the newest entries together with their
/// checkpoints, or rewriting the whole database, leaves a checkpoint the database no longer
/// matches. This type only encodes and parses; `Auditor` appends, `vigil audit verify --anchor` reads.
public enum AuditAnchor {
    struct Line: Codable {
        var sequence: Int
        var entryId: Int
        var hash: String
        var signature: String
        var at: String
        var version: Int
    }

    /// A line of the file, without the newline.
    public static func line(_ checkpoint: AuditCheckpoint) -> String {
        let line = Line(sequence: checkpoint.sequence, entryId: checkpoint.entryId, hash: checkpoint.hash,
                        signature: checkpoint.signature, at: checkpoint.at, version: checkpoint.version)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(line) else { return "{}" }   // a struct of strings and integers always encodes
        return String(decoding: data, as: UTF8.self)
    }

    /// A bad line in the anchor file: its 1-based number and what is wrong with it.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var line: Int
        public var problem: String
        public var description: String { "anchor line \(line): \(problem)" }
    }

    /// Every checkpoint in the file, in file order. Blank lines are skipped; anything else
    /// that is not a checkpoint line is an error (a hand-edited or corrupted anchor).
    public static func parse(_ text: String) throws(ParseError) -> [AuditCheckpoint] {
        var checkpoints: [AuditCheckpoint] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let line = try? JSONDecoder().decode(Line.self, from: Data(trimmed.utf8)) else {
                throw ParseError(line: index + 1, problem: "not a checkpoint (expected sequence, entryId, hash, signature, at, version)")
            }
            checkpoints.append(AuditCheckpoint(id: 0, sequence: line.sequence, entryId: line.entryId, hash: line.hash,
                                               signature: line.signature, at: line.at, version: line.version))
        }
        return checkpoints
    }
}
