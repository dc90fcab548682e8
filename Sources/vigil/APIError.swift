import Foundation
import Synchronization
import OCPP
import Transport

/// An error answer of the HTTP API. Every error body has one shape:
/// `{"error": "human text", "code": "stable_snake_case"}` — plus `"requestId"` on a 500, whose
/// detail goes only to the server log under that id. Clients branch on `code`, never on the
/// text; the codes are listed in docs/security.md ("HTTP API") and do not change meaning.
struct APIError: Error, Sendable {
    let status: HTTPStatus
    let code: String
    let message: String
    var requestId: String?

    init(_ status: HTTPStatus, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    static func badRequest(_ code: String, _ message: String) -> APIError { APIError(.badRequest, code, message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, "not_found", message) }
    static func conflict(_ code: String, _ message: String) -> APIError { APIError(.conflict, code, message) }

    /// A failure inside Vigil (the database, a file): the client learns only that it happened and
    /// the request id; SQL text, paths and error dumps go to `log` under that id.
    static func internalError(_ error: any Error, context: String, log: Log) -> APIError {
        let id = requestIds.next()
        log(.error, "API request failed", ["request": id, "during": context, "error": "\(error)"])
        var answer = APIError(.internalServerError, "internal_error", "internal error; the server log has the detail under request \(id)")
        answer.requestId = id
        return answer
    }

    var response: HTTPResponse {
        var fields: [(String, JSONValue)] = [("error", .string(message)), ("code", .string(code))]
        if let requestId { fields.append(("requestId", .string(requestId))) }
        return .json(status, Array(JSONWriter.string(.object(JSONObject(fields))).utf8))
    }

    /// The stable code of a status the router or server produced itself (404, 405, 400).
    static func code(for status: HTTPStatus) -> String {
        switch status.code {
        case 400: return "bad_request"
        case 401: return "unauthorized"
        case 403: return "forbidden"
        case 404: return "not_found"
        case 405: return "method_not_allowed"
        case 415: return "unsupported_media_type"
        case 500: return "internal_error"
        default: return "http_\(status.code)"
        }
    }

    /// Turns a plain-text error from the transport (unknown path, wrong method) into the API's
    /// JSON error shape, keeping its headers (`Allow`). JSON responses pass unchanged.
    static func jsonShaped(_ response: HTTPResponse) -> HTTPResponse {
        guard response.status.code >= 400, let type = response.headers["Content-Type"], type.hasPrefix("text/plain") else { return response }
        var text = String(decoding: response.body, as: UTF8.self)
        while text.hasSuffix("\n") { text.removeLast() }
        var shaped = APIError(response.status, code(for: response.status), text).response
        for (name, value) in response.headers where !name.lowercased().hasPrefix("content-type") { shaped.headers.add(name, value) }
        return shaped
    }

    /// Request ids for 500s: a per-process random prefix and a counter, so two servers' logs
    /// never share an id and one server's ids are ordered.
    static let requestIds = RequestIds()
}

final class RequestIds: Sendable {
    private let prefix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    private let counter = Mutex(0)
    func next() -> String { "\(prefix)-\(counter.withLock { $0 += 1; return $0 })" }
}
