import CPMS
import Foundation
import RuleEngine
import ServiceLog

/// `vigil metrics availability [--station ID | --site S] [--from T --to T] [--json] [--db PATH]
/// [--config FILE]`: connector availability over a range (the last 24 hours by default), per
/// connector and in total, with downtime by cause (docs/operator-guide.md, "Reliability
/// metrics"). Maintenance windows come from the serve configuration file.
struct MetricsCommand {
    /// The verbs, as typed; `run` switches over every one (`CommandName.verbs`).
    enum Verb: String, CaseIterable, Sendable {
        case availability
    }

    let verb: Verb
    let arguments: Arguments

    init(arguments: [String]) throws(UsageError) {
        verb = try parseVerb(arguments, of: .metrics)
        self.arguments = Arguments(arguments.dropFirst(), flagNames: ["json"])
        try self.arguments.rejectUnknown(allowed: ["db", "json", "station", "site", "from", "to", "config"])
    }

    func run() async throws -> Int32 {
        switch verb {
        case .availability:
            if arguments.value("station") != nil && arguments.value("site") != nil {
                throw UsageError("metrics availability takes --station or --site, not both")
            }
            let to = try arguments.time("to", bound: .upper).flatMap(StoreTime.parse) ?? Date()
            let from = try arguments.time("from").flatMap(StoreTime.parse) ?? to.addingTimeInterval(-86_400)
            guard from < to else { throw UsageError("--from must be before --to") }
            let windows = try arguments.value("config").map { try ServeConfigFile.load(path: $0).maintenance } ?? []
            let store = try openStore(at: arguments.databasePath, create: false)
            let report = try await store.availability(station: arguments.value("station"), site: arguments.value("site"),
                                                      from: from, to: to) { station, site in
                MaintenanceWindow.intervals(windows, station: station, site: site)
            }
            if let station = arguments.value("station"), report.connectors.isEmpty {
                printLine("no station \(station) in \(arguments.databasePath)")
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

    /// `1h02m`, `4m10s`, `0`: downtime at a glance (the JSON has the seconds).
    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole == 0 { return "0" }
        let (hours, rest) = whole.quotientAndRemainder(dividingBy: 3_600)
        let (minutes, secs) = rest.quotientAndRemainder(dividingBy: 60)
        return hours > 0 ? String(format: "%dh%02dm", hours, minutes) : minutes > 0 ? String(format: "%dm%02ds", minutes, secs) : "\(secs)s"
    }
}
