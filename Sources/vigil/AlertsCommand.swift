import Alerts
import Audit
import CPMS
import Foundation
import Remediation
import ServiceLog
import VendorCatalog
import YAMLKit

/// `vigil alerts list|deliveries|retry|silence|silences|unsilence`: for on-call and operators.
///   list [--status open|resolved] [--limit N]          alerts, one per rule and target
///   deliveries [--status pending|delivered|dead] [--limit N]   the webhook outbox
///   retry ID | --all-dead                              put dead deliveries back in the queue
///   silence [--rule R] [--station S] [--site S] [--severity V] (--for 2h | --until T) --reason TEXT [--by NAME]
///   silences [--all]   unsilence ID
struct AlertsCommand {
    /// The verbs, as typed; `run` switches over every one (`CommandName.verbs`).
    enum Verb: String, CaseIterable, Sendable {
        case list, deliveries, retry, silence, silences, unsilence
    }

    let verb: Verb
    let arguments: Arguments

    init(arguments: [String]) throws(UsageError) {
        verb = try parseVerb(arguments, of: .alerts)
        self.arguments = Arguments(arguments.dropFirst(), flagNames: ["all-dead", "all", "json"])
    }

    func run() async throws -> Int32 {
        let store = try openStore(at: arguments.database, create: false)
        let now = StoreTime.format(Date())
        switch verb {
        case .list:
            try arguments.rejectUnknown(allowed: ["db", "status", "limit", "json"])
            let rows = try await AlertStore(host: store).alerts(status: arguments.choice("status", among: AlertRow.statuses), limit: try arguments.integer("limit", default: 50))
            return try await checkedListing(rows, named: "alert", kind: "alert", since: rows.map(\.firstSeen).min(), store: store,
                                            id: \.id, json: \.jsonObject, check: AlertTrail.check, empty: "no alerts", what: "alert") { row in
                // An alert never sent was silenced (kept, not delivered): say so beside its status.
                "#\(row.id)  \(row.status)\(row.lastNotified == nil ? " (not sent: silenced, filtered, or no endpoint)" : "")  [\(row.severity)]  \(row.rule)  \(row.target)  ×\(row.count)  first \(row.firstSeen)  last \(row.lastSeen)  \(row.title)"
            }
        case .deliveries:
            try arguments.rejectUnknown(allowed: ["db", "status", "limit", "json"])
            let rows = try await AlertStore(host: store).deliveries(status: arguments.choice("status", among: OutboxRow.statuses), limit: try arguments.integer("limit", default: 50))
            return try await checkedListing(rows, named: "delivery", kind: "alert", since: rows.map(\.createdAt).min(), store: store,
                                            id: \.id, json: \.jsonObject, check: AlertTrail.check, empty: "no deliveries", what: "delivery") { row in
                // When it was delivered, or when it is tried next: a delivered row's next-attempt
                // column is only its last claim's expiry, no retry.
                "#\(row.id)  \(row.status)  alert #\(row.alertId) \(row.event)  \(row.endpoint)  attempts \(row.attempts)  "
                    + (row.status == "delivered" ? "delivered \(row.deliveredAt ?? "-")" : row.status == "dead" ? "given up" : "next \(row.nextAttemptAt)")
                    + (row.lastError.map { "  last error: " + $0 } ?? "")
            }
        case .retry:
            try arguments.rejectUnknown(allowed: ["db", "all-dead", "by", "audit-key"])
            let id = arguments.positional.first.flatMap { Int($0) }
            guard id != nil || arguments.has("all-dead") else { throw UsageError("alerts retry needs a delivery id or --all-dead") }
            let count = try await AlertStore(host: store).retryDeliveries(id: id, now: now)
            guard count > 0 else {
                // Nothing changed: nothing to put on the trail.
                printLine(id.map { "no dead delivery #\($0) to retry" } ?? "no dead deliveries to retry")
                return 1
            }
            try await audit(store, AuditRecord(kind: "operator", actor: person, action: "alerts retry", outcome: "\(count)",
                                               details: id.map { "delivery #\($0)" } ?? "all dead deliveries"))
            printLine("\(count) deliver\(count == 1 ? "y" : "ies") queued again")
            return 0
        case .silence:
            try arguments.rejectUnknown(allowed: ["db", "rule", "station", "site", "severity", "for", "until", "reason", "by", "audit-key"])
            guard let reason = arguments.value("reason") else { throw UsageError("alerts silence needs --reason (it goes on the record)") }
            guard ["rule", "station", "site", "severity"].contains(where: { arguments.value($0) != nil }) else {
                throw UsageError("alerts silence needs at least one matcher: --rule, --station, --site or --severity")
            }
            let severity = try arguments.choice("severity", among: Severity.allCases.map(\.rawValue)).flatMap(Severity.init(rawValue:))
            let end: Date
            if let until = try arguments.instant("until") {
                end = until.date
            } else if let text = arguments.value("for"), let seconds = Self.seconds(text) {
                end = Date().addingTimeInterval(seconds)
            } else {
                throw UsageError("alerts silence needs --for DURATION (30m, 2h, 1d) or --until TIME")
            }
            guard end > Date() else { throw UsageError("the silence would already be over") }
            let id = try await AlertStore(host: store).addSilence(rule: arguments.value("rule"), station: arguments.value("station"), site: arguments.value("site"),
                                                severity: severity, startsAt: now, endsAt: StoreTime.format(end),
                                                by: person, reason: reason, now: now)
            try await audit(store, AuditRecord(kind: "operator", actor: person, station: arguments.value("station"), site: arguments.value("site"),
                                               rule: arguments.value("rule"), action: "silence", outcome: "#\(id)",
                                               details: AlertTrail.silenceDetails(silence: id, status: "inForce", severity: severity,
                                                                                  endsAt: StoreTime.format(end), reason: reason)))
            printLine("silence #\(id) in force until \(StoreTime.format(end))")
            // A misspelt id silences nothing: said, though a station not registered yet may be meant.
            if let station = arguments.value("station"), try await store.registration(of: station) == nil {
                printError("note: the registry has no station \(station.debugDescription) (yet); the silence matches that id exactly — check it")
            }
            return 0
        case .silences:
            try arguments.rejectUnknown(allowed: ["db", "all", "json"])
            let rows = try await AlertStore(host: store).silences(at: now, includeEnded: arguments.has("all"))
            return try await checkedListing(rows, named: "silence", kind: "operator", since: rows.map(\.startsAt).min(), store: store,
                                            id: \.id, json: \.jsonObject, check: AlertTrail.check, empty: "no silences in force",
                                            what: "silence") { row in
                let matchers = [("rule", row.rule), ("station", row.station), ("site", row.site), ("severity", row.severity?.rawValue)]
                    .compactMap { name, value in value.map { "\(name)=\($0)" } }.joined(separator: " ")
                return "#\(row.id)  \(matchers)  \(row.startsAt) → \(row.endsAt)  by \(row.createdBy): \(row.reason)"
            }
        case .unsilence:
            try arguments.rejectUnknown(allowed: ["db", "by", "audit-key"])
            guard let id = arguments.positional.first.flatMap({ Int($0) }) else { throw UsageError("alerts unsilence needs a silence id") }
            // What it matched goes on the entry too, so filters by station, site or rule find it.
            let silence = try await AlertStore(host: store).silences(at: now, includeEnded: true).first { $0.id == id }
            guard try await AlertStore(host: store).endSilence(id: id, now: now) else {
                printError("vigil: no silence #\(id)")
                return 1
            }
            try await audit(store, AuditRecord(kind: "operator", actor: person, station: silence?.station, site: silence?.site,
                                               rule: silence?.rule, action: "unsilence", outcome: "#\(id)",
                                               details: AlertTrail.silenceDetails(silence: id, status: "ended", reason: "ended early")))
            printLine("silence #\(id) ended")
            return 0
        }
    }

