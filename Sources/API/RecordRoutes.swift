import Alerts
import CPMS
import Foundation
import Remediation
import ServiceLog
import Transport

/// Read routes over the records an operator's tools show (viewer access): a station's status
/// history, the remediation commands with where each verification stands, alerts, deliveries
/// and the silences in force. Enumerated filters are checked (400 `invalid_parameter` with the
/// valid values); lists take `limit` like every list route.
enum RecordRoutes {
    static func route(_ router: inout Router, store: StationStore, auth: APIAuth, log: Log) {
        router.on("GET", "/api/v1/stations/{id}/history", auth: auth, needs: .viewer) { request, _ in
            let id = request.pathParameters["id"] ?? ""
            return await APIError.answering("GET /api/v1/stations/{id}/history", log: log) {
                let window = try ListWindow.parse(request, defaultLimit: 100, maximum: 1_000)
                guard try await store.station(id) != nil else { throw APIError(.notFound, "no station \(id)") }
                let entries = try await store.history(id, limit: window.limit).map(\.jsonObject)
                return try Self.json(entries)
            }
        }
        // The station's raw OCPP frames (the message log), oldest first, as the station and Vigil
        // sent them — the dashboard's charger page. Viewer access, like `vigil stations messages`.
        router.on("GET", "/api/v1/stations/{id}/messages", auth: auth, needs: .viewer) { request, _ in
            let id = request.pathParameters["id"] ?? ""
            return await APIError.answering("GET /api/v1/stations/{id}/messages", log: log) {
                let window = try ListWindow.parse(request, defaultLimit: 100, maximum: 1_000)
                guard try await store.station(id) != nil else { throw APIError(.notFound, "no station \(id)") }
                let frames = try await store.messages(station: id, limit: window.limit).map { frame -> [String: Any] in
                    ["direction": frame.incoming ? "in" : "out", "at": frame.at, "text": frame.text]
                }
                return try Self.json(frames)
            }
        }
        router.on("GET", "/api/v1/commands", auth: auth, needs: .viewer) { request, _ in
            await APIError.answering("GET /api/v1/commands", log: log) {
                let window = try ListWindow.parse(request, defaultLimit: 100, maximum: 1_000)
                let status = try Self.choice(request, "status", among: CommandStatus.allCases.map(\.rawValue)).flatMap(CommandStatus.init(rawValue:))
                let (from, to) = try Self.window(request)
                let rows = try await CommandStore(host: store).commands(station: request.query["station"], status: status, from: from, to: to,
                                                                        limit: window.limit)
                try await Self.refuseUnknownStation(request, found: !rows.isEmpty, store: store)
                let now = StoreTime.format(Date())
                return try Self.json(rows.map { CommandReport.object($0, now: now) })
            }
        }
        statusList(&router, "/api/v1/alerts", statuses: AlertRow.statuses, auth: auth, log: log) { status, limit in
            try await AlertStore(host: store).alerts(status: status, limit: limit).map(\.jsonObject)
        }
        statusList(&router, "/api/v1/alerts/deliveries", statuses: OutboxRow.statuses, auth: auth, log: log) { status, limit in
            try await AlertStore(host: store).deliveries(status: status, limit: limit).map(\.jsonObject)
        }
        router.on("GET", "/api/v1/silences", auth: auth, needs: .viewer) { request, _ in
            await APIError.answering("GET /api/v1/silences", log: log) {
                let rows = try await AlertStore(host: store).silences(at: StoreTime.format(Date()), includeEnded: try ListWindow.flag(request, "all"))
                return try Self.json(rows.map(\.jsonObject))
            }
        }
    }

    /// A list route filtered by `status` (one of `statuses`, else 400) and windowed by `limit`.
    static func statusList(_ router: inout Router, _ path: String, statuses: [String], auth: APIAuth, log: Log,
                           read: @escaping @Sendable (_ status: String?, _ limit: Int) async throws -> [[String: Any]]) {
        router.on("GET", path, auth: auth, needs: .viewer) { request, _ in
            await APIError.answering("GET \(path)", log: log) {
                let window = try ListWindow.parse(request, defaultLimit: 100, maximum: 1_000)
                return try Self.json(try await read(Self.choice(request, "status", among: statuses), window.limit))
            }
        }
    }

    /// A filter naming a station nobody knows is 404 `not_found` when it selects nothing (a
    /// misspelt id read as "no data"), as the metrics and fraud routes answer; a removed
    /// station's records stay listed.
    static func refuseUnknownStation(_ request: HTTPRequest, found: Bool, store: StationStore) async throws {
        guard !found, let station = request.query["station"], try await store.station(station) == nil else { return }
        throw APIError(.notFound, "no station \(station)")
    }

    /// `from` and `to` of a list route, read as strictly as the CLI's (store form; from before to).
    static func window(_ request: HTTPRequest) throws -> (from: String?, to: String?) {
        do {
            let from = try request.query["from"].map { try FilterInput.time($0, option: "from") }
            let to = try request.query["to"].map { try FilterInput.time($0, option: "to", bound: .upper) }
            if let from = from.flatMap(StoreTime.parse), let to = to.flatMap(StoreTime.parse), from >= to {
                throw APIError(.invalidParameter, "from must be before to")
            }
            return (from, to)
        } catch let error as FilterInputError {
            throw APIError(.invalidParameter, error.description.replacingOccurrences(of: "--", with: ""))
        }
    }

    static func choice(_ request: HTTPRequest, _ name: String, among valid: [String]) throws -> String? {
        guard let value = request.query[name] else { return nil }
        guard valid.contains(value) else {
            throw APIError(.invalidParameter, "\(name) \(value.debugDescription) is not one of: \(valid.joined(separator: ", "))")
        }
        return value
    }

    static func json(_ value: Any) throws -> HTTPResponse {
        .json(.ok, Array(try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])))
    }
}
