import CPMS
import DomainEvents
import Foundation
import Fraud
import ServiceLog

/// `vigil fraud list [--from T] [--to T] [--station ID] [--kind K] [--limit N] [--json]`: the
/// fraud and integrity signals `vigil serve` stored (docs/billing.md), newest first. Reads the
/// database; writes nothing.
struct FraudCommand {
    /// The verbs, as typed; `run` switches over every one (`CommandName.verbs`).
    enum Verb: String, CaseIterable, Sendable {
        case list
    }

    let verb: Verb
    let arguments: Arguments

    static let allowed: [Verb: Set<String>] = [.list: ["from", "to", "station", "kind", "limit", "db", "json"]]

    init(arguments: [String]) throws(UsageError) {
        verb = try parseVerb(arguments, of: .fraud)
        self.arguments = Arguments(arguments.dropFirst(), flagNames: ["json"])
        try self.arguments.rejectUnknown(allowed: Self.allowed[verb] ?? [])
    }

    func run() async throws -> Int32 {
        switch verb {
        case .list: return try await list()
        }
    }

    /// The query the options describe; every bad value is a usage error naming its option.
    func query() throws(UsageError) -> FraudStore.Query {
        var query = FraudStore.Query()
        query.from = try arguments.instant("from")?.date
        query.to = try arguments.instant("to")?.date
        if let from = query.from, let to = query.to, from >= to { throw UsageError("--from must be before --to") }
        query.station = arguments.value("station")
        if let kind = try arguments.choice("kind", among: FraudSignal.Kind.allCases.map(\.rawValue)) {
            query.kind = FraudSignal.Kind(rawValue: kind)
        }
        let limit = try arguments.integer("limit", default: 1_000)
        guard (1...100_000).contains(limit) else { throw UsageError("--limit must be from 1 to 100000, got \(limit)") }
        query.limit = limit
        return query
    }

    func list() async throws -> Int32 {
        let query = try query()
        let store = try openStore(at: arguments.database, create: false)
        let signals = try await FraudStore(host: store).signals(query)
        // A station nobody knows is an error (exit 1), as for the metrics, not "no fraud
        // signals" (a removed station's signals stay listed).
        if signals.isEmpty, let station = query.station, try await store.station(station) == nil {
            printError("vigil: no station \(station.debugDescription) in \(try arguments.database)\n")
            return 1
        }
        if arguments.has("json") {
            printLine(JSONOutput.text(signals.map(\.jsonObject)))
            return 0
        }
        guard !signals.isEmpty else { printLine("no fraud signals"); return 0 }
        var table = TextTable([TextTable.Column("TIME"), TextTable.Column("SIGNAL"), TextTable.Column("STATION"),
                               TextTable.Column("CONN", alignsRight: true), TextTable.Column("SESSION", alignsRight: true),
                               TextTable.Column("TOKEN"), TextTable.Column("DETAIL")])
        for signal in signals {
            table.append([UTCTimestamp.format(signal.time, milliseconds: false), signal.kind.rawValue, signal.station,
                          signal.connector.map(String.init) ?? "-", signal.session.map(String.init) ?? "-", signal.idTag ?? "-",
                          signal.summary])
        }
        for line in table.lines { printStoredLine(line) }
        return 0
    }
}