    var person: String { arguments.person }

    func audit(_ store: StationStore, _ record: AuditRecord) async throws {
        try await OneShotAudit.record(record, store: store, arguments: arguments)
    }

    /// A listed row's JSON with its audit entries' ids and, when it disagrees with them, the findings.
    static func withTrail(_ object: [String: Any], id: Int, entries: [Int: [AuditEntry]], findings: [Int: [String]]) -> [String: Any] {
        var object = object
        object["auditEntries"] = (entries[id] ?? []).map(\.id)
        if let problems = findings[id], !problems.isEmpty { object["auditFindings"] = problems }
        return object
    }

    static func seconds(_ text: String) -> TimeInterval? { DurationText.seconds(text).flatMap { $0 > 0 ? $0 : nil } }

    /// A listing of alert-table rows, each checked against the audit entries naming it
    /// (`AlertTrail`): JSON objects with `auditEntries` (and `auditFindings`), or one line per
    /// row with `[audit #…]` and an `AUDIT MISMATCH` line per problem; exit 1 on a mismatch.
    func checkedListing<Row>(_ rows: [Row], named key: String, kind: String, since oldest: String?, store: StationStore,
                             id: (Row) -> Int, json: (Row) -> [String: Any], check: (Row, [AuditEntry]) -> [String],
                             empty: String, what: String, line: (Row) -> String) async throws -> Int32 {
        let entries = try await AlertTrail.entries(named: key, kind: kind, since: oldest, from: store)
        let findings = AlertTrail.findings(rows, id: id, entries: entries, check: check)
        if arguments.has("json") {
            printLine(JSONOutput.text(rows.map { Self.withTrail(json($0), id: id($0), entries: entries, findings: findings) }))
            return try mismatches(findings, of: what)
        }
        if rows.isEmpty { printLine(empty) }
        for row in rows {
            let audit = (entries[id(row)] ?? []).map { "#\($0.id)" }.joined(separator: ",")
            printStoredLine(line(row) + (audit.isEmpty ? "" : "  [audit \(audit)]"))
            for problem in findings[id(row)] ?? [] { printLine("  AUDIT MISMATCH: \(problem)") }
        }
        return try mismatches(findings, of: what)
    }

    /// After a listing: exit 1, with a line on standard error, when a row disagreed with the
    /// audit trail (the table was changed outside Vigil, or the trail was).
    func mismatches(_ findings: [Int: [String]], of what: String) throws -> Int32 {
        guard !findings.isEmpty else { return 0 }
        printError("\(findings.count) \(what) record(s) disagree with the audit trail: the table was changed outside Vigil, or the trail was (vigil audit verify checks the trail)\n")
        return 1
    }
}
