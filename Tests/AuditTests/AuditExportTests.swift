@testable import Audit
import Foundation
import StoreTesting
import Testing
@testable import CPMS

/// `AuditExport.verify` (what `vigil audit verify --file` runs): an export written from a real
/// store verifies offline; an edited, deleted or moved entry, a forged checkpoint or the wrong
/// key is reported with the entry or checkpoint and the reason.
@Suite struct AuditExportTests {
    let key = Array("export-test-key".utf8)

    /// `count` entries (every third with JSON details, every other with no station), a
    /// checkpoint every 100 and one at the head, exported complete and read back from its text.
    func exported(entries count: Int = 120) async throws -> AuditExport {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-export-\(UUID().uuidString).sqlite").path
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        let audit = AuditStore(host: store)
        for index in 1...count {
            let details = index % 3 == 0 ? #"{"rule":"stuck","reason":"entry \#(index)","rung":[1,2.5,true,null]}"# : "entry \(index)\nline two, \"quoted\""
            try await audit.appendAudit([AuditRecord(kind: "decision", actor: "rules", station: index % 2 == 0 ? "CP-\(index % 5)" : nil,
                                                     rule: "stuck", action: "reset soft", outcome: "fire", details: details)],
                                        key: key, now: "2026-01-01T00:00:\(String(format: "%02d", index % 60)).000Z")
        }
        try await audit.checkpointAudit(key: key, now: "2026-01-01T00:01:00.000Z")
        let export = AuditExport(header: .init(exportedAt: "2026-01-01T00:01:00.000Z", isComplete: true),
                                 entries: try await audit.auditPage(afterId: 0, limit: 10_000).map { AuditExport.Entry(entry: $0) },
                                 checkpoints: try await audit.auditCheckpoints())
        return try AuditExport.parse(export.jsonLines())
    }

    /// The export's text with entry `id`'s line changed by `edit` (as JSON), read back.
    func editing(_ export: AuditExport, entry id: Int, _ edit: (inout [String: Any]) -> Void) throws -> AuditExport {
        let lines = export.jsonLines().split(separator: "\n").map { line -> String in
            guard var object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  object["type"] as? String == "entry", object["id"] as? Int == id else { return String(line) }
            edit(&object)
            return AuditExport.encode(object)
        }
        return try AuditExport.parse(lines.joined(separator: "\n"))
    }

    @Test func anIntactExportVerifiesAndProvesEveryEntry() async throws {
        let export = try await exported()
        let report = export.verify(key: key)
        #expect(report.problems == [])
        #expect(report.runs == [1...120] && report.signed == [1...120] && report.validCheckpoints == 2)
    }

    @Test func structuredDetailsAreNestedAndTheirTextIsKeptExactly() async throws {
        let export = try await exported(entries: 3)
        let line = export.jsonLines().split(separator: "\n")[3]   // header, entries 1 and 2, entry 3
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect((object["details"] as? [String: Any])?["reason"] as? String == "entry 3")
        #expect(object["detailsText"] as? String == #"{"rule":"stuck","reason":"entry 3","rung":[1,2.5,true,null]}"#)
        #expect(object["station"] is NSNull)
        #expect(export.entries[2].entry.record.details == object["detailsText"] as? String)
    }

    @Test func anEditedEntryIsReportedAndTheRestStillProved() async throws {
        let export = try editing(try await exported(), entry: 50) { $0["outcome"] = "rejected" }
        let report = export.verify(key: key)
        #expect(report.problems == [.entry(id: 50, reason: "its content does not match its hash (the entry was edited)")])
        #expect(report.runs == [1...49, 51...120])
        #expect(report.signed == [51...120])   // 1…49 reach checkpoint 1 (entry 100) only through entry 50
    }

