import Audit
import CPMS
import Foundation
import RuleEngine
import Store

/// What the audit trail says about stored decisions: each decision's entry carries the
/// decision's JSON with its id first (`{"decisionId":12,…}`, `RuleRunner.auditRecord`), so a
/// `decisions` row is checked by comparing its JSON with its entry's, byte for byte. An edit of
/// the table shows as a finding instead of being displayed as what the rules decided.
public enum DecisionTrail {
    /// The entries found for a set of decisions and where a row and its entry disagree.
    public struct Reading: Sendable {
        /// Decision id → audit entry id.
        public var entries: [Int: Int] = [:]
        /// Decision id → what is wrong.
        public var findings: [Int: [String]] = [:]
        public var hasFindings: Bool { findings.values.contains { !$0.isEmpty } }
    }

    /// Whether an entry's details are what `row` must have been recorded with: the row's JSON
    /// with its id first, and possibly the cited events after it (`"evidence":[…]`).
    public static func detailsRecord(_ details: String, _ row: DecisionRow) -> Bool {
        guard row.json.hasPrefix("{"), row.json != "{}" else { return false }
        let body = "{\"decisionId\":\(row.id)," + row.json.dropFirst().dropLast()
        return details == body + "}" || (details.hasPrefix(body + ",\"evidence\":[") && details.hasSuffix("]}"))
    }

    /// Reads the decision entries written since the oldest row (an hour early, for clock
    /// steps) and checks every row; a row without an entry is judged only when an older row
    /// has one (decisions from before entries named their ids are not).
    public static func read(for rows: [DecisionRow], from host: any DatabaseHost) async throws -> Reading {
        var reading = Reading()
        guard let oldest = rows.map(\.at).min() else { return reading }
        let from = StoreTime.parse(oldest).map { StoreTime.format($0.addingTimeInterval(-3_600)) }
        let wanted = Set(rows.map(\.id))
        var found: [Int: AuditEntry] = [:]
        for entry in try await AuditStore(host: host).auditEntries(AuditQuery(from: from, kind: "decision", limit: 10_000_000)) {
            guard let id = decisionId(in: entry.record.details), wanted.contains(id) else { continue }
            found[id] = entry
        }
        let firstTracked = rows.filter { found[$0.id] != nil }.map(\.id).min()
        for row in rows {
            guard let entry = found[row.id] else {
                if let firstTracked, row.id > firstTracked { reading.findings[row.id, default: []].append("no audit entry names this decision") }
                continue
            }
            reading.entries[row.id] = entry.id
            let expected = AuditChain.hash(id: entry.id, at: entry.at, record: entry.record, previousHash: entry.previousHash, encoding: entry.encoding)
            if expected != entry.hash {
                reading.findings[row.id, default: []].append("audit entry #\(entry.id) no longer matches its hash (edited; run `vigil audit verify`)")
            }
            if !detailsRecord(entry.record.details, row) || entry.record.rule != row.rule || entry.record.outcome != row.kind
                || !columnsAgree(row) {
                reading.findings[row.id, default: []].append("the stored decision differs from audit entry #\(entry.id)")
            }
        }
        return reading
    }

    /// Whether the columns a listing shows (time, rule, rule version, kind, mode, target,
    /// action, reason) say what the row's JSON — the part the entry's bytes are compared with —
    /// says. (The rule version sends an auditor to the text that decided: `rules show-version`.)
    static func columnsAgree(_ row: DecisionRow) -> Bool {
        guard let decision = try? decoder.decode(Decision.self, from: Data(row.json.utf8)) else { return false }
        return decision.rule == row.rule && decision.ruleHash == row.ruleHash && decision.kind.rawValue == row.kind && decision.mode.rawValue == row.mode
            && decision.target.key == row.target && decision.action?.label == row.action && decision.reason == row.reason
            && StoreTime.format(decision.time).prefix(19) == row.at.prefix(19)
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601   // as `RuleRunner.encoder` writes it
        return decoder
    }()

    /// The decision id at the start of an entry's details, nil when it names none.
    static func decisionId(in details: String) -> Int? {
        let prefix = "{\"decisionId\":"
        guard details.hasPrefix(prefix) else { return nil }
        return Int(details.dropFirst(prefix.count).prefix { $0.isNumber })
    }
}
