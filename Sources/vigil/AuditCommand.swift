import Audit
import CPMS
import Foundation
import Remediation
import RuleEngine
import ServiceLog

/// `vigil audit verify|query|show|export`: the tamper-evident action history, for auditors.
///   verify [--db PATH] [--audit-key FILE] [--anchor FILE] [--as-of T]
///         prove the chain intact, signed and complete by the checkpoint cadence (and, with an
///         anchor, against the checkpoints copied outside the database), or name the first
///         problem (exit 1); see `AuditChain.verify` for the checks, in order. `--as-of` judges
///         the unsigned tail at time T instead of now (a backup: the time it was taken)
///   query [--from T] [--to T] [--station S] [--site S] [--rule R] [--action A] [--outcome O] [--actor A] [--kind K]
///         [--limit N] [--json]
///   show ID [--json]
///         one entry and what it points to: hash checks, the decision (rule version, evidence
///         events), the command with its other entries, the station's frames around it
///   verify --file EXPORT [--key FILE] [--anchor FILE] [--as-of T]
///         check a JSONL export without the database (`AuditExport.verify`): every problem,
///         then what the export proves
///   export --format csv|jsonl [--output FILE] [--bom] [--selected-only] [the query filters]
///         entries with their hashes and every checkpoint (docs/audit.md); a filtered export
///         also holds the entries that link each selected one to a checkpoint, unless
///         `--selected-only`; `--bom` starts a CSV with a UTF-8 byte order mark for spreadsheets
struct AuditCommand {
    /// The verbs, as typed; `run` switches over every one (`CommandName.verbs`).
    enum Verb: String, CaseIterable, Sendable {
        case verify, query, show, export
    }

    let verb: Verb
    let arguments: Arguments

    init(arguments: [String]) throws(UsageError) {
        verb = try parseVerb(arguments, of: .audit)
        self.arguments = Arguments(arguments.dropFirst(), flagNames: ["json", "bom", "selected-only"])
    }

    static let filters: Set<String> = ["from", "to", "station", "site", "rule", "action", "outcome", "actor", "kind", "limit"]

    func run() async throws -> Int32 {
        if verb == .verify, arguments.value("file") != nil {
            if arguments.value("db") != nil {
                throw UsageError("verify --file checks the export alone: --db does not apply (verify the database with verify --db)")
            }
            try arguments.rejectUnknown(allowed: ["file", "key", "audit-key", "anchor", "as-of"])
            return try verifyFile()
        }
        let store = try openStore(at: arguments.database, create: false)
        switch verb {
        case .verify:
            try arguments.rejectUnknown(allowed: ["db", "audit-key", "anchor", "as-of"])
            return try await verify(store)
        case .query:
            try arguments.rejectUnknown(allowed: Self.filters.union(["db", "json"]))
            for entry in try await AuditStore(host: store).auditEntries(query(store)) {
                printLine(arguments.has("json") ? Self.jsonLine(entry) : Self.textLine(entry))
            }
            return 0
        case .export:
            try arguments.rejectUnknown(allowed: Self.filters.union(["db", "format", "output", "bom", "selected-only"]))
            return try await export(store)
        case .show:
            try arguments.rejectUnknown(allowed: ["db", "json"])
            return try await show(store)
        }
    }

    /// The filters, read strictly (`FilterInput`): times with their offsets, converted to the
    /// stored form; `--kind` one of `AuditRecord.kinds`; `--outcome` one Vigil writes or one on record.
    func query(_ store: StationStore) async throws -> AuditQuery {
        AuditQuery(from: try arguments.time("from", bound: .lower), to: try arguments.time("to", bound: .upper),
                   station: arguments.value("station"), site: arguments.value("site"), rule: arguments.value("rule"),
                   action: arguments.value("action"), outcome: try await outcome(store), actor: arguments.value("actor"),
                   kind: try arguments.choice("kind", among: AuditRecord.kinds), limit: try arguments.integer("limit", default: 1_000))
    }

    /// `--outcome`, validated as `AuditOutcomes` says (a usage error naming the known ones).
    func outcome(_ store: StationStore) async throws -> String? {
        guard let text = arguments.value("outcome") else { return nil }
        do { return try await AuditOutcomes.validated(text, in: store) } catch let error as FilterInputError {
            throw UsageError(error.description)
        }
    }