    @Test func editedNestedDetailsAreReportedThoughTheirTextIsUntouched() async throws {
        let export = try editing(try await exported(), entry: 30) { object in
            var details = object["details"] as? [String: Any] ?? [:]
            details["reason"] = "nothing happened"
            object["details"] = details
        }
        #expect(export.verify(key: key).problems
            == [.entry(id: 30, reason: "its details differ from its detailsText, the text its hash covers (the details were edited)")])
    }

    @Test func aNullTurnedIntoAnEmptyStringIsAnEdit() async throws {
        let export = try editing(try await exported(), entry: 7) { $0["station"] = "" }
        #expect(export.verify(key: key).problems == [.entry(id: 7, reason: "its content does not match its hash (the entry was edited)")])
    }

    @Test func aDeletedMiddleEntryIsReported() async throws {
        var export = try await exported()
        export.entries.removeAll { $0.entry.id == 60 }
        let report = export.verify(key: key)
        #expect(report.problems == [.entry(id: 61, reason: "entry 60 is missing before it (deleted or reordered)")])
        #expect(report.runs == [1...59, 61...120] && report.signed == [61...120])
    }

    @Test func aDeletedEntryInAFilteredExportLeavesTheEntriesBeforeItUnsigned() async throws {
        var export = try await exported()
        export.header.isComplete = false   // claiming a filter does not hide the deletion's effect
        export.entries.removeAll { $0.entry.id == 60 }
        #expect(export.verify(key: key).problems == [.unverified(reason: "no valid checkpoint signs entries 1…59 through this export's links (a filtered export proves an entry only when it is linked, entry by entry, to one a checkpoint names)")])
    }

    @Test func reorderedEntriesAreReported() async throws {
        var export = try await exported()
        export.entries.swapAt(40, 41)   // entries 41 and 42
        let report = export.verify(key: key)
        #expect(report.problems == [.entry(id: 41, reason: "it comes after entry 42 in the export (entries were reordered or repeated)"),
                                    .entry(id: 42, reason: "entry 41 is missing before it (deleted or reordered)")])
        #expect(report.runs == [1...40, 42...120] && report.signed == [42...120])
    }

    @Test func anEditedAndRechainedTailIsCaughtByTheCheckpoint() async throws {
        var export = try await exported()
        var previous = export.entries[108].entry.hash
        for index in 109..<120 {   // entries 110…120, rehashed after editing 110
            var entry = export.entries[index].entry
            if entry.id == 110 { entry.record.outcome = "suppressed" }
            entry.previousHash = previous
            entry.hash = AuditChain.hash(id: entry.id, at: entry.at, record: entry.record, previousHash: previous, encoding: entry.encoding)
            export.entries[index].entry = entry
            previous = entry.hash
        }
        #expect(export.verify(key: key).problems == [.entry(id: 120, reason: "checkpoint 2 records another hash for this entry (the chain was rewritten)")])
    }

    @Test func aForgedCheckpointSignatureIsReported() async throws {
        var export = try await exported()
        export.checkpoints[1].signature = String(repeating: "ab", count: 32)
        let report = export.verify(key: key)
        #expect(report.problems.first == .checkpoint(sequence: 2, reason: "its signature does not match (forged, or signed with another key: is this the audit key the trail was written with?)"))
        #expect(report.signed == [1...100] && report.validCheckpoints == 1)
    }

    @Test func theWrongKeyFailsEveryCheckpoint() async throws {
        let report = try await exported().verify(key: Array("another-key".utf8))
        #expect(report.problems.prefix(2) == [
            .checkpoint(sequence: 1, reason: "its signature does not match (forged, or signed with another key: is this the audit key the trail was written with?)"),
            .checkpoint(sequence: 2, reason: "its signature does not match (forged, or signed with another key: is this the audit key the trail was written with?)")])
        #expect(report.signed == [])
    }

    @Test func withoutAKeyNothingIsProved() async throws {
        let report = try await exported().verify(key: nil)
        #expect(report.problems == [.unverified(reason: "no audit key, so no checkpoint can be checked; hashes and links alone prove nothing, since anyone can recompute them")])
        #expect(report.runs == [1...120] && report.signed == [])
    }

    @Test func aTruncatedCompleteExportIsReported() async throws {
        var export = try await exported()
        export.entries.removeLast(5)
        #expect(export.verify(key: key).problems == [.entry(id: 120, reason: "checkpoint 2 names entry 120, which is not in the export (the history was truncated)")])
    }

    @Test func aFilteredExportWithItsLinkingEntriesProvesItsSelection() async throws {
        let full = try await exported()
        let selected = [5, 99, 101, 118]
        let keep = Set(AuditExport.linkRanges(selected: selected, heads: full.checkpoints.map(\.entryId)).flatMap { Array($0) })
        #expect(AuditExport.linkRanges(selected: selected, heads: [100, 120]) == [5...120])   // 5…100 and 101…120, merged
        #expect(AuditExport.linkRanges(selected: [3, 150], heads: [100, 120]) == [3...100, 150...150])   // past the newest head: alone
        let export = AuditExport(header: .init(exportedAt: full.header.exportedAt, isComplete: false, filter: ["station": "CP-1"]),
                                 entries: full.entries.filter { keep.contains($0.entry.id) }
                                    .map { AuditExport.Entry(entry: $0.entry, isSelected: selected.contains($0.entry.id)) },
                                 checkpoints: full.checkpoints)
        let report = try AuditExport.parse(export.jsonLines()).verify(key: key)
        #expect(report.problems == [] && report.selected == 4 && report.signed == [5...120])
        // Entries carry their seals; a made-up one is reported in a filtered export too.
        #expect(export.entries.allSatisfy { $0.entry.seal != nil })
        let forged = try editing(try AuditExport.parse(export.jsonLines()), entry: 99) { $0["seal"] = String(repeating: "0", count: 64) }
        #expect(forged.verify(key: key).problems == [.entry(id: 99, reason: "its seal does not match: it was written or changed without the audit key")])
    }

    @Test func theCSVFormKeepsTodaysColumnsFirstAndMarksNulls() async throws {
        let export = try await exported(entries: 1)
        let csv = export.csv(bom: true)
        #expect(csv.hasPrefix("\u{FEFF}id,at,kind,actor,station,site,rule,action,outcome,details,previous_hash,hash,row,"))
        let rows = csv.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(rows[1].hasPrefix("1,2026-01-01T00:00:01.000Z,decision,rules,,,stuck,reset soft,fire,\"entry 1"))
        #expect(csv.contains(",entry,2,station site,true,,,,\n"))
        #expect(AuditExport.csvRow(["", nil, "a\r\nb"]) == "\"\",,\"a\r\nb\"")
    }

    @Test func aCSVOrForeignFileIsNotReadAsAnExport() {
        #expect(throws: AuditExport.ParseError.self) { try AuditExport.parse("id,at,kind\n1,2026,decision\n") }
        #expect(throws: AuditExport.ParseError(line: 2, problem: "\"id\" must be an integer")) {
            try AuditExport.parse(AuditExport.headerLine(.init(exportedAt: "t", isComplete: true), entries: 1, checkpoints: 0)
                                  + "\n" + #"{"type":"entry","id":true}"#)
        }
    }

    /// docs/audit.md's recipes, run in Python on this entry, gave these values; the code must agree.
    @Test func theDocumentedRecipesGiveTheCodesHashesAndSignatures() {
        let record = AuditRecord(kind: "decision", actor: "rules", station: nil, site: "", rule: "stuck", action: "reset soft",
                                 outcome: "\u{2400}", details: "line one\nback\\slash")
        let previous = String(repeating: "ab", count: 32)
        #expect(AuditChain.hash(id: 7, at: "2026-01-01T00:00:07.000Z", record: record, previousHash: previous, encoding: .v2)
            == "40b92f8abbe806783bec8e952d7fddf61cd8ff29a44dbc48cc1e4de35aa39a19")
        #expect(AuditChain.hash(id: 7, at: "2026-01-01T00:00:07.000Z", record: record, previousHash: previous, encoding: .v1)
            == "2dc4293bf2ab14191fce4ea885e8222805cee1b2f22f43ffb1e277b8495276ed")
        let key = Array("k3y".utf8), hash = String(repeating: "cd", count: 32)
        #expect(AuditChain.sign(sequence: 3, entryId: 7, hash: hash, at: "2026-01-01T00:01:00.000Z", key: key)
            == "d3a9bfbf1836c84aa0c530c309da09977495efc851f7b1f89dcbd17dc17a1e18")
        #expect(AuditChain.sign(entryId: 7, hash: hash, key: key) == "84c8d5ac5b8d064cde9b5e6c3b731d813c261fbce862a746e361c459e0cc8bde")
    }

    @Test func anExportOfVersion1EntriesFollowedByVersion2VerifiesAndADowngradeDoesNot() throws {
        var entries: [AuditExport.Entry] = []
        var previous = AuditChain.genesis
        for (id, encoding) in [(1, AuditEntry.Encoding.v1), (2, .v1), (3, .v2)] {
            let record = AuditRecord(kind: "operator", actor: "dana", station: nil, details: "old\nentry \(id)")
            let at = "2026-01-01T00:00:0\(id).000Z"
            let hash = AuditChain.hash(id: id, at: at, record: record, previousHash: previous, encoding: encoding)
            entries.append(AuditExport.Entry(entry: AuditEntry(id: id, at: at, record: record, previousHash: previous, hash: hash, encoding: encoding)))
            previous = hash
        }
        let checkpoint = AuditCheckpoint(id: 1, sequence: 1, entryId: 3, hash: previous,
                                         signature: AuditChain.sign(sequence: 1, entryId: 3, hash: previous, at: "2026-01-01T00:00:04.000Z", key: key),
                                         at: "2026-01-01T00:00:04.000Z")
        var export = AuditExport(header: .init(exportedAt: "2026-01-01T00:00:05.000Z", isComplete: true), entries: entries, checkpoints: [checkpoint])
        #expect(try AuditExport.parse(export.jsonLines()).verify(key: key).problems == [])
        export.entries[2].entry.encoding = .v1   // entry 2 now claims v2 and entry 3 v1: a downgrade (and both hashes fail)
        export.entries[1].entry.encoding = .v2
        #expect(export.verify(key: key).problems.contains(.entry(id: 3, reason: "it claims encoding v1 after an entry with v2 (downgraded)")))
    }
}
