import CPMS
import Foundation
import OCPP
import ServiceLog
import VendorCatalog

/// `vigil codes check|lookup|list`: the vendor error-code catalogue for operators.
///   check [DIR]                        validate every file; exit 1 on any error
///   lookup --vendor V --code C [--model M] [--firmware F] [--ocpp-error E] [--dir DIR]
///   list [--vendor V] [--dir DIR]
///   gaps [--db PATH]                   vendor codes seen that the catalogue does not document
struct CodesCommand {
    /// The verbs, as typed; `run` switches over every one (`CommandName.verbs`).
    enum Verb: String, CaseIterable, Sendable {
        case check, lookup, list, gaps
    }

    let verb: Verb
    let arguments: Arguments

    init(arguments: [String]) throws(UsageError) {
        verb = try parseVerb(arguments, of: .codes)
        self.arguments = Arguments(arguments.dropFirst(), flagNames: ["json"])
    }

    func gaps() async throws -> Int32 {
        let path = try arguments.database
        let gaps = try await openStore(at: path, create: false).gaps()
        if arguments.has("json") {
            printLine(JSONOutput.text(gaps.map { gap -> [String: Any] in
                var object: [String: Any] = ["vendor": gap.vendor, "code": gap.code, "count": gap.count,
                                             "firstSeen": gap.firstSeen, "lastSeen": gap.lastSeen]
                object["exampleStation"] = gap.exampleStation
                return object
            }))
            return 0
        }
        if gaps.isEmpty {
            printLine("no catalogue gaps recorded in \(path)")
            return 0
        }
        // Columns as wide as their content: a long vendor name or code is never cut (padding(toLength:) cut them).
        var table = TextTable([TextTable.Column("COUNT", alignsRight: true), TextTable.Column("VENDOR"), TextTable.Column("CODE"),
                               TextTable.Column("FIRST SEEN"), TextTable.Column("LAST SEEN"), TextTable.Column("EXAMPLE")])
        for gap in gaps { table.append([String(gap.count), gap.vendor, gap.code, gap.firstSeen, gap.lastSeen, gap.exampleStation ?? "-"]) }
        for line in table.lines { printLine(line) }
        return 0
    }

    var directory: String { arguments.value("dir") ?? arguments.positional.first ?? "VendorCodes" }

    func run() async throws -> Int32 {
        switch verb {
        case .gaps:
            try arguments.rejectUnknown(allowed: ["db", "json"])
            return try await gaps()
        case .check:
            try arguments.rejectUnknown(allowed: [])
            return check()
        case .lookup:
            try arguments.rejectUnknown(allowed: ["vendor", "code", "model", "firmware", "ocpp-error", "dir"])
            guard arguments.value("code") != nil || arguments.value("ocpp-error") != nil else {
                throw UsageError("codes lookup needs --code (and --vendor) or --ocpp-error")
            }
            // An OCPP error code is one of 1.6's (any letter case) or a 2.0.1 Component/Variable.
            if let error = arguments.value("ocpp-error"), !error.contains("/"),
               !V16.StatusNotificationRequest.ErrorCode.allCases.contains(where: { $0.rawValue.caseInsensitiveCompare(error) == .orderedSame }) {
                throw UsageError("--ocpp-error must be an OCPP 1.6 error code (\(V16.StatusNotificationRequest.ErrorCode.allCases.map(\.rawValue).joined(separator: ", "))) "
                                 + "or a 2.0.1 Component/Variable, got \(error.debugDescription)")
            }
            return try lookup()
        case .list:
            try arguments.rejectUnknown(allowed: ["vendor", "dir", "json"])
            return try list()
        }
    }

    func check() -> Int32 {
        do {
            let catalog = try VendorCatalog.load(directory: directory)
            let entries = catalog.vendors.flatMap(\.allEntries).count + (catalog.generic?.allEntries.count ?? 0)
            printLine("\(directory): \(catalog.vendors.count) vendors, \(entries) codes, no errors")
            return 0
        } catch {
            for problem in error.errors { printLine(problem.description) }
            printLine("\(error.errors.count) error\(error.errors.count == 1 ? "" : "s")")
            return 1
        }
    }

    func load() throws -> VendorCatalog {
        do { return try VendorCatalog.load(directory: directory) } catch {
            throw CommandFailure(description: "\(directory) has errors; run `vigil codes check \(directory)`:\n\(error)")
        }
    }