    func verify(_ store: StationStore) async throws -> Int32 {
        let keyPath = AuditKey.path(option: arguments.value("audit-key"), database: try arguments.database)
        let key = try AuditKey.load(path: keyPath, create: false)
        var entries: [AuditEntry] = []
        var after = 0
        while true {
            let page = try await AuditStore(host: store).auditPage(afterId: after, limit: 10_000)
            guard let last = page.last else { break }
            entries += page
            after = last.id
        }
        let now = try arguments.instant("as-of")?.date ?? Date()
        // The key the trail was begun with left its fingerprint: another key (a replaced file)
        // is named as such, even if whoever replaced it re-signed the checkpoints with it.
        if let key, let claimed = try await AuditStore(host: store).auditKeyFingerprint(), claimed != AuditChain.keyFingerprint(key) {
            printLine("audit trail BROKEN: the key at \(keyPath) is not the key this trail was begun with (its fingerprint differs from the "
                      + "one stored when the first serve claimed the trail): the key file was replaced, or this is another trail's key")
            return 1
        }
        let checkpoints = try await AuditStore(host: store).auditCheckpoints()
        let anchor: [AuditCheckpoint]?
        do { anchor = try readAnchor() } catch let problem as AnchorProblem {
            printLine("audit trail UNVERIFIED: \(problem.description)")
            return 1
        }
        switch AuditChain.verify(entries: entries, checkpoints: checkpoints, key: key, now: now, anchor: anchor) {
        case .intact(let count, let signed):
            printLine("audit trail intact: \(count) entries, \(signed) signed checkpoint\(signed == 1 ? "" : "s")\(anchor.map { ", \($0.count) anchored" } ?? "")")
            // Stretches serve signed late: intact as signed, but what they hold was unsigned for
            // longer than a run leaves it, so an auditor checks them against an anchor or a copy.
            for entry in entries where entry.record.kind == "system" && entry.record.action == AuditChain.lateSigningAction {
                printLine("NOTE entry \(entry.id) (\(entry.at)): serve signed late: \(entry.record.details)")
            }
            for finding in AuditTimeOrder.findings(entries, now: Date()) {   // the real time, not --as-of
                printLine("NOTE entry \(finding.id) (\(finding.at)): \(finding)")
            }
            let unsealed = AuditChain.unsealed(entries: entries, checkpoints: checkpoints)
            if !unsealed.isEmpty {
                printLine("NOTE " + Self.describeUnsealed(unsealed))
            }
            // The chain holds; the records it names must too (nothing in Vigil deletes them).
            let missing = try await TrailRecords.missing(named: entries, in: store)
            if !missing.isEmpty {
                let listed = missing.prefix(10).map(\.description).joined(separator: ", ") + (missing.count > 10 ? " … (\(missing.count) in all)" : "")
                printLine("RECORDS MISSING: the trail names \(listed), but the database has no such record: deleted outside Vigil "
                          + "(Vigil never deletes decisions or commands). The entries remain the evidence of what was decided and sent.")
                return 1
            }
            return 0
        case .broken(let id, let reason):
            printLine("audit trail BROKEN at entry \(id): \(reason)")
        case .badCheckpoint(let sequence, let reason):
            printLine("audit trail BROKEN at checkpoint \(sequence): \(reason)")
        case .incomplete(let reason):
            printLine("audit trail INCOMPLETE: \(reason)")
        case .unverifiable(let reason):
            printLine("audit trail UNVERIFIED: \(reason) (looked for the key at \(keyPath))")
        }
        return 1
    }

    /// The NOTE naming entries without a seal (`AuditChain.unsealed`).
    static func describeUnsealed(_ ids: [Int]) -> String {
        let listed = ids.prefix(10).map(String.init).joined(separator: ", ") + (ids.count > 10 ? " … (\(ids.count) in all)" : "")
        return "entr\(ids.count == 1 ? "y" : "ies") \(listed) carr\(ids.count == 1 ? "ies" : "y") no seal: appended without the audit key — "
            + "by a CLI command that could not read it, a node of an earlier release, or by hand into the database. Check "
            + "\(ids.count == 1 ? "it" : "them") against an anchor or a copy: only a seal shows an entry is Vigil's."
    }

    /// The checkpoints in `--anchor FILE`, nil without the option; a file that cannot be read
    /// throws `CommandFailure`, one that is not an anchor `AnchorProblem`.
    func readAnchor() throws -> [AuditCheckpoint]? {
        guard let path = arguments.value("anchor") else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure(description: "cannot read the audit anchor \(path): \(unreadableReason(path))")
        }
        do { return try AuditAnchor.parse(String(decoding: data, as: UTF8.self)) } catch {
            throw AnchorProblem(description: "\(path): \(error)")
        }
    }

    /// An anchor file that is not one: reported as UNVERIFIED (exit 1), not as a usage error.
    struct AnchorProblem: Error, CustomStringConvertible {
        let description: String
    }

    static func textLine(_ entry: AuditEntry) -> String {
        let record = entry.record
        var parts = ["#\(entry.id)", entry.at, record.kind, record.actor]
        if let station = record.station { parts.append(station) }
        if let rule = record.rule { parts.append("rule=\(rule)") }
        if let action = record.action { parts.append(action) }
        if let outcome = record.outcome { parts.append("→ \(outcome)") }
        let details = record.details.count > 160 ? String(record.details.prefix(157)) + "…" : record.details
        // Every stored field may hold a station's or client's bytes: escape controls so one entry stays one line.
        return (parts + [details]).map(\.escapingControls).joined(separator: "  ")
    }

    static func jsonLine(_ entry: AuditEntry) -> String {
        let record = entry.record
        var object: [String: Any] = ["id": entry.id, "at": entry.at, "kind": record.kind, "actor": record.actor,
                                     "details": record.details, "previousHash": entry.previousHash, "hash": entry.hash]
        for (key, value) in [("station", record.station), ("site", record.site), ("rule", record.rule), ("action", record.action),
                             ("outcome", record.outcome)] {
            if let value { object[key] = value }
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
