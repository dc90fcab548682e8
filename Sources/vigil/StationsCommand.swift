import CPMS
import Foundation

/// `vigil stations list|show ID [--db PATH] [--json]`: the registry, read from the same
/// database `vigil serve` writes (WAL lets both run at once).
struct StationsCommand {
    let verb: String
    let arguments: Arguments

    init(arguments: [String]) throws(UsageError) {
        guard let first = arguments.first else { throw UsageError("stations needs a verb: list or show ID") }
        verb = first
        self.arguments = try Arguments(arguments.dropFirst(), flagNames: ["json"])
        try self.arguments.rejectUnknown(allowed: ["db", "json"])
    }

    func run() async throws -> Int32 {
        let path = arguments.databasePath
        guard FileManager.default.fileExists(atPath: path) else {
            throw CatalogUnusable(description: "no database at \(path); start `vigil serve --db \(path)` first or pass --db")
        }
        let store = try StationStore(path: path)
        switch verb {
        case "list":
            let stations = try await store.stations()
            if arguments.has("json") {
                printLine(json(stations.map(summary)))
                return 0
            }
            printLine("ID                   ONLINE  REGISTRATION  OCPP       VENDOR / MODEL                 LAST SEEN")
            for station in stations {
                let vendorModel = [station.vendor, station.model].compactMap { $0 }.joined(separator: " / ")
                printLine([pad(station.id, 20), pad(station.isOnline ? "yes" : "no", 7), pad(station.registration, 13),
                           pad(station.ocppVersion ?? "-", 10), pad(vendorModel, 30), station.lastSeen ?? "-"].joined(separator: " "))
            }
            return 0
        case "show":
            guard let id = arguments.positional.first else { throw UsageError("stations show needs a station id") }
            guard let station = try await store.station(id) else {
                printLine("no station \(id.debugDescription) in \(path)")
                return 1
            }
            if arguments.has("json") {
                printLine(json(summary(station)))
                return 0
            }
            printLine("\(station.id): \(station.vendor ?? "?") \(station.model ?? "?"), serial \(station.serial ?? "-"), firmware \(station.firmware ?? "-")")
            printLine("  \(station.ocppVersion ?? "-"), \(station.registration), \(station.isOnline ? "online" : "offline"), last seen \(station.lastSeen ?? "-"), last boot \(station.lastBoot ?? "-")")
            for connector in station.connectors {
                var line = "  EVSE \(connector.evse) connector \(connector.connector): \(connector.status)"
                if let code = connector.errorCode, code != "NoError" { line += " \(code)" }
                if let vendorCode = connector.vendorErrorCode, !vendorCode.isEmpty { line += " (vendor code \(vendorCode))" }
                printLine(line + " since \(connector.updatedAt)")
            }
            return 0
        default:
            throw UsageError("unknown stations verb \(verb.debugDescription); use list or show")
        }
    }

    func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }

    func summary(_ station: StationRecord) -> [String: Any] {
        var object: [String: Any] = ["id": station.id, "online": station.isOnline, "registration": station.registration]
        object["vendor"] = station.vendor
        object["model"] = station.model
        object["serial"] = station.serial
        object["firmware"] = station.firmware
        object["ocppVersion"] = station.ocppVersion
        object["lastSeen"] = station.lastSeen
        object["connectors"] = station.connectors.map { connector -> [String: Any] in
            var entry: [String: Any] = ["evse": connector.evse, "connector": connector.connector, "status": connector.status,
                                        "updatedAt": connector.updatedAt]
            entry["errorCode"] = connector.errorCode
            entry["vendorErrorCode"] = connector.vendorErrorCode
            return entry
        }
        return object
    }

    func json(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .prettyPrinted]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
