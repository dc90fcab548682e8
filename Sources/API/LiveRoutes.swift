import CPMS
import DomainEvents
import OCPP
import ServiceLog
import Transport

/// The routes behind the dashboard's live view (viewer access):
/// - `GET /api/v1/me` — who the caller is: `{"user": name, "role": access}`, or
///   `{"role": "open"}` while no API user exists (the page then shows every action).
/// - `GET /api/v1/stream` — live updates as Server-Sent Events (`EventStream`). The one route
///   that also takes its token as `?token=`: a browser's EventSource cannot send an
///   Authorization header (docs/security.md). The query is never logged.
enum LiveRoutes {
    /// How long one write of the stream may wait for the client to read (then it is dropped).
    static let writeTimeout: Duration = .seconds(10)
    /// Streams served at once; beyond it 503 `too_many_streams`. Each holds a socket and a buffer
    /// of `EventStream.capacity` updates; a browser tab holds one. Checked before subscribing, so
    /// requests arriving together may pass it by a few.
    static let maximumStreams = 100

    static func route(_ router: inout Router, live: LiveFeed<LiveUpdate>?, stream: EventStream = EventStream(), auth: APIAuth) {
        router.on("GET", "/api/v1/me", auth: auth, needs: .viewer) { _, user in
            let body: JSONObject
            if let user {
                body = JSONObject([("user", .string(user.name)), ("role", .string(user.access.rawValue)),
                                   ("approves", .array(user.approves.map { .string($0) }))])
            } else {
                body = JSONObject([("role", .string("open"))])
            }
            return .json(.ok, Array(JSONWriter.string(.object(body)).utf8))
        }
        router.on("GET", "/api/v1/stream", auth: auth, needs: .viewer, tokenInQuery: true) { request, _ in
            guard let live else { return APIError(.notFound, "this server has no live event stream").response }
            guard live.subscribers < maximumStreams else {
                return APIError(.tooManyStreams, "the event stream already serves \(maximumStreams) clients; try again later").response
            }
            let headers: HTTPHeaders = ["Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store",
                                        "X-Accel-Buffering": "no"]
            return .streaming(.ok, headers: headers, body: HTTPStreamBody(writeTimeout: writeTimeout) { writer in
                // The token is checked again while the stream runs: rotating or removing it ends the stream.
                let stillAllowed: @Sendable () async -> Bool = {
                    if case .allowed = await auth.check(request, needs: .viewer, tokenInQuery: true) { return true }
                    return false
                }
                await stream.run(live, stillAllowed: stillAllowed) { bytes in try await writer.write(bytes) }
            })
        }
    }
}
