import CPMS
import OCPP
import ServiceLog
import Transport

/// Who may use the HTTP API. API users (`vigil users add`) carry a bearer token, an access
/// level and the approval roles they hold. Once at least one user exists every API call
/// needs `Authorization: Bearer <token>`: a missing or unknown token gets 401, too little
/// access 403. With no user defined the API stays open, as for a fresh install on
/// 127.0.0.1 — `vigil serve` warns about it at start-up.
struct APIAuth: Sendable {
    let store: StationStore
    let log: Log

    enum Outcome: Sendable {
        /// Go ahead; the user when the API is protected, nil when it is open.
        case allowed(APIUser?)
        case refused(HTTPResponse)
    }

    /// One lookup per request: the token's user when a bearer token is given; only without a
    /// known user does it ask whether the API is protected at all.
    /// `tokenInQuery` lets the token come as `?token=` when no bearer header is sent: only for
    /// `GET /api/v1/stream`, because a browser's EventSource cannot set headers (docs/security.md).
    func check(_ request: HTTPRequest, needs access: APIAccess, tokenInQuery: Bool = false) async -> Outcome {
        var bearer: String?
        if let header = request.headers["Authorization"], header.lowercased().hasPrefix("bearer ") {
            bearer = String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        } else if tokenInQuery, let token = request.query["token"], !token.isEmpty {
            bearer = token
        }
        var user: APIUser?
        do {
            if let bearer { user = try await APIUserStore(host: store).apiUser(token: bearer) }
            if user == nil, try await !APIUserStore(host: store).hasAPIUsers() { return .allowed(nil) }
        } catch {
            return .refused(APIError.internalError(error, context: "API token lookup", log: log).response)
        }
        guard let user else {
            return bearer == nil
                ? .refused(Self.error(.unauthorized, "this API needs Authorization: Bearer <token> (vigil users add; the CLI sends VIGIL_API_TOKEN)", challenge: true))
                : .refused(Self.error(.unknownToken, "unknown or revoked token", challenge: true))
        }
        guard user.access.allows(access) else {
            return .refused(Self.error(.insufficientAccess, "\(user.name) has \(user.access.rawValue) access; this needs \(access.rawValue)"))
        }
        return .allowed(user)
    }

    static func error(_ code: APIError.Code, _ message: String, challenge: Bool = false) -> HTTPResponse {
        var response = APIError(code, message).response
        if challenge { response.headers.add("WWW-Authenticate", #"Bearer realm="vigil""#) }
        return response
    }
}

extension Router {
    /// Registers `handler` behind `auth`: it runs only for requests with at least `access`,
    /// and learns the user (nil while the API is open).
    mutating func on(_ method: String, _ path: String, auth: APIAuth, needs access: APIAccess, tokenInQuery: Bool = false,
                     _ handler: @escaping @Sendable (HTTPRequest, APIUser?) async -> HTTPResponse) {
        on(method, path) { request in
            switch await auth.check(request, needs: access, tokenInQuery: tokenInQuery) {
            case .allowed(let user):
                // Station ids have one canonical form (CPMS.StationIdentity): anything else is refused, not looked up.
                if let id = request.pathParameters["id"], path.contains("/stations/{id}"), let problem = StationIdentity.problem(with: id) {
                    return APIError(.invalidStationId, problem).response
                }
                // A misspelt filter must not widen the answer to everything (`statoin=CP-1`).
                if method == "GET", let refusal = Self.unknownParameter(request, path: path, tokenInQuery: tokenInQuery) { return refusal }
                return await handler(request, user)
            case .refused(let response): return response
            }
        }
    }

    /// An open route (no token: health, metrics, the OpenAPI document), with the same check of
    /// its query parameters as every other route.
    mutating func onOpen(_ method: String, _ path: String, _ handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse) {
        on(method, path) { request in
            if method == "GET", let refusal = Self.unknownParameter(request, path: path, tokenInQuery: false) { return refusal }
            return await handler(request)
        }
    }

    /// The refusal of a query parameter the route does not take (`OpenAPIDocument.queryParameters`),
    /// nil when every one is known or the document does not describe the route.
    static func unknownParameter(_ request: HTTPRequest, path: String, tokenInQuery: Bool) -> HTTPResponse? {
        guard let known = OpenAPIDocument.queryParameters[path],
              let unknown = request.query.keys.sorted().first(where: { !known.contains($0) && !(tokenInQuery && $0 == "token") }) else {
            return nil
        }
        let takes = known.isEmpty ? "takes no parameters" : "takes \(known.sorted().joined(separator: ", "))"
        return APIError(.invalidParameter, "unknown parameter \(unknown.debugDescription): GET \(path) \(takes)").response
    }
}
