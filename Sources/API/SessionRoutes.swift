import CPMS
import Evidence
import Foundation
import ServiceLog
import Transport

/// Charging sessions (viewer access). `GET /api/v1/sessions` filters by station, site, status
/// (`active`, `completed`), token and start time (`from` inclusive, `to` exclusive), newest
/// first, a page of `limit` (default 100, at most 1000); when more match, the answer carries
/// the next page's cursor in `X-Next-Before` and a `Link: <…&before=N>; rel="next"` header.
/// `GET /api/v1/sessions/{id}` is one session with its meter samples;
/// `GET /api/v1/sessions/{id}/evidence[?format=html]` its evidence pack (docs/billing.md).
enum SessionRoutes {
    static func route(_ router: inout Router, store: StationStore, auth: APIAuth, log: Log) {
        router.on("GET", "/api/v1/sessions", auth: auth, needs: .viewer) { request, _ in
            await APIError.answering("GET /api/v1/sessions", log: log) {
                let query = try Self.query(request)
                let page = try await store.sessions(matching: query)
                try await RecordRoutes.refuseUnknownStation(request, found: !page.sessions.isEmpty, store: store)
                var response = try RecordRoutes.json(page.sessions.map { SessionJSON.object($0, samples: nil) })
                if let next = page.nextBefore {
                    ListWindow.markNextPage(&response, request: request, path: "/api/v1/sessions", cursor: "before", header: "X-Next-Before", value: next)
                }
                return response
            }
        }
        router.on("GET", "/api/v1/sessions/{id}", auth: auth, needs: .viewer) { request, _ in
            let text = request.pathParameters["id"] ?? ""
            return await APIError.answering("GET /api/v1/sessions/{id}", log: log) {
                guard let id = Int(text), id > 0 else { throw APIError(.invalidParameter, "a session id is a positive number, got \(text.debugDescription)") }
                guard let session = try await store.session(id) else { throw APIError(.notFound, "no session \(id)") }
                return try RecordRoutes.json(SessionJSON.object(session, samples: try await store.samples(session: id)))
            }
        }
        router.on("GET", "/api/v1/sessions/{id}/evidence", auth: auth, needs: .viewer) { request, _ in
            let text = request.pathParameters["id"] ?? ""
            return await APIError.answering("GET /api/v1/sessions/{id}/evidence", log: log) {
                guard let id = Int(text), id > 0 else { throw APIError(.invalidParameter, "a session id is a positive number, got \(text.debugDescription)") }
                let format = try RecordRoutes.choice(request, "format", among: ["json", "html"]) ?? "json"
                guard let records = try await EvidenceRecords.read(session: id, store: store, now: Date()) else {
                    throw APIError(.notFound, "no session \(id)")
                }
                let pack = try EvidencePack.build(from: records)
                guard format == "html" else { return .json(.ok, Array(try pack.text().utf8)) }
                // A download, not a dashboard page: inline style only, nothing runs (the JSON block is data).
                return HTTPResponse(status: .ok, headers: ["Content-Type": "text/html; charset=utf-8",
                                                           "Content-Disposition": "attachment; filename=\"session-\(id)-evidence.html\"",
                                                           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
                                                           "X-Content-Type-Options": "nosniff"],
                                    body: Array(try EvidencePage.html(pack).utf8))
            }
        }
    }

    /// The listing's filters, read strictly: an unknown status, a bad time or cursor is a 400
    /// naming what is wrong.
    static func query(_ request: HTTPRequest) throws -> SessionQuery {
        let window = try ListWindow.parse(request, defaultLimit: 100, maximum: 1_000)
        var query = SessionQuery(station: request.query["station"], site: request.query["site"], idToken: request.query["idToken"],
                                 limit: window.limit)
        query.status = try RecordRoutes.choice(request, "status", among: SessionQuery.Status.allCases.map(\.rawValue))
            .flatMap(SessionQuery.Status.init(rawValue:))
        if let before = request.query["before"] {
            guard let id = Int(before), id > 0 else {
                throw APIError(.invalidParameter, "before must be a session id (a positive integer), got \(before.debugDescription)")
            }
            query.before = id
        }
        do {
            query.from = try request.query["from"].map { try FilterInput.time($0, option: "from") }.flatMap(StoreTime.parse)
            query.to = try request.query["to"].map { try FilterInput.time($0, option: "to", bound: .upper) }.flatMap(StoreTime.parse)
        } catch let error as FilterInputError {
            throw APIError(.invalidParameter, error.description.replacingOccurrences(of: "--", with: ""))
        }
        if let from = query.from, let to = query.to, from >= to { throw APIError(.invalidParameter, "from must be before to") }
        return query
    }
}
