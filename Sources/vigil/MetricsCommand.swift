import CPMS
import Foundation
import RuleEngine
import ServiceLog

/// `vigil metrics availability|sessions|errors|remediation [--station ID | --site S] [--from T
/// --to T] [--json] [--db PATH] [--config FILE]`: reliability metrics over a range (the last 24
/// hours by default; docs/operator-guide.md, "Reliability metrics"). Availability per
/// connector with downtime by cause; sessions (`+Sessions`), recurring errors and remediation
/// effectiveness (`+Faults`). Maintenance windows and sites' time zones come from the serve
/// configuration file.
struct MetricsCommand {
    /// The verbs, as typed; `run` switches over every one (`CommandName.verbs`).
    enum Verb: String, CaseIterable, Sendable {
        case availability, sessions, errors, remediation
    }

    let verb: Verb
    let arguments: Arguments

    init(arguments: [String]) throws(UsageError) {
        verb = try parseVerb(arguments, of: .metrics)
        self.arguments = Arguments(arguments.dropFirst(), flagNames: ["json"])
        var allowed: Set<String> = ["db", "json", "station", "site", "from", "to", "config"]
        switch verb {
        case .availability: break
        case .sessions: allowed.insert("min-energy-kwh")
        case .errors: allowed.formUnion(["limit", "vendor-codes"])
        case .remediation:
            allowed.remove("station")
            if self.arguments.value("station") != nil {
                throw UsageError("metrics remediation takes --site, not --station: it is measured per rule and per vendor/model")
            }
        }
        try self.arguments.rejectUnknown(allowed: allowed)
    }

    func run() async throws -> Int32 {
        if arguments.value("station") != nil && arguments.value("site") != nil {
            throw UsageError("metrics \(verb.rawValue) takes --station or --site, not both")
        }
        switch verb {
        case .sessions: return try await sessions()
        case .errors: return try await errors()
        case .remediation: return try await remediation()
        case .availability:
            let (from, to) = try range()
            let config = try arguments.value("config").map { try ServeConfigFile.load(path: $0) } ?? ServeConfigFile()
            let windows = config.maintenance
            guard let store = try await openScoped(sites: config.sites) else { return 1 }
            let report = try await store.availability(station: arguments.value("station"), site: arguments.value("site"),
                                                      from: from, to: to) { station, site in
                MaintenanceWindow.intervals(windows, station: station, site: site)
            }
            if let station = arguments.value("station"), report.connectors.isEmpty {
                printError("vigil: no station \(station) in \((try? arguments.database)?.description ?? "the database")")
                return 1
            }
            if arguments.has("json") {
                printLine(SessionsCommand.json(report.jsonObject))
                return 0
            }
            printLine("availability \(StoreTime.format(report.from)) – \(StoreTime.format(report.to))")
            var table = TextTable([TextTable.Column("STATION"), TextTable.Column("EVSE", alignsRight: true),
                                   TextTable.Column("CONN", alignsRight: true), TextTable.Column("AVAILABLE", alignsRight: true)]
                                  + ConnectorAvailability.Cause.allCases.map { TextTable.Column($0.rawValue.uppercased(), alignsRight: true) }
                                  + [TextTable.Column("NOTE")])
            func row(_ name: String, _ evse: String, _ connector: String, _ figures: ConnectorAvailability.Figures) -> [String] {
                [name, evse, connector, figures.availability.map { String(format: "%.2f%%", $0 * 100) } ?? "-"]
                    + ConnectorAvailability.Cause.allCases.map { Self.duration(figures.downtime[$0] ?? 0) }
                    + [figures.neverConnected ? "never connected" : ""]
            }
            for entry in report.connectors {
                table.append(row(entry.station, String(entry.evse), String(entry.connector), entry.figures))
            }
            table.append(row("total", "", "", report.total))
            for line in table.lines { printStoredLine(line) }
            return 0
        }
    }

    /// `--from` and `--to`: `to` defaults to now, `from` to 24 hours before it.
    func range() throws(UsageError) -> (Date, Date) {
        let to = try arguments.time("to", bound: .upper).flatMap(StoreTime.parse) ?? Date()
        let from = try arguments.time("from").flatMap(StoreTime.parse) ?? to.addingTimeInterval(-86_400)
        guard from < to else { throw UsageError("--from must be before --to") }
        return (from, to)
    }

    /// The store, and whether `--station` / `--site` name something in it (a site configured in
    /// `--config`'s `sites:` counts); prints what is missing when not.
    func openScoped(sites: [Site]) async throws -> StationStore? {
        let store = try openStore(at: arguments.database, create: false)
        if let station = arguments.value("station"), try await store.station(station) == nil {
            printError("vigil: no station \(station) in \((try? arguments.database)?.description ?? "the database")")
            return nil
        }
        if let site = arguments.value("site"), !sites.contains(where: { $0.id == site }),
           !(try await store.stations()).contains(where: { $0.site == site }) {
            printError("vigil: no site \(site) in \((try? arguments.database)?.description ?? "the database")" + (arguments.value("config").map { " or \($0)" } ?? ""))
            return nil
        }
        return store
    }

    /// `1h02m`, `4m10s`, `0`: downtime at a glance (the JSON has the seconds).
    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole == 0 { return "0" }
        let (hours, rest) = whole.quotientAndRemainder(dividingBy: 3_600)
        let (minutes, secs) = rest.quotientAndRemainder(dividingBy: 60)
        return hours > 0 ? String(format: "%dh%02dm", hours, minutes) : minutes > 0 ? String(format: "%dm%02ds", minutes, secs) : "\(secs)s"
    }
}
