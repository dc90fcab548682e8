/// Maps a method and path to a handler. Patterns are literal segments and `{name}`
/// parameters (`/api/v1/stations/{id}`); parameters are percent-decoded. A path that
/// matches no pattern is 404; one that matches with another method is 405 with `Allow`.
public struct Router: Sendable {
    public typealias Handler = @Sendable (HTTPRequest) async -> HTTPResponse

    /// What a request resolves to.
    public enum Resolution: Sendable {
        case handler(Handler, parameters: [String: String])
        case webSocket(WebSocketRoute, parameters: [String: String])
        case notFound
        case methodNotAllowed(allowed: [String])
        case badPath
    }

    struct Pattern: Sendable {
        enum Segment: Sendable, Equatable { case literal(String), parameter(String) }
        let segments: [Segment]
        /// The pattern as registered (`/api/v1/stations/{id}`).
        let text: String

        init(_ text: String) {
            self.text = text
            segments = text.split(separator: "/").map { part in
                if part.hasPrefix("{") && part.hasSuffix("}") { return .parameter(String(part.dropFirst().dropLast())) }
                return .literal(String(part))
            }
        }

        func match(_ path: [String]) -> [String: String]? {
            guard path.count == segments.count else { return nil }
            var parameters: [String: String] = [:]
            for (segment, value) in zip(segments, path) {
                switch segment {
                case .literal(let literal): if literal != value { return nil }
                case .parameter(let name): if value.isEmpty { return nil } else { parameters[name] = value }
                }
            }
            return parameters
        }
    }

    enum Target: Sendable {
        case handler(Handler)
        case webSocket(WebSocketRoute)
    }

    /// Wraps every request this router serves, routed or not: `screen` may answer before
    /// the request is resolved (a Host or Origin check, a CORS preflight); `finish` sees
    /// every response before it is written, the server's own 404 and 405 included (to add
    /// headers, or to give errors the application's body shape). It does not see requests
    /// the parser refused (400, 408, 413, 431): those never reach a router.
    /// `admit` may refuse a request that resolved to a handler, before the handler runs (a body
    /// check that means nothing for a path or method no route serves: those stay 404 and 405).
    public struct Filter: Sendable {
        public var screen: @Sendable (HTTPRequest) async -> HTTPResponse?
        public var admit: @Sendable (HTTPRequest) async -> HTTPResponse?
        public var finish: @Sendable (HTTPRequest, HTTPResponse) -> HTTPResponse

        public init(screen: @escaping @Sendable (HTTPRequest) async -> HTTPResponse?,
                    admit: @escaping @Sendable (HTTPRequest) async -> HTTPResponse? = { _ in nil },
                    finish: @escaping @Sendable (HTTPRequest, HTTPResponse) -> HTTPResponse = { _, response in response }) {
            self.screen = screen
            self.admit = admit
            self.finish = finish
        }
    }

    private var routes: [(method: String, pattern: Pattern, target: Target)] = []

    /// Every route as registered: its method and its pattern's text (`/api/v1/stations/{id}`),
    /// in order — what an API description must cover.
    public var registeredRoutes: [(method: String, path: String)] { routes.map { ($0.method, $0.pattern.text) } }
    /// Nil for a router that serves every request as routed (the OCPP endpoint).
    public var filter: Filter?

    public init() {}

    /// Adds a handler for `method` (e.g. "GET") and a path pattern.
    public mutating func on(_ method: String, _ pattern: String, _ handler: @escaping Handler) {
        routes.append((method, Pattern(pattern), .handler(handler)))
    }

    /// Adds a WebSocket endpoint: a GET without `Upgrade: websocket` is answered 426.
    public mutating func webSocket(_ pattern: String, _ route: WebSocketRoute) {
        routes.append(("GET", Pattern(pattern), .webSocket(route)))
    }

    /// Resolves a request; HEAD falls back to a GET handler.
    public func resolve(method: String, rawPath: String) -> Resolution {
        var segments: [String] = []
        for part in rawPath.split(separator: "/", omittingEmptySubsequences: true) {
            guard let decoded = PercentEncoding.decode(String(part)) else { return .badPath }
            segments.append(decoded)
        }
        var allowed: [String] = []
        for route in routes {
            guard let parameters = route.pattern.match(segments) else { continue }
            if route.method == method || (method == "HEAD" && route.method == "GET") {
                switch route.target {
                case .handler(let handler): return .handler(handler, parameters: parameters)
                case .webSocket(let ws): return .webSocket(ws, parameters: parameters)
                }
            }
            if !allowed.contains(route.method) { allowed.append(route.method) }
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }
}
