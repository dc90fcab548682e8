import API
import Foundation
import OCPP
import ServiceLog
import YAMLKit

/// `vigil stations command`: an operator's command, sent by the running `vigil serve`
/// (POST /api/v1/stations/{id}/commands), answered with the station's outcome, and audited.
extension StationsCommand {
    func command() async throws -> Int32 {
        guard arguments.positional.count == 2 else {
            throw UsageError("stations command needs a station id and a command: \(StationCommandNames.all.joined(separator: ", "))")
        }
        let person = arguments.value("by") ?? ""
        if person.isEmpty && APIClientRequest.token == nil {
            throw UsageError("stations command needs --by NAME (it goes on the record), or VIGIL_API_TOKEN when the API has users")
        }
        let station = arguments.positional[0]
        let name = arguments.positional[1]
        guard StationCommandNames.all.contains(name) else {
            let hint = YAMLFieldReader.closest(to: name, in: StationCommandNames.all).map { "; did you mean \"\($0)\"?" } ?? ""
            throw UsageError("unknown station command \(name.debugDescription)\(hint) (\(StationCommandNames.all.joined(separator: ", ")))")
        }
        var body: [String: Any] = ["command": name, "by": person]
        var checked: [(String, JSONValue)] = [("command", .string(name)), ("by", .string(person))]
        if let connector = arguments.value("connector") {
            guard let number = Int(connector), number >= 1 else {
                throw UsageError("--connector must be a whole number from 1 (leave it out for the whole station), got \(connector.debugDescription)")
            }
            body["connector"] = number
            checked.append(("connector", .number(JSONNumber(number))))
        }
        let options = [("type", "type"), ("message", "message"), ("id-tag", "idTag"), ("transaction", "transactionId"), ("reason", "reason"),
                       ("key", "key"), ("value", "value")]
        for (option, key) in options {
            if let value = arguments.value(option) {
                body[key] = value
                checked.append((key, .string(value)))
            }
        }
        if arguments.has("force") {
            guard arguments.positional[1] == "reset" else { throw UsageError("--force applies to reset only") }
            guard let reason = arguments.value("reason"), !reason.isEmpty else {
                throw UsageError("--force needs --reason: why a station with an open safety fault is reset (it goes on the audit trail)")
            }
            body["force"] = true
            checked.append(("force", .bool(true)))
        }
        // The server's own check of the request, here first: a mistake is a usage error (exit 2),
        // named by the option that carries it.
        if case .failure(let problem) = OperatorCommandBody.parse(JSONObject(checked)) {
            var message = problem.message
            for (option, key) in options + [("connector", "connector"), ("force", "force"), ("by", "by")] {
                message = message.replacingOccurrences(of: "\"\(key)\"", with: "--\(option)")
            }
            throw UsageError(message)
        }
        guard let url = apiURL(station: station, resource: "commands") else { throw UsageError("--http must be HOST:PORT") }
        let (data, status) = try await APIClientRequest.send(url, method: "POST", body: body)
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        // What only the server can check (the station's OCPP version's limits) is a usage error too.
        if status == 400, object?["code"] as? String == "invalid_body", var message = object?["error"] as? String {
            for (option, key) in options { message = message.replacingOccurrences(of: "\"\(key)\"", with: "--\(option)") }
            throw UsageError(message)
        }
        if let outcome = object?["outcome"] as? String {
            printStoredLine("\(station): \(object?["command"] as? String ?? "") → \(outcome)")
        } else {
            printStoredLine(object?["error"] as? String ?? "HTTP \(status)")
        }
        return status == 200 ? 0 : 1
    }

    /// `vigil stations configuration ID [--key A,B]`: the station's settings, read by the
    /// running serve (GET /api/v1/stations/{id}/configuration).
    func configuration() async throws -> Int32 {
        guard arguments.positional.count == 1 else { throw UsageError("stations configuration needs a station id") }
        let station = arguments.positional[0]
        guard var components = apiURL(station: station, resource: "configuration").flatMap({ URLComponents(url: $0, resolvingAgainstBaseURL: false) }) else {
            throw UsageError("--http must be HOST:PORT")
        }
        if let keys = arguments.value("key") { components.queryItems = [URLQueryItem(name: "key", value: keys)] }
        guard let url = components.url else { throw UsageError("--key must be a comma-separated list of keys") }
        let (data, status) = try await APIClientRequest.send(url)
        if arguments.has("json") {
            printLine(String(decoding: data, as: UTF8.self))
            return status == 200 ? 0 : 1
        }
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        guard status == 200, let settings = object?["settings"] as? [[String: Any]] else {
            printStoredLine(object?["error"] as? String ?? "HTTP \(status)")
            return 1
        }
        for setting in settings {
            let value = setting["value"] as? String ?? "(no value)"
            let flags = [(setting["readonly"] as? Bool) == true ? "read-only" : nil,
                         (setting["status"] as? String).flatMap { $0 == "Accepted" ? nil : $0 }].compactMap { $0 }
            printStoredLine("\(setting["key"] as? String ?? "?") = \(value)\(flags.isEmpty ? "" : "  (" + flags.joined(separator: ", ") + ")")")
        }
        for key in object?["unknown"] as? [String] ?? [] { printStoredLine("\(key): unknown to the station") }
        return 0
    }

    func apiURL(station: String, resource: String) -> URL? {
        let address = arguments.value("http") ?? ProcessInfo.processInfo.environment["VIGIL_HTTP"] ?? "127.0.0.1:8080"
        let encoded = station.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? station
        return URL(string: "http://\(address)/api/v1/stations/\(encoded)/\(resource)")
    }
}
