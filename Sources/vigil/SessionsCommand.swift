import API
import CPMS
import Foundation
import ServiceLog

/// `vigil sessions list [--station ID] [--site S] [--status active|completed] [--token T]
/// [--from T] [--to T] [--before ID] [--limit N] | show ID  [--db PATH] [--json]`: charging
/// sessions with their meter samples, read from the database `vigil serve` writes. A listing is
/// one page, newest first; when more match, it ends by naming the next page's `--before`.
/// `evidence ID [--format json|html] [--out FILE] | evidence --verify FILE [--db PATH]`: a
/// session's dispute evidence pack, or the check of a saved one (`SessionsCommand+Evidence`).
struct SessionsCommand {
    /// The verbs, as typed; `run` switches over every one (`CommandName.verbs`).
    enum Verb: String, CaseIterable, Sendable {
        case list, show, evidence
    }

    let verb: Verb
    let arguments: Arguments

    init(arguments: [String]) throws(UsageError) {
        verb = try parseVerb(arguments, of: .sessions)
        self.arguments = Arguments(arguments.dropFirst(), flagNames: ["json"])
        switch verb {
        case .list, .show:
            try self.arguments.rejectUnknown(allowed: ["db", "json", "station", "site", "status", "token", "from", "to", "before", "limit"])
        case .evidence:
            try self.arguments.rejectUnknown(allowed: ["db", "format", "out", "verify"])
        }
    }

    /// The listing's filters; a bad status, time or number is a usage error naming the option.
    func query() throws(UsageError) -> SessionQuery {
        var query = SessionQuery(station: arguments.value("station"), site: arguments.value("site"), idToken: arguments.value("token"),
                                 limit: try arguments.integer("limit", default: 100))
        guard (1...10_000).contains(query.limit) else { throw UsageError("--limit must be 1…10000, got \(query.limit)") }
        query.status = try arguments.choice("status", among: SessionQuery.Status.allCases.map(\.rawValue)).flatMap(SessionQuery.Status.init(rawValue:))
        if arguments.value("before") != nil {
            query.before = try arguments.integer("before", default: 0)
            guard query.before ?? 0 > 0 else { throw UsageError("--before must be a session id (a positive integer)") }
        }
        query.from = try arguments.time("from").flatMap(StoreTime.parse)
        query.to = try arguments.time("to", bound: .upper).flatMap(StoreTime.parse)
        if let from = query.from, let to = query.to, from >= to { throw UsageError("--from must be before --to") }
        return query
    }

    func run() async throws -> Int32 {
        // `evidence --verify FILE` needs no database unless one is named: it opens its own.
        if verb == .evidence { return try await evidence() }
        let path = try arguments.database
        let store = try openStore(at: path, create: false)
        switch verb {
        case .evidence:
            return try await evidence()   // answered above
        case .list:
            let page = try await store.sessions(matching: try query())
            let sessions = page.sessions
            // An empty listing for a station the registry does not know is a misspelt id, not "no sessions".
            if sessions.isEmpty, let station = arguments.value("station"), try await store.registration(of: station) == nil {
                printError("vigil: no station \(station.debugDescription) in \(path)")
                return 1
            }
            if arguments.has("json") {
                printLine(Self.json(sessions.map { SessionJSON.object($0, samples: nil) }))
                return 0
            }
            // Columns as wide as their content (TextTable): a long station id or token is never misaligned.
            var table = TextTable([TextTable.Column("ID", alignsRight: true), TextTable.Column("STATION"),
                                   TextTable.Column("EVSE", alignsRight: true), TextTable.Column("TOKEN"), TextTable.Column("START"),
                                   TextTable.Column("STOP"), TextTable.Column("ENERGY Wh", alignsRight: true), TextTable.Column("REASON")])
            for session in sessions {
                table.append([String(session.id), session.station, String(session.evse), session.idToken ?? "-", session.startTime,
                              session.stopTime ?? "active", session.energyWh.map { String(format: "%.0f", $0) } ?? "-",
                              session.stopReason ?? (session.isActive ? "" : "-")])
            }
            for line in table.lines { printLine(line) }
            if let next = page.nextBefore { printLine("more sessions match: the next page is --before \(next)") }
            return 0
        case .show:
            guard let text = arguments.positional.first, let id = Int(text) else { throw UsageError("sessions show needs a numeric session id") }
            guard let session = try await store.session(id) else {
                printError("vigil: no session \(id) in \(path)")
                return 1
            }
            let samples = try await store.samples(session: id)
            if arguments.has("json") {
                printLine(Self.json(SessionJSON.object(session, samples: samples)))
                return 0
            }
            printStoredLine("session \(session.id) on \(session.station) EVSE \(session.evse) connector \(session.connector) (transaction \(session.transactionRef))")
            printStoredLine("  token \(session.idToken ?? "-") (\(session.authorization ?? "-")), \(session.isActive ? "active" : "completed")")
            printStoredLine("  start \(session.startTime) at \(session.meterStartWh.map { "\($0) Wh" } ?? "?")")
            printStoredLine("  stop  \(session.stopTime ?? "-") at \(session.meterStopWh.map { "\($0) Wh" } ?? "?"), reason \(session.stopReason ?? "-")")
            printStoredLine("  energy \(session.energyWh.map { "\($0) Wh" } ?? "-")")
            for anomaly in session.anomalies { printStoredLine("  anomaly: \(anomaly)") }
            for error in session.errors { printStoredLine("  fault: \(error)") }
            for sample in samples {
                printStoredLine("  \(sample.at)  \(sample.measurand)\(sample.phase.map { " \($0)" } ?? "") = \(sample.value) \(sample.unit ?? "")")
            }
            return 0
        }
    }

    static func json(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .prettyPrinted]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
