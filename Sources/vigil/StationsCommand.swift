import Audit
import CPMS
import Foundation
import ServiceLog

/// `vigil stations list | show ID | add ID [--registration accepted|pending|rejected] [--site S] |
/// site ID SITE | history ID | log ID | quirks [ID] | accept ID | reject ID | remove ID  [--db PATH] [--json]`,
/// `vigil stations timeline ID [--from T] [--to T] [--limit N] [--frames] [--json] [--db PATH]` (StationsCommand+Timeline), and
/// `vigil stations command ID reset|unlock|enable|disable|trigger|start|stop|configure [--connector N] [--type soft|hard]
/// [--message M] [--id-tag T] [--transaction ID] [--key K --value V] --by NAME [--reason TEXT] [--force] [--http HOST:PORT]` and
/// `vigil stations configuration ID [--key A,B] [--json] [--http HOST:PORT]` (through serve's API): the registry, in the same
/// database `vigil serve` writes (WAL lets both run at once).
struct StationsCommand {
    /// The verbs, as typed; `run` switches over every one (`CommandName.verbs`).
    enum Verb: String, CaseIterable, Sendable {
        case list, show, add, site, history, log, timeline, quirks, password, accept, pending, reject, remove, command, configuration
    }

    let verb: Verb
    let arguments: Arguments

    init(arguments: [String]) throws(UsageError) {
        verb = try parseVerb(arguments, of: .stations)
        self.arguments = Arguments(arguments.dropFirst(), flagNames: ["json", "clear", "stdin", "force", "frames"])
        try self.arguments.rejectUnknown(allowed: ["db", "json", "registration", "limit", "site", "connector", "type", "message", "id-tag",
                                                   "transaction", "by", "reason", "http", "key", "value", "clear", "stdin", "force",
                                                   "from", "to", "frames", "audit-key"])
    }

    func run() async throws -> Int32 {
        switch verb {
        case .command: return try await command()
        case .configuration: return try await configuration()
        case .timeline: return try await timeline()
        case .list, .show, .add, .site, .history, .log, .password, .quirks, .accept, .pending, .reject, .remove:
            return try await registry(openStore(at: arguments.database, create: verb == .add))
        }
    }

