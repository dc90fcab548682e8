import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `vigil stations command`: an operator's command, sent by the running `vigil serve`
/// (POST /api/v1/stations/{id}/commands), answered with the station's outcome, and audited.
extension StationsCommand {
    func command() async throws -> Int32 {
        guard arguments.positional.count == 2 else {
            throw UsageError("stations command needs a station id and a command: reset, unlock, enable, disable, trigger, start or stop")
        }
        guard let person = arguments.value("by"), !person.isEmpty else { throw UsageError("stations command needs --by NAME (it goes on the record)") }
        let station = arguments.positional[0]
        var body: [String: Any] = ["command": arguments.positional[1], "by": person]
        if let connector = arguments.value("connector") {
            guard let number = Int(connector), number >= 0 else { throw UsageError("--connector must be a number") }
            body["connector"] = number
        }
        for (option, key) in [("type", "type"), ("message", "message"), ("id-tag", "idTag"), ("transaction", "transactionId"), ("reason", "reason")] {
            if let value = arguments.value(option) { body[key] = value }
        }
        let address = arguments.value("http") ?? ProcessInfo.processInfo.environment["VIGIL_HTTP"] ?? "127.0.0.1:8080"
        let encoded = station.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? station
        guard let url = URL(string: "http://\(address)/api/v1/stations/\(encoded)/commands") else { throw UsageError("--http must be HOST:PORT") }
        var request = URLRequest(url: url, timeoutInterval: 60)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        if let outcome = object?["outcome"] as? String {
            printLine("\(station): \(object?["command"] as? String ?? "") → \(outcome)")
        } else {
            printLine(object?["error"] as? String ?? "HTTP \(status)")
        }
        return status == 200 ? 0 : 1
    }
}
