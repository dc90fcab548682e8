import Billing
import CPMS
import Foundation
import ServiceLog

/// `vigil billing tariffs | unpriced | export | totals | rerate`: the config file's tariffs
/// with their stored versions, sessions that ended without a price, CDRs for finance systems
/// (CSV or JSONL), totals by site and customer group, and what a draft tariff file would have
/// charged. Reads the database `vigil serve` writes; writes nothing (docs/billing.md).
struct BillingCommand {
    /// The verbs, as typed; `run` switches over every one (`CommandName.verbs`).
    enum Verb: String, CaseIterable, Sendable {
        case tariffs, unpriced, export, totals, rerate
    }

    let verb: Verb
    let arguments: Arguments

    static let allowed: [Verb: Set<String>] = [
        .tariffs: ["config", "db", "json"], .unpriced: ["db", "json"], .export: ["from", "to", "format", "site", "db"],
        .totals: ["from", "to", "site", "db", "json"], .rerate: ["config", "from", "to", "db", "json"],
    ]

    init(arguments: [String]) throws(UsageError) {
        verb = try parseVerb(arguments, of: .billing)
        self.arguments = Arguments(arguments.dropFirst(), flagNames: ["json"])
        try self.arguments.rejectUnknown(allowed: Self.allowed[verb] ?? [])
    }

    func run() async throws -> Int32 {
        switch verb {
        case .tariffs: return try await tariffs()
        case .unpriced: return try await unpriced()
        case .export: return try await export()
        case .totals: return try await totals()
        case .rerate: return try await rerate()
        }
    }

    /// `--from` and `--to` (both required), as milliseconds; from before to.
    func period() throws(UsageError) -> (from: Int, to: Int) {
        guard let from = try arguments.instant("from"), let to = try arguments.instant("to") else {
            throw UsageError("billing \(verb.rawValue) needs --from T and --to T (RFC 3339 with a zone, e.g. 2026-12-01T00:00:00Z)")
        }
        let start = Int(from.secondsSinceEpoch) * 1_000 + Int(from.nanoseconds) / 1_000_000
        let end = Int(to.secondsSinceEpoch) * 1_000 + Int(to.nanoseconds) / 1_000_000
        guard start < end else { throw UsageError("--from must be before --to") }
        return (start, end)
    }

    /// The tariffs of the config file at `path`; every mistake in the file is a failure.
    static func readTariffs(path: String) throws -> [Tariff] {
        let (config, errors) = try ServeConfigFile.read(path: path)
        guard errors.isEmpty else {
            throw CommandFailure(description: "\(path) has errors (see `vigil config check \(path)`):\n"
                                 + errors.map(\.description).joined(separator: "\n"))
        }
        return config.tariffs
    }

    var configPath: String? { arguments.value("config") ?? ProcessInfo.processInfo.environment["VIGIL_CONFIG"] }

    func service() throws -> BillingService {
        BillingService(store: try openStore(at: arguments.database, create: false), timeZone: try SiteTimeZones.lookup(configPath: configPath))
    }

    func tariffs() async throws -> Int32 {
        let configured = try configPath.map(Self.readTariffs) ?? []
        // No database yet: only the config's tariffs. A file that is not Vigil's is refused (openStore).
        let noDatabaseYet: Bool
        switch try arguments.database {
        case .sqlite(let file): noDatabaseYet = !FileManager.default.fileExists(atPath: file)
        case let database: noDatabaseYet = try !database.exists()
        }
        let stored = noDatabaseYet ? [] : try await service().billing.versions()
        if configured.isEmpty && stored.isEmpty {
            if arguments.has("json") {
                printLine("[]")
                return 0
            }
            printLine(configPath == nil ? "no --config and no stored tariff versions" : "no tariffs in \(configPath ?? "") and none stored")
            return 0
        }
        let ids = Set(configured.map(\.id)).union(stored.map(\.tariffId)).sorted()
        var objects: [[String: Any]] = []
        var table = TextTable([TextTable.Column("TARIFF"), TextTable.Column("SCOPE"), TextTable.Column("CURRENCY"),
                               TextTable.Column("VERSION", alignsRight: true), TextTable.Column("VALID FROM"), TextTable.Column("HASH"),
                               TextTable.Column("CONFIG")])
        for id in ids {
            let versions = stored.filter { $0.tariffId == id }
            let tariff = configured.first { $0.id == id }
            let latest = versions.last
            let state: String
            if let tariff {
                if let latest {
                    state = latest.hash == TariffVersion.hash(TariffVersion.canonicalJSON(tariff)) ? "in force"
                        : "changed: serve stores v\(latest.version + 1) at its next start"
                } else {
                    state = "new: serve stores v1 at its next start"
                }
            } else {
                state = latest?.tariff == nil ? "withdrawn" : "not in the config: withdrawn at serve's next start"
            }
            let shown = tariff ?? latest?.tariff
            let scope = shown.map(Self.scope) ?? "-"
            table.append([id, scope, shown?.currency.code ?? "-", latest.map { String($0.version) } ?? "-",
                          latest.map { Instant.format($0.validFrom) } ?? "-", latest.map { String($0.hash.prefix(12)) } ?? "-", state])
            objects.append(["id": id, "scope": scope, "currency": shown?.currency.code as Any, "config": state,
                            "versions": versions.map { ["version": $0.version, "hash": $0.hash, "validFrom": Instant.format($0.validFrom),
                                                        "withdrawn": $0.tariff == nil, "tariff": Self.jsonObject($0.canonicalJSON)] }])
        }
        if arguments.has("json") { printLine(Self.json(objects)) } else { for line in table.lines { printLine(line) } }
        return 0
    }

    static func scope(_ tariff: Tariff) -> String {
        let parts = [tariff.site.map { "site=\($0)" }, tariff.connectorType.map { "connectorType=\($0)" }, tariff.group.map { "group=\($0)" }]
        let named = parts.compactMap { $0 }
        return named.isEmpty ? "default" : named.joined(separator: " ")
    }

    func unpriced() async throws -> Int32 {
        let sessions = try await service().billing.unpriced()
        if arguments.has("json") {
            printLine(Self.json(sessions.map { ["session": $0.session, "station": $0.station, "startTime": $0.startTime,
                                                "stopTime": $0.stopTime as Any, "reason": $0.reason,
                                                "recordedAt": $0.recordedAt.isEmpty ? NSNull() : $0.recordedAt as Any] }))
            return 0
        }
        guard !sessions.isEmpty else { printLine("no unpriced sessions"); return 0 }
        var table = TextTable([TextTable.Column("SESSION", alignsRight: true), TextTable.Column("STATION"), TextTable.Column("START"),
                               TextTable.Column("STOP"), TextTable.Column("REASON")])
        for session in sessions {
            table.append([String(session.session), session.station, session.startTime, session.stopTime ?? "-", session.reason])
        }
        for line in table.lines { printStoredLine(line) }
        return 0
    }

    static func json(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func jsonObject(_ text: String) -> Any {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) ?? text
    }
}