    /// The verbs that read or change the registry itself.
    func registry(_ store: StationStore) async throws -> Int32 {
        let path = try arguments.database
        switch verb {
        case .command, .configuration, .timeline:
            return try await run()   // not registry verbs; `run` answers them without the database
        case .add:
            guard let id = arguments.positional.first, !id.isEmpty else { throw UsageError("stations add needs a station id") }
            if let problem = StationIdentity.problem(with: id) { throw UsageError("\(id.debugDescription): \(problem)") }
            let registration = arguments.value("registration") ?? "accepted"
            guard ["accepted", "pending", "rejected"].contains(registration) else {
                throw UsageError("--registration must be accepted, pending or rejected, got \(registration.debugDescription)")
            }
            guard try await store.declareStation(id: id, registration: registration, site: arguments.value("site")) else {
                printLine("station \(id) already exists; use accept or reject to change it")
                return 1
            }
            printLine("station \(id) declared (\(registration))")
            return 0
        case .site:
            guard arguments.positional.count == 2 else { throw UsageError("stations site needs a station id and a site (\"-\" for none)") }
            let (id, site) = (arguments.positional[0], arguments.positional[1])
            guard try await store.setSite(id: id, site == "-" ? nil : site) else {
                printError("vigil: no station \(id.debugDescription) in \(path)")
                return 1
            }
            printLine(site == "-" ? "station \(id) is on no site" : "station \(id) is on site \(site) (vigil serve picks this up at the station's next connection)")
            return 0
        case .history:
            guard let id = arguments.positional.first, !id.isEmpty else { throw UsageError("stations history needs a station id") }
            let skew = try await store.clockSkew(of: id)
            let entries = try await store.history(id, limit: try arguments.integer("limit", default: 50))
            if entries.isEmpty, try await store.registration(of: id) == nil { return noStation(id, in: path) }
            if arguments.has("json") {
                printLine(JSONOutput.text(entries.map(\.jsonObject)))
                return 0
            }
            printLine("status history of \(id), in the order the charger reported it (clock skew \(skew.map { String(format: "%+.1f s", $0) } ?? "not measured yet"))")
            for entry in entries {
                var line = "\(entry.chargerTime ?? "-")  received \(entry.receivedAt)  EVSE \(entry.evse)/\(entry.connector)  \(entry.status)"
                if let code = entry.errorCode, code.isFault { line += " \(code)" }
                if let vendor = entry.vendorErrorCode, !vendor.isEmpty { line += " (\(vendor))" }
                if entry.queuedOffline { line += "  [queued while offline]" }
                printStoredLine(line)
            }
            return 0
        case .log:
            guard let id = arguments.positional.first, !id.isEmpty else { throw UsageError("stations log needs a station id") }
            let messages = try await store.messages(station: id, limit: try arguments.integer("limit", default: 50))
            // A station not in the registry may still have frames (one refused under --unknown-stations reject).
            if messages.isEmpty, try await store.registration(of: id) == nil { return noStation(id, in: path) }
            if arguments.has("json") {
                printLine(JSONOutput.text(messages.map { ["at": $0.at, "direction": $0.incoming ? "in" : "out", "frame": $0.text] }))
                return 0
            }
            for message in messages {
                printStoredLine("\(message.at) \(message.incoming ? "<-" : "->") \(message.text)")
            }
            return 0
        case .password:
            // HTTP Basic credentials (security profiles 1/2): a new random key, one read from
            // standard input (a key the charger already has), or none.
            guard let id = arguments.positional.first, !id.isEmpty else { throw UsageError("stations password needs a station id") }
            // RFC 7617: the user-id ends at the first colon, so such a station could never log in.
            if id.contains(":") && !arguments.has("clear") {
                throw UsageError("station \(id.debugDescription) cannot use a Basic-auth password: HTTP Basic ends the username at the first \":\" "
                                 + "(RFC 7617); give it a TLS client certificate (security profile 3) or an id without \":\"")
            }
            var password: String?
            if arguments.has("clear") {
                password = nil
            } else if arguments.has("stdin") {
                // The key exactly as given, but for the line's end: spaces the charger's key has are
                // part of it (trimmed, the login with them was refused).
                var line = readLine(strippingNewline: true) ?? ""
                if line.hasSuffix("\r") { line.removeLast() }
                guard line.count >= StationCredentials.minimumLength, line.count <= 40 else {
                    throw UsageError("a station password has \(StationCredentials.minimumLength) to 40 characters, got \(line.count)")
                }
                if line.first?.isWhitespace == true || line.last?.isWhitespace == true {
                    printError("note: the password begins or ends with spaces; they are part of it, as the charger must send it\n")
                }
                password = line
            } else {
                password = try StationCredentials.generate()
            }
            guard try await store.setStationPassword(id: id, password) else {
                printError("vigil: no station \(id.debugDescription) in \(path) (vigil stations add \(id) first)")
                return 1
            }
            if let password, !arguments.has("stdin") {
                printLine("new password for \(id) (shown once). Give it to the charger as its Basic-auth password — in its own")
                printLine("settings, or while it still connects: vigil stations command \(id) configure --key AuthorizationKey (1.6)")
                printLine("or SecurityCtrlr.BasicAuthPassword (2.0.1) --value <password>:")
                printLine(password)
            } else {
                printLine(password == nil ? "password of \(id) cleared" : "password of \(id) set")
            }
            if password == nil {
                // Clearing the password is the operator's explicit decision to let it connect without credentials.
                try await store.forgetAuthentication(id: id)
                printLine("\(id) may connect without credentials again (unless --station-auth required)")
            }
            // Who changed how the station proves itself (never the password itself).
            let person = arguments.person
            let how = password == nil ? "cleared: the station may connect without credentials"
                : arguments.has("stdin") ? "set from standard input" : "set to a new generated password"
            try await OneShotAudit.record(AuditRecord(kind: "operator", actor: person, station: id,
                                                      action: password == nil ? "station password cleared" : "station password set",
                                                      outcome: "done", details: "HTTP Basic password \(how)"), store: store, arguments: arguments)
            return 0
        case .quirks:
            // What Vigil tolerated from each station's firmware (its vendor quirk profile), most used first.
            let uses = try await store.quirkUses(station: arguments.positional.first)
            if let id = arguments.positional.first, uses.isEmpty, try await store.registration(of: id) == nil { return noStation(id, in: path) }
            if arguments.has("json") {
                printLine(json(uses.map { use -> [String: Any] in
                    ["station": use.station, "quirk": use.quirk, "kind": use.kind, "action": use.action, "path": use.path,
                     "count": use.count, "firstSeen": use.firstSeen, "lastSeen": use.lastSeen, "example": use.example]
                }))
                return 0
            }
            if uses.isEmpty { printLine("no leniency applied\(arguments.positional.first.map { " to \($0)" } ?? "")") }
            for use in uses {
                let field = [use.action, use.path].filter { !$0.isEmpty }.joined(separator: " ")
                printStoredLine("\(use.station)  \(use.quirk)  \(use.kind)  \(field.isEmpty ? "frame" : field)  ×\(use.count)  " +
                          "\(use.firstSeen) … \(use.lastSeen)  last: \(use.example)")
            }
            return 0
        case .accept, .pending, .reject, .remove:
            guard let id = arguments.positional.first, !id.isEmpty else { throw UsageError("stations \(verb.rawValue) needs a station id") }
            let registration = verb == .accept ? "accepted" : verb == .pending ? "pending" : "rejected"
            let done = verb == .remove ? try await store.removeStation(id: id) : try await store.setRegistration(id: id, registration)
            guard done else {
                printError("vigil: no station \(id.debugDescription) in \(path)")
                return 1
            }
            printLine("station \(id) \(verb == .remove ? "removed" : registration)")
            return 0
        case .list:
            let stations = try await store.stations()
            if arguments.has("json") {
                printLine(json(stations.map(summary)))
                return 0
            }
            // Columns as wide as their content (TextTable): an id or model is never cut or misaligned.
            var table = TextTable([TextTable.Column("ID"), TextTable.Column("ONLINE"), TextTable.Column("REGISTRATION"),
                                   TextTable.Column("OCPP"), TextTable.Column("VENDOR / MODEL"), TextTable.Column("SITE"),
                                   TextTable.Column("LAST SEEN")])
            for station in stations {
                let vendorModel = [station.vendor, station.model].compactMap { $0 }.joined(separator: " / ")
                table.append([station.id, station.isOnline ? "yes" : "no", station.registration, station.ocppVersion ?? "-",
                              vendorModel.isEmpty ? "-" : vendorModel, station.site ?? "-", station.lastSeen ?? "-"])
            }
            for line in table.lines { printLine(line) }
            return 0
        case .show:
            guard let id = arguments.positional.first else { throw UsageError("stations show needs a station id") }
            guard let station = try await store.station(id) else {
                printError("vigil: no station \(id.debugDescription) in \(path)")
                return 1
            }
            // Every fault open at the station: a 1.6 StatusNotification's code is on its connector's
            // line too, but a 2.0.1 NotifyEvent problem (and a station-level one) only here.
            let faults = try await store.openFaults(station: id)
            if arguments.has("json") {
                var object = summary(station)
                object["openFaults"] = faults.map { fault -> [String: Any] in
                    var entry: [String: Any] = ["evse": fault.evse, "code": fault.code.rawValue, "since": fault.raisedAt]
                    entry["vendorId"] = fault.vendorId
                    entry["vendorErrorCode"] = fault.vendorErrorCode
                    entry["info"] = fault.info
                    return entry
                }
                printLine(json(object))
                return 0
            }
            printStoredLine("\(station.id): \(station.vendor ?? "?") \(station.model ?? "?"), serial \(station.serial ?? "-"), firmware \(station.firmware ?? "-")")
            printStoredLine("  \(station.ocppVersion ?? "-"), \(station.registration), \(station.isOnline ? "online" : "offline"), last seen \(station.lastSeen ?? "-"), last boot \(station.lastBoot ?? "-")\(station.securityProfile.map { ", security profile \($0)" } ?? "")")
            if let skew = try await store.clockSkew(of: id) { printLine(String(format: "  clock skew %+.1f s (its clock minus Vigil's)", skew)) }
            for connector in station.connectors {
                var line = "  EVSE \(connector.evse) connector \(connector.connector): \(connector.status)"
                if let code = connector.errorCode, code.isFault { line += " \(code)" }
                if let vendorCode = connector.vendorErrorCode, !vendorCode.isEmpty { line += " (vendor code \(vendorCode))" }
                printStoredLine(line + " since \(connector.updatedAt)")
            }
            for fault in faults {
                let place = fault.evse == 0 ? "the station itself" : "EVSE \(fault.evse)"
                var line = "  open fault on \(place): \(fault.code.rawValue)"
                if let vendorCode = fault.vendorErrorCode, !vendorCode.isEmpty { line += " (vendor code \(vendorCode))" }
                if let info = fault.info, !info.isEmpty { line += " \(info)" }
                printStoredLine(line + " since \(fault.raisedAt)")
            }
            return 0
        }
    }

    func summary(_ station: StationRecord) -> [String: Any] {
        var object: [String: Any] = ["id": station.id, "online": station.isOnline, "registration": station.registration]
        object["vendor"] = station.vendor
        object["model"] = station.model
        object["serial"] = station.serial
        object["firmware"] = station.firmware
        object["ocppVersion"] = station.ocppVersion
        object["lastSeen"] = station.lastSeen
        object["lastBoot"] = station.lastBoot
        object["site"] = station.site
        object["securityProfile"] = station.securityProfile
        object["connectors"] = station.connectors.map { connector -> [String: Any] in
            var entry: [String: Any] = ["evse": connector.evse, "connector": connector.connector, "status": connector.status.rawValue,
                                        "updatedAt": connector.updatedAt]
            entry["errorCode"] = connector.errorCode?.rawValue
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

extension StationsCommand {
    /// An id the registry does not know (and that has nothing recorded under it): said on
    /// standard error, exit status 1.
    func noStation(_ id: String, in path: some CustomStringConvertible) -> Int32 {
        printError("vigil: no station \(id.debugDescription) in \(path)\n")
        return 1
    }
}
