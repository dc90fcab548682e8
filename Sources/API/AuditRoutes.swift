import Audit
import CPMS
import Foundation
import Remediation
import ServiceLog
import Transport

/// The audit trail and the API's users through the HTTP API. `GET /api/v1/audit` (the
/// entries a filter selects, with their hashes; `details` nested when it is JSON) and
/// `GET /api/v1/audit/export` (the export docs/audit.md describes, JSON lines or CSV) need
/// `auditor` access (or `admin`); `GET /api/v1/users` needs `admin`. Filters are read as
/// strictly as the CLI's (`FilterInput`): a time with its offset, `kind` one of the kinds,
/// anything else 400 `invalid_parameter`.
enum AuditRoutes {
    static func route(_ router: inout Router, store: StationStore, auth: APIAuth, log: Log) {
        router.on("GET", "/api/v1/audit", auth: auth, needs: .auditor) { request, _ in
            await APIError.answering("GET /api/v1/audit", log: log) {
                let window = try ListWindow.parse(request, defaultLimit: 100, maximum: 1_000)
                var query = try await Self.query(request, store: store)
                query.limit = window.limit
                let entries = try await AuditStore(host: store).auditEntries(query)
                try await RecordRoutes.refuseUnknownStation(request, found: !entries.isEmpty, store: store)
                let body = try JSONSerialization.data(withJSONObject: entries.map(Self.object), options: [.sortedKeys, .withoutEscapingSlashes])
                return .json(.ok, Array(body))
            }
        }
        router.on("GET", "/api/v1/audit/export", auth: auth, needs: .auditor) { request, _ in
            await APIError.answering("GET /api/v1/audit/export", log: log) {
                let format = request.query["format"] ?? "jsonl"
                guard format == "jsonl" || format == "csv" else {
                    throw APIError(.invalidParameter, "format must be jsonl or csv, got \(format.debugDescription)")
                }
                let bom = try ListWindow.flag(request, "bom")
                if bom && format != "csv" { throw APIError(.invalidParameter, "bom is for format=csv (a byte order mark would break JSON lines)") }
                var query = try await Self.query(request, store: store)
                query.limit = Int.max
                let filter = AuditStore.filterText(query, limited: false)
                let (export, _) = try await AuditStore(host: store).export(query, filter: filter, selectedOnly: try ListWindow.flag(request, "selectedOnly"),
                                                                         exportedAt: StoreTime.format(Date()))
                let text = format == "csv" ? export.csv(bom: bom) : export.jsonLines()
                let type = format == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8"
                return HTTPResponse(status: .ok, headers: ["Content-Type": type], body: Array(text.utf8))
            }
        }
        router.on("GET", "/api/v1/users", auth: auth, needs: .admin) { _, _ in
            await APIError.answering("GET /api/v1/users", log: log) {
                let users = try await APIUserStore(host: store).apiUsers().map { user -> [String: Any] in
                    ["name": user.name, "access": user.access.rawValue, "approves": user.approves, "createdAt": user.createdAt]
                }
                return .json(.ok, Array(try JSONSerialization.data(withJSONObject: users, options: [.sortedKeys])))
            }
        }
    }

    /// The filters of a request, read strictly.
    static func query(_ request: HTTPRequest, store: StationStore) async throws -> AuditQuery {
        do {
            var query = AuditQuery()
            (query.from, query.to) = try RecordRoutes.window(request)
            if let kind = request.query["kind"] { query.kind = try FilterInput.choice(kind, option: "kind", among: AuditRecord.kinds) }
            (query.station, query.site, query.rule) = (request.query["station"], request.query["site"], request.query["rule"])
            (query.action, query.actor) = (request.query["action"], request.query["actor"])
            // As strictly as `vigil audit query --outcome`: a word nobody writes is refused, not answered with [].
            if let outcome = request.query["outcome"] { query.outcome = try await AuditOutcomes.validated(outcome, in: store) }
            return query
        } catch let error as FilterInputError {
            throw APIError(.invalidParameter, error.description.replacingOccurrences(of: "--", with: ""))
        }
    }

    /// An entry with its hashes; `details` nested when it is a JSON object or array (the exact
    /// text the hash covers is `detailsText` then).
    static func object(_ entry: AuditEntry) -> [String: Any] {
        let record = entry.record
        var object: [String: Any] = ["id": entry.id, "at": entry.at, "kind": record.kind, "actor": record.actor,
                                     "previousHash": entry.previousHash, "hash": entry.hash, "encoding": entry.encoding.rawValue]
        for (key, value) in [("station", record.station), ("site", record.site), ("rule", record.rule), ("action", record.action),
                             ("outcome", record.outcome)] {
            object[key] = value ?? NSNull()
        }
        if record.details.hasPrefix("{") || record.details.hasPrefix("["),
           let nested = try? JSONSerialization.jsonObject(with: Data(record.details.utf8)) {
            object["details"] = nested
            object["detailsText"] = record.details
        } else {
            object["details"] = record.details
        }
        return object
    }
}
