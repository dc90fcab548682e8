import CPMS
import Foundation
import ServiceLog
import Synchronization
import Transport

/// The checks every HTTP API request passes before its route runs, against cross-site
/// request forgery and DNS rebinding (see docs/security.md, "HTTP API"):
/// - `Host` must name the address the API is bound to (with `localhost`, `127.0.0.1` and
///   `[::1]` also accepted when it is bound to loopback) or an allowed host; else 403.
///   A rebinding page reaches the API under its own host name, so this check stops it.
/// - An `Origin`, when sent, must be an allowed origin or `http://` + the accepted Host; else 403.
/// - POST, PUT, PATCH and DELETE need `Content-Type: application/json` (optionally
///   `; charset=utf-8`); else 415. A web form or a `text/plain` fetch cannot send that type
///   cross-site without a CORS preflight, which only allowed origins pass.
/// CORS headers are sent only for allowed origins; a preflight from any other gets 403.
/// While the API has no user it also repeats the open-API warning on mutating requests, at
/// most once a minute. It does not authenticate: `APIAuth` does, per route.
public final class APIGuard: Sendable {
    let allowedOrigins: [String]
    let allowedHosts: [String]
    /// The bound address, known once the server has bound (an ephemeral port in tests).
    public let boundAddress = Mutex<SocketAddress?>(nil)
    let store: StationStore?
    let log: Log
    /// When the open-API warning was last logged for a request.
    let lastOpenWarning = Mutex<ContinuousClock.Instant?>(nil)

    static let mutatingMethods: Set<String> = ["POST", "PUT", "PATCH", "DELETE"]

    public init(allowedOrigins: [String] = [], allowedHosts: [String] = [], store: StationStore?, log: Log) {
        self.allowedOrigins = allowedOrigins.map { Self.normalizedOrigin($0) }
        self.allowedHosts = allowedHosts.map { $0.lowercased() }
        self.store = store
        self.log = log
    }

    /// The Host values accepted without configuration.
    var boundHosts: [String] {
        guard let address = boundAddress.withLock({ $0 }) else { return [] }
        var hosts = [address.description.lowercased()]
        if address.host == "127.0.0.1" || address.host == "::1" || address.host.hasPrefix("127.") {
            hosts += ["localhost:\(address.port)", "127.0.0.1:\(address.port)", "[::1]:\(address.port)"]
        }
        return hosts
    }

    var filter: Router.Filter {
        Router.Filter(screen: { [self] request in await screen(request) }, admit: { [self] request in await admit(request) },
                      finish: { [self] request, response in finish(request, response) })
    }

    /// The refusal for a request that fails a check, or nil to let it through.
    func screen(_ request: HTTPRequest) async -> HTTPResponse? {
        let host = (request.headers["Host"] ?? "").lowercased()
        guard boundHosts.contains(host) || allowedHosts.contains(host) else {
            let shown = request.headers["Host"].map { "\($0.escapingControls.debugDescription)" } ?? "no Host header"
            return APIError(.hostNotAllowed,
                            "the Host header (\(shown)) is not the address this API listens on (\(boundHosts.first ?? "?")); "
                            + "if clients reach it under another name, add it with --http-allowed-hosts (httpAllowedHosts, VIGIL_HTTP_ALLOWED_HOSTS)").response
        }
        if let origin = request.headers["Origin"] {
            guard allowedOrigins.contains(Self.normalizedOrigin(origin)) || Self.normalizedOrigin(origin) == "http://" + host else {
                return APIError(.originNotAllowed,
                                "the Origin header (\(origin.escapingControls.debugDescription)) is not allowed to use this API; "
                                + "to let a web application call it, add its origin with --http-allowed-origins (httpAllowedOrigins, VIGIL_HTTP_ALLOWED_ORIGINS)").response
            }
            if request.method == "OPTIONS" {
                var response = HTTPResponse(status: .noContent)
                response.headers.add("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
                response.headers.add("Access-Control-Allow-Headers", "Authorization, Content-Type")
                response.headers.add("Access-Control-Max-Age", "600")
                return response
            }
        }
        return nil
    }

    /// The refusal for a request a route serves that fails the body check (a mutating request
    /// must say JSON), or nil. Runs after routing: a method or path no route serves is 405 or
    /// 404, not 415.
    func admit(_ request: HTTPRequest) async -> HTTPResponse? {
        if Self.mutatingMethods.contains(request.method) {
            guard Self.isJSON(request.headers["Content-Type"]) else {
                let sent = request.headers["Content-Type"].map { $0.escapingControls.debugDescription } ?? "none"
                return APIError(.unsupportedMediaType,
                                "\(request.method) needs Content-Type: application/json, got \(sent)").response
            }
            await warnIfOpen(request)
        }
        return nil
    }

    /// Adds CORS headers for an allowed origin, and gives the transport's own errors the JSON shape.
    func finish(_ request: HTTPRequest, _ response: HTTPResponse) -> HTTPResponse {
        var response = APIError.jsonShaped(response)
        if let origin = request.headers["Origin"], allowedOrigins.contains(Self.normalizedOrigin(origin)) {
            response.headers.set("Access-Control-Allow-Origin", origin)
            response.headers.add("Vary", "Origin")
        }
        return response
    }

    /// `application/json`, alone or with `charset=utf-8`, in any letter case.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard parts.first == "application/json" else { return false }
        return parts.dropFirst().allSatisfy { $0 == "charset=utf-8" || $0 == "charset=\"utf-8\"" }
    }

    /// An origin compared as scheme://host[:port], lower case, without a trailing slash.
    static func normalizedOrigin(_ origin: String) -> String {
        var text = origin.trimmingCharacters(in: .whitespaces).lowercased()
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// Logs the open-API warning for a mutating request, at most once a minute.
    func warnIfOpen(_ request: HTTPRequest) async {
        // Whether the API is open is read first: a request while it still had users must not use
        // up the minute's warning (the first requests after the last user was removed went unwarned).
        guard let store, let hasUsers = try? await APIUserStore(host: store).hasAPIUsers(), !hasUsers else { return }
        let now = ContinuousClock.now
        let due = lastOpenWarning.withLock { last -> Bool in
            if let last, now - last < .seconds(60) { return false }
            last = now
            return true
        }
        guard due else { return }
        log(.warning, Self.openWarning, ["method": request.method, "path": request.rawPath])
    }

    public static let openWarning = "the HTTP API has no users and is open to anyone who can reach it; add one with `vigil users add`"

    /// Repeats the open-API warning every `interval` while the API has no user, until cancelled
    /// (a shutdown is not a reminder).
    public func remindWhileOpen(every interval: Duration = .seconds(3600)) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }
            guard let store, (try? await APIUserStore(host: store).hasAPIUsers()) == false else { continue }
            log(.warning, Self.openWarning, ["http": boundAddress.withLock { $0?.description ?? "?" }])
        }
    }
}
