import CPMS
import Foundation
import Remediation
import ServiceLog
import VendorCatalog

/// `vigil metrics errors [--station ID | --site S] [--from T --to T] [--limit N]
/// [--vendor-codes DIR] [--json]`: the most frequent fault codes (`ErrorMetricsReport`), and
/// `vigil metrics remediation [--site S] [--from T --to T] [--json]`: how remediation fared
/// (`RemediationEffectivenessReport`).
extension MetricsCommand {
    func errors() async throws -> Int32 {
        let (from, to) = try range()
        let limit = try arguments.integer("limit", default: 20)
        guard (1...1_000).contains(limit) else { throw UsageError("--limit must be 1…1000, got \(limit)") }
        let config = try arguments.value("config").map { try ServeConfigFile.load(path: $0) } ?? ServeConfigFile()
        guard let store = try await openScoped(sites: config.sites) else { return 1 }
        let path = arguments.value("vendor-codes") ?? ProcessInfo.processInfo.environment["VIGIL_VENDOR_CODES"] ?? "VendorCodes"
        let catalog: VendorCatalog?
        do { catalog = try VendorCatalog.load(directory: path) } catch {
            printError("warning: no vendor catalogue from \(path) (\(error.errors.first?.description ?? "unreadable")); titles are left out\n")
            catalog = nil
        }
        let report = try await store.errorMetrics(station: arguments.value("station"), site: arguments.value("site"), from: from, to: to,
                                                  limit: limit, catalog: catalog)
        if arguments.has("json") {
            printLine(SessionsCommand.json(report.jsonObject))
            return 0
        }
        printLine("errors \(StoreTime.format(report.from)) – \(StoreTime.format(report.to)), most frequent first")
        var table = TextTable([TextTable.Column("SITE"), TextTable.Column("VENDOR"), TextTable.Column("CODE"),
                               TextTable.Column("COUNT", alignsRight: true), TextTable.Column("STATIONS", alignsRight: true),
                               TextTable.Column("MTTR", alignsRight: true), TextTable.Column("MTBF", alignsRight: true),
                               TextTable.Column("LAST SEEN"), TextTable.Column("TITLE")])
        for group in report.errors {
            table.append([group.site ?? "-", group.vendor, group.code, String(group.count), String(group.stations.count),
                          group.meanTimeToRecoverySeconds.map(Self.duration) ?? "-", group.meanTimeBetweenFaultsSeconds.map(Self.duration) ?? "-",
                          StoreTime.format(group.lastSeen), group.title ?? "-"])
        }
        for line in table.lines { printStoredLine(line) }
        if report.errors.isEmpty { printLine("no faults began in the range") }
        return 0
    }

    func remediation() async throws -> Int32 {
        let (from, to) = try range()
        let config = try arguments.value("config").map { try ServeConfigFile.load(path: $0) } ?? ServeConfigFile()
        guard let store = try await openScoped(sites: config.sites) else { return 1 }
        let report = try await CommandStore(host: store).effectiveness(store: store, site: arguments.value("site"), from: from, to: to)
        if arguments.has("json") {
            printLine(SessionsCommand.json(report.jsonObject))
            return 0
        }
        let figures = report.figures
        printLine("remediation \(StoreTime.format(report.from)) – \(StoreTime.format(report.to))")
        func table(_ title: String, _ rows: [RemediationEffectiveness.Row]) {
            var table = TextTable([TextTable.Column(title), TextTable.Column("ACTIONS", alignsRight: true),
                                   TextTable.Column("VERIFIED", alignsRight: true), TextTable.Column("SHARE", alignsRight: true),
                                   TextTable.Column("MEDIAN RECOVERY", alignsRight: true)])
            for row in rows {
                table.append([row.key.joined(separator: " "), String(row.actions), String(row.verified),
                              row.verifiedShare.map { String(format: "%.1f%%", $0 * 100) } ?? "-",
                              row.medianRecoverySeconds.map(Self.duration) ?? "-"])
            }
            for line in table.lines { printStoredLine(line) }
        }
        if figures.byRule.isEmpty {
            printLine("no remediation action in the range")
        } else {
            table("RULE", figures.byRule)
            table("VENDOR MODEL", figures.byModel)
        }
        func faults(_ count: Int) -> String { count == 1 ? "1 fault" : "\(count) faults" }
        printLine("median recovery with a Vigil action: \(figures.medianRecoveryWithActionSeconds.map(Self.duration) ?? "-") "
                  + "(\(faults(figures.recoveriesWithAction.count))); without: \(figures.medianRecoveryWithoutActionSeconds.map(Self.duration) ?? "-") "
                  + "(\(faults(figures.recoveriesWithoutAction.count)))")
        return 0
    }
}