    /// Without `--model`, a code documented only for some model families is not a gap: every
    /// entry of that code is shown, each with its family and the models it covers.
    func lookup() throws -> Int32 {
        let catalog = try load()
        let vendor = arguments.value("vendor")
        let model = arguments.value("model")
        let query = CatalogQuery(vendorId: vendor, chargePointVendor: vendor, model: model,
                                 firmware: arguments.value("firmware"), vendorErrorCode: arguments.value("code"),
                                 ocppErrorCode: arguments.value("ocpp-error"))
        let profile = catalog.vendor(for: query)
        let everyFamily = model == nil ? (arguments.value("code").flatMap { profile?.allEntries(code: $0) } ?? []) : []
        if let profile, everyFamily.contains(where: { !$0.families.isEmpty }) {
            printLine("\(profile.name) code \(arguments.value("code") ?? "-") without --model: \(everyFamily.count) "
                      + "entr\(everyFamily.count == 1 ? "y" : "ies") by model family")
            for entry in everyFamily { printEntry(entry, basis: .vendorCode, families: familyLines(entry, of: profile)) }
            return 0
        }
        guard let match = catalog.lookup(query) else {
            if let code = arguments.value("code") {
                printLine("no entry for \(vendor ?? "?") code \(code) (a catalogue gap)")
            } else {
                printLine("no generic entry for OCPP error \(arguments.value("ocpp-error") ?? "-")")
            }
            if let profile, let code = arguments.value("code") {
                let elsewhere = profile.allEntries(code: code).flatMap { familyLines($0, of: profile) }
                if !elsewhere.isEmpty { printLine("  documented for other families only:\n" + elsewhere.map { "    - \($0)" }.joined(separator: "\n")) }
            }
            return 1
        }
        printEntry(match.entry, basis: match.basis, families: profile.map { familyLines(match.entry, of: $0) } ?? [])
        return 0
    }

    /// "Terra AC wallbox (terra-ac): models CDT_TACW*, firmware >=1.6.0" per family of the entry.
    func familyLines(_ entry: CatalogEntry, of profile: VendorProfile) -> [String] {
        entry.families.map { id in
            guard let family = profile.family(id: id) else { return id }
            let firmware = family.firmware.map { ", firmware \($0)" } ?? ""
            return "\(family.name) (\(id)): models \(family.models.map(\.pattern).joined(separator: ", "))\(firmware)"
        }
    }

    func printEntry(_ entry: CatalogEntry, basis: CatalogMatch.Basis, families: [String]) {
        printLine("\(entry.vendor) \(entry.code): \(entry.title)\(basis == .genericErrorCode ? " (generic OCPP guidance)" : "")")
        for family in families { printLine("  family:       \(family)") }
        if entry.families.isEmpty && basis == .vendorCode { printLine("  family:       every model of the vendor") }
        printLine("  meaning:      \(entry.meaning)")
        printLine("  severity:     \(entry.severity.rawValue), \(entry.category.rawValue)")
        printLine("  autoReset:    " + (entry.neverAutoReset
            ? "never (Vigil must not reset this fault remotely; someone on site decides)" : "allowed"))
        printLine("  remedy:       \(entry.remedy.rawValue)")
        printLine("  remedySource: " + (entry.remedySource == .manufacturer
            ? "manufacturer (the cited source gives this remedy)" : "inferred (Vigil's reading; the source does not give this remedy)"))
        if !entry.onCall.isEmpty { printLine("  on call:\n" + entry.onCall.map { "    - \($0)" }.joined(separator: "\n")) }
        if !entry.technician.isEmpty { printLine("  technician:\n" + entry.technician.map { "    - \($0)" }.joined(separator: "\n")) }
        printLine("  source:       \(entry.source.citation)")
        printLine("  defined at:   \(entry.location)")
    }

    func list() throws -> Int32 {
        let catalog = try load()
        let wanted = arguments.value("vendor").map { Glob($0) }
        let vendors = (catalog.vendors + (catalog.generic.map { [$0] } ?? [])).filter { wanted?.matches($0.name) ?? true }
        guard !vendors.isEmpty else {
            printError("vigil: no vendor matches \(arguments.value("vendor") ?? "")")
            return 1
        }
        if arguments.has("json") {
            printLine(JSONOutput.text(vendors.map { vendor -> [String: Any] in
                ["vendor": vendor.name, "file": vendor.file, "codeFormat": vendor.codeFormat.rawValue,
                 "codes": vendor.allEntries.map { entry -> [String: Any] in
                     ["code": entry.code, "severity": entry.severity.rawValue, "category": entry.category.rawValue,
                      "neverAutoReset": entry.neverAutoReset, "remedy": entry.remedy.rawValue, "title": entry.title,
                      "families": entry.families]
                 }]
            }))
            return 0
        }
        for vendor in vendors {
            printLine("\(vendor.name) (\(vendor.file), \(vendor.codeFormat.rawValue) codes)")
            // Columns as wide as their content: a long severity or remedy no longer runs into the next column.
            var table = TextTable([TextTable.Column("CODE"), TextTable.Column("SEVERITY"), TextTable.Column("RESET"),
                                   TextTable.Column("REMEDY"), TextTable.Column("TITLE")])
            for entry in vendor.allEntries {
                table.append([entry.code, entry.severity.rawValue, entry.neverAutoReset ? "NEVER-RESET" : "", entry.remedy.rawValue, entry.title])
            }
            for line in table.lines { printLine("  " + line) }
        }
        return 0
    }
}

