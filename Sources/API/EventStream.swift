import DomainEvents
import Transport

/// One client's Server-Sent Events stream of live updates (`GET /api/v1/stream`): each update
/// as `event: <kind>` (`event`, `decision` or `alert`) with its JSON as `data`, a `: heartbeat` comment
/// after `heartbeat` without updates, and the end. The updates come from a `LiveFeed`
/// subscription whose buffer holds `capacity` updates; a client that falls that far behind is
/// sent a last `event: overflow` (`{"dropped":N,"capacity":C}`) and disconnected, so it
/// reloads rather than showing a page with holes. Nothing here can slow the publisher: the
/// stream waits only on its own socket, each write bounded by the response's write timeout.
/// Events carry no SSE `id`: a reconnecting client starts afresh (it reloads its panels).
/// The caller's access is checked again every `recheck` (`stillAllowed`): a token rotated or
/// removed, or users created while the API was open, end the stream with a last `event: revoked`.
struct EventStream: Sendable {
    var capacity = 256
    var heartbeat: Duration = .seconds(15)
    var recheck: Duration = .seconds(15)

    /// Sends `feed`'s updates through `write` until the feed ends, the subscriber overflows, a
    /// write fails (the client left, the server stops), the caller's access ends or the task is
    /// cancelled.
    func run(_ feed: LiveFeed<LiveUpdate>, stillAllowed: @Sendable () async -> Bool = { true },
             write: @Sendable ([UInt8]) async throws -> Void) async {
        let subscription = feed.subscribe(capacity: capacity)
        defer { subscription.cancel() }
        let clock = ContinuousClock()
        var checked = clock.now
        do {
            // The retry hint and a first comment, so the client knows the stream is up at once.
            try await write(Array("retry: 5000\n\n".utf8) + ServerSentEvent.comment("connected"))
            while !Task.isCancelled {
                if clock.now - checked >= recheck {
                    guard await stillAllowed() else {
                        let notice = ServerSentEvent(event: "revoked", data: "{\"reason\":\"the token this stream was opened with is no longer valid\"}")
                        try await write(notice.encoded)
                        return
                    }
                    checked = clock.now
                }
                switch await subscription.next(timeout: min(heartbeat, recheck)) {
                case .updates(let updates):
                    try await write(Self.encode(updates))
                case .overflowed(let delivered, let dropped):
                    let notice = ServerSentEvent(event: "overflow", data: "{\"dropped\":\(dropped),\"capacity\":\(capacity)}")
                    try await write(Self.encode(delivered) + notice.encoded)
                    return
                case .timedOut:
                    try await write(ServerSentEvent.comment("heartbeat"))
                case .finished:
                    return
                }
            }
        } catch {
            return   // the client is gone or too slow: nothing more to send
        }
    }

    /// Updates as SSE events, in order, in one buffer (one write per batch).
    static func encode(_ updates: [LiveUpdate]) -> [UInt8] {
        var bytes: [UInt8] = []
        for update in updates { bytes += ServerSentEvent(event: update.kind, data: update.json).encoded }
        return bytes
    }
}
