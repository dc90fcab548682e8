import CPMS
import Foundation
import RuleEngine
import ServiceLog

/// `vigil metrics sessions [--station ID | --site S] [--from T --to T] [--min-energy-kwh X]
/// [--config FILE] [--json]`: session counts, success rate, failures by reason, energy,
/// durations, utilisation and peak hours (`SessionMetricsReport`).
extension MetricsCommand {
    func sessions() async throws -> Int32 {
        let (from, to) = try range()
        let minEnergyKWh: Double
        if let text = arguments.value("min-energy-kwh") {
            guard let value = Double(text), value.isFinite, value >= 0 else {
                throw UsageError("--min-energy-kwh must be a number ≥ 0 such as 0.1, got \(text.debugDescription)")
            }
            minEnergyKWh = value
        } else {
            minEnergyKWh = 0.1
        }
        let config = try arguments.value("config").map { try ServeConfigFile.load(path: $0) } ?? ServeConfigFile()
        guard let store = try await openScoped(sites: config.sites) else { return 1 }
        let report = try await store.sessionMetrics(station: arguments.value("station"), site: arguments.value("site"), from: from, to: to,
                                                    minEnergyWh: minEnergyKWh * 1_000, sites: SiteDirectory(config.sites)) { station, site in
            MaintenanceWindow.intervals(config.maintenance, station: station, site: site)
        }
        if arguments.has("json") {
            printLine(SessionsCommand.json(report.jsonObject))
            return 0
        }
        printLine("sessions \(StoreTime.format(report.from)) – \(StoreTime.format(report.to)), successful with ≥ \(minEnergyKWh) kWh"
                  + ", local hours in \(report.timeZone.map(Site.identifier(of:)) ?? "each site's zone")")
        var table = TextTable([TextTable.Column("STATION"), TextTable.Column("SESSIONS", alignsRight: true),
                               TextTable.Column("SUCCESS", alignsRight: true), TextTable.Column("KWH", alignsRight: true),
                               TextTable.Column("MEDIAN", alignsRight: true), TextTable.Column("CHARGING", alignsRight: true),
                               TextTable.Column("OCCUPIED", alignsRight: true), TextTable.Column("FAILURES")])
        func percent(_ value: Double?) -> String { value.map { String(format: "%.1f%%", $0 * 100) } ?? "-" }
        func row(_ name: String, _ figures: SessionMetrics.Figures) -> [String] {
            [name, String(figures.sessions), percent(figures.successRate), String(format: "%.1f", figures.energyWh / 1_000),
             figures.medianDurationSeconds.map(Self.duration) ?? "-", percent(figures.chargingShare), percent(figures.occupiedShare),
             figures.failures.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")]
        }
        for entry in report.stations { table.append(row(entry.station, entry.figures)) }
        let total = report.total
        table.append(row("total", total))
        for line in table.lines { printStoredLine(line) }
        printLine("by hour (0–23): " + total.byHour.map(String.init).joined(separator: " "))
        printLine("by weekday (Mon–Sun): " + total.byWeekday.map(String.init).joined(separator: " "))
        return 0
    }
}
