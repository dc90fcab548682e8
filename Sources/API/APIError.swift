import Foundation
import OCPP
import ServiceLog
import Synchronization
import Transport

/// An error answer of the HTTP API. Every error body has one shape:
/// `{"error": "human text", "code": "stable_snake_case"}` — plus `"requestId"` on a 500, whose
/// detail goes only to the server log under that id. Clients branch on `code`, never on the
/// text; each code has one HTTP status, and the codes are listed in docs/security.md ("HTTP
/// API"), where a test checks that the table and `Code` agree.
public struct APIError: Error, Sendable {
    /// The stable error codes, each with its status.
    public enum Code: String, CaseIterable, Sendable {
        case badRequest = "bad_request"
        case invalidBody = "invalid_body"
        case missingField = "missing_field"
        case invalidStationId = "invalid_station_id"
        case unknownCommand = "unknown_command"
        case invalidParameter = "invalid_parameter"
        case unauthorized
        case unknownToken = "unknown_token"
        case forbidden
        case insufficientAccess = "insufficient_access"
        case approvalRoleMissing = "approval_role_missing"
        case hostNotAllowed = "host_not_allowed"
        case originNotAllowed = "origin_not_allowed"
        case notFound = "not_found"
        case methodNotAllowed = "method_not_allowed"
        case notAwaitingApproval = "not_awaiting_approval"
        case safetyFaultOpen = "safety_fault_open"
        case notConnected = "not_connected"
        case commandRejected = "command_rejected"
        case unsupportedMediaType = "unsupported_media_type"
        case internalError = "internal_error"
        case stationFailed = "station_failed"
        case faultsUnreadable = "faults_unreadable"
        case stationTimeout = "station_timeout"
        case tooManyStreams = "too_many_streams"
        case notRemediationNode = "not_remediation_node"

        public var status: HTTPStatus {
            switch self {
            case .badRequest, .invalidBody, .missingField, .invalidStationId, .unknownCommand, .invalidParameter: return .badRequest
            case .unauthorized, .unknownToken: return .unauthorized
            case .forbidden, .insufficientAccess, .approvalRoleMissing, .hostNotAllowed, .originNotAllowed: return .forbidden
            case .notFound: return .notFound
            case .methodNotAllowed: return .methodNotAllowed
            case .notAwaitingApproval, .safetyFaultOpen, .notConnected, .commandRejected: return .conflict
            case .unsupportedMediaType: return .unsupportedMediaType
            case .internalError: return .internalServerError
            case .stationFailed: return HTTPStatus(code: 502, reason: "Bad Gateway")
            case .faultsUnreadable, .tooManyStreams, .notRemediationNode: return .serviceUnavailable
            case .stationTimeout: return HTTPStatus(code: 504, reason: "Gateway Timeout")
            }
        }
    }

    public let code: Code
    public let message: String
    public var requestId: String?
    public var status: HTTPStatus { code.status }

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// A failure inside Vigil (the database, a file): the client learns only that it happened and
    /// the request id; SQL text, paths and error dumps go to `log` under that id.
    public static func internalError(_ error: any Error, context: String, log: Log) -> APIError {
        let id = requestIds.next()
        log(.error, "API request failed", ["request": id, "during": context, "error": "\(error)"])
        var answer = APIError(.internalError, "internal error; the server log has the detail under request \(id)")
        answer.requestId = id
        return answer
    }

    /// Runs a route's `body`: an `APIError` it throws is the answer; any other error is an
    /// internal one (`internalError`: logged under a request id, never sent).
    static func answering(_ context: String, log: Log, _ body: () async throws -> HTTPResponse) async -> HTTPResponse {
        do {
            return try await body()
        } catch let error as APIError {
            return error.response
        } catch {
            return internalError(error, context: context, log: log).response
        }
    }

    /// The error's fields, for answers that add their own (a command's station and outcome).
    var fields: [(String, JSONValue)] {
        var fields: [(String, JSONValue)] = [("error", .string(message)), ("code", .string(code.rawValue))]
        if let requestId { fields.append(("requestId", .string(requestId))) }
        return fields
    }

    public var response: HTTPResponse {
        .json(status, Array(JSONWriter.string(.object(JSONObject(fields))).utf8))
    }

    /// The code of a status the router or server produced itself (404, 405, 400).
    static func code(for status: HTTPStatus) -> Code {
        switch status.code {
        case 401: return .unauthorized
        case 403: return .forbidden
        case 404: return .notFound
        case 405: return .methodNotAllowed
        case 415: return .unsupportedMediaType
        case 500...: return .internalError
        default: return .badRequest
        }
    }

    /// Turns a plain-text error from the transport (unknown path, wrong method) into the API's
    /// JSON error shape, keeping its status and headers (`Allow`). JSON responses pass unchanged.
    static func jsonShaped(_ response: HTTPResponse) -> HTTPResponse {
        guard response.status.code >= 400, let type = response.headers["Content-Type"], type.hasPrefix("text/plain") else { return response }
        var text = String(decoding: response.body, as: UTF8.self)
        while text.hasSuffix("\n") { text.removeLast() }
        var shaped = HTTPResponse.json(response.status, Array(JSONWriter.string(.object(JSONObject(APIError(code(for: response.status), text).fields))).utf8))
        for (name, value) in response.headers where !name.lowercased().hasPrefix("content-type") { shaped.headers.add(name, value) }
        return shaped
    }

    /// Request ids for 500s: a per-process random prefix and a counter, so two servers' logs
    /// never share an id and one server's ids are ordered.
    static let requestIds = RequestIds()
}

/// Numbers the 500s of one process (see `APIError.requestIds`).
final class RequestIds: Sendable {
    private let prefix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    private let counter = Mutex(0)
    func next() -> String { "\(prefix)-\(counter.withLock { $0 += 1; return $0 })" }
}
