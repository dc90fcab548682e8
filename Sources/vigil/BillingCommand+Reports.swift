import Billing
import Foundation
import ServiceLog

/// The finance verbs: export, totals, rerate.
extension BillingCommand {
    func export() async throws -> Int32 {
        let (from, to) = try period()
        guard let format = try arguments.choice("format", among: ["csv", "jsonl"]) else {
            throw UsageError("billing export needs --format csv or --format jsonl")
        }
        let cdrs = try await service().billing.cdrs(from: from, to: to, site: arguments.value("site"))
        // The text as is (printText: CSV rows end in CRLF, which printLine would follow with another
        // line break); a reader that goes away ends vigil quietly with 141, like every listing.
        let text = format == "csv" ? CDRExport.csv(cdrs) : CDRExport.jsonl(cdrs)
        printText(text)
        return 0
    }

    func totals() async throws -> Int32 {
        let (from, to) = try period()
        let totals = CDRExport.totals(try await service().billing.cdrs(from: from, to: to, site: arguments.value("site")))
        if arguments.has("json") {
            printLine(Self.json(totals.map { total -> [String: Any] in
                ["site": total.site as Any, "group": total.group, "currency": total.currency.code, "sessions": total.sessions,
                 "energyKWh": Money.decimal(total.energy, scale: 6), "net": total.currency.major(total.net),
                 "vat": total.currency.major(total.vat), "gross": total.currency.major(total.gross)]
            }))
            return 0
        }
        guard !totals.isEmpty else { printLine("no CDRs for sessions that stopped in that period"); return 0 }
        var table = TextTable([TextTable.Column("SITE"), TextTable.Column("GROUP"), TextTable.Column("CURRENCY"),
                               TextTable.Column("SESSIONS", alignsRight: true), TextTable.Column("kWh", alignsRight: true),
                               TextTable.Column("NET", alignsRight: true), TextTable.Column("VAT", alignsRight: true),
                               TextTable.Column("GROSS", alignsRight: true)])
        for total in totals {
            table.append([total.site ?? "-", total.group, total.currency.code, String(total.sessions), Money.decimal(total.energy / 1_000, scale: 3),
                          total.currency.major(total.net), total.currency.major(total.vat), total.currency.major(total.gross)])
        }
        for line in table.lines { printStoredLine(line) }
        return 0
    }

    func rerate() async throws -> Int32 {
        guard let draftPath = arguments.value("config") else { throw UsageError("billing rerate needs --config DRAFT.yaml with the draft tariffs") }
        let draft = try Self.readTariffs(path: draftPath)
        guard !draft.isEmpty else { throw CommandFailure(description: "\(draftPath) has no tariffs to rerate with") }
        let (from, to) = try period()
        let report = try await service().rerate(draft: draft, from: from, to: to)
        func amount(_ currency: Currency?, _ value: Int?) -> Any { value.flatMap { value in currency.map { $0.major(value) } } as Any }
        if arguments.has("json") {
            printLine(Self.json([
                "sessions": report.lines.count, "changed": report.changed,
                "totals": report.totals.map { ["currency": $0.currency.code, "sessions": $0.sessions, "notCompared": $0.notCompared,
                                              "oldNet": $0.currency.major($0.oldNet), "oldGross": $0.currency.major($0.oldGross),
                                              "newNet": $0.currency.major($0.newNet), "newGross": $0.currency.major($0.newGross)] },
                "lines": report.lines.map { line -> [String: Any] in
                    ["session": line.session, "station": line.station, "oldTariff": line.oldTariff as Any,
                     "oldGross": amount(line.oldCurrency, line.oldGross), "oldCurrency": line.oldCurrency?.code as Any,
                     "newTariff": line.newTariff as Any, "newGross": amount(line.newCurrency, line.newGross),
                     "newCurrency": line.newCurrency?.code as Any, "problem": line.problem as Any,
                     "notCompared": report.notComparedReason(line) as Any]
                },
            ] as [String: Any]))
            return 0
        }
        printLine("\(report.lines.count) sessions ended in the period; \(report.changed) priced differently under \(draftPath) (nothing written)")
        var table = TextTable([TextTable.Column("CURRENCY"), TextTable.Column("SESSIONS", alignsRight: true),
                               TextTable.Column("OLD NET", alignsRight: true), TextTable.Column("OLD GROSS", alignsRight: true),
                               TextTable.Column("NEW NET", alignsRight: true), TextTable.Column("NEW GROSS", alignsRight: true),
                               TextTable.Column("NOT COMPARED", alignsRight: true)])
        for total in report.totals {
            table.append([total.currency.code, String(total.sessions), total.currency.major(total.oldNet), total.currency.major(total.oldGross),
                          total.currency.major(total.newNet), total.currency.major(total.newGross), String(total.notCompared)])
        }
        for line in table.lines { printLine(line) }
        for line in report.lines {
            guard let reason = report.notComparedReason(line) else { continue }
            printStoredLine("session \(line.session) (\(line.station)): \(reason)")
        }
        return 0
    }
}
