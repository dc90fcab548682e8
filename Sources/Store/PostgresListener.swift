import CLibPQ
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// PostgreSQL's LISTEN on a connection of its own, on a thread of its own: the nodes of one
/// deployment tell each other things through `pg_notify` (a station's lease taken over, a
/// request for a station another node serves), and this delivers what arrives on the named
/// channels to `deliver`, in the order the server sent it.
///
/// Notifications are not stored: whatever is sent while the connection is down is lost. So
/// after every (re)connection `connected` is called, and the owner reads again from the tables
/// what it may have missed; the notifications only make the common case immediate. A broken
/// connection is retried with a growing pause (0.25 s doubling up to 5 s); every wait is
/// bounded (connecting by `connect_timeout`, a dead peer by TCP keepalives and
/// `tcp_user_timeout`, as for `PostgresDatabase`), and `stop` is noticed within half a second.
public final class PostgresListener: Sendable {
    /// One notification: the channel it came on and its payload.
    public struct Notification: Sendable, Equatable {
        public let channel: String
        public let payload: String
    }

    private let location: PostgresLocation
    private let channels: [String]
    private let connected: @Sendable () -> Void
    private let failed: @Sendable (String) -> Void
    private let deliver: @Sendable (Notification) -> Void
    private let stopped = Atomic<Bool>(false)
    private let finished = Mutex<Bool>(false)

    /// `channels` are plain lower-case identifiers (letters, digits, `_`); `connected` runs after
    /// each successful LISTEN, `failed` with a one-line reason (password scrubbed) each time the
    /// connection cannot be made or breaks.
    public init(location: PostgresLocation, channels: [String], connected: @escaping @Sendable () -> Void = {},
                failed: @escaping @Sendable (String) -> Void = { _ in }, deliver: @escaping @Sendable (Notification) -> Void) {
        precondition(channels.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLowercase || $0.isNumber)) } },
                     "channel names are lower-case identifiers")
        self.location = location
        self.channels = channels
        self.connected = connected
        self.failed = failed
        self.deliver = deliver
    }

    /// Starts listening on a new thread.
    public func start() {
        let thread = Thread { [self] in
            run()
            finished.withLock { $0 = true }
        }
        thread.name = "vigil-listen"
        thread.start()
    }

    /// Asks the thread to stop; it closes its connection within about half a second.
    public func stop() { stopped.store(true, ordering: .relaxed) }

    /// Whether the thread has ended (after `stop`).
    public var hasFinished: Bool { finished.withLock { $0 } }

    private var isStopped: Bool { stopped.load(ordering: .relaxed) }

    private func run() {
        var pause = 0.25
        while !isStopped {
            guard let connection = connect() else {
                sleepUnlessStopped(seconds: pause)
                pause = min(pause * 2, 5)
                continue
            }
            pause = 0.25
            connected()
            listen(on: connection)
            PQfinish(connection)
        }
    }

    /// A connection with LISTEN done on every channel, or nil (reported through `failed`).
    private func connect() -> OpaquePointer? {
        let keywords = PostgresLocation.defaults.map(\.0) + ["dbname", "application_name"]
        let values = PostgresLocation.defaults.map(\.1) + [location.url, "vigil-listen"]
        let handle = PostgresDatabase.withCStrings(keywords) { keywords in
            PostgresDatabase.withCStrings(values) { values in PQconnectdbParams(keywords, values, 1) }
        }
        guard let handle else {
            failed("out of memory")
            return nil
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            failed(PostgresDatabase.connectionError(handle, location: location).description)
            PQfinish(handle)
            return nil
        }
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        let sql = channels.map { "LISTEN \($0)" }.joined(separator: "; ")
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        guard let result, PQresultStatus(result) == PGRES_COMMAND_OK else {
            failed(PostgresDatabase.connectionError(handle, location: location, sql: sql).description)
            PQfinish(handle)
            return nil
        }
        return handle
    }

    /// Waits for input (half a second at most, to notice `stop`), hands over every notification
    /// that arrived, and returns when the connection breaks or the listener stops.
    private func listen(on connection: OpaquePointer) {
        while !isStopped {
            let socket = PQsocket(connection)
            guard socket >= 0 else { return }
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 500)
            if ready < 0 && errno != EINTR { return }
            if ready > 0 {
                guard PQconsumeInput(connection) == 1 else {
                    failed(PostgresDatabase.connectionError(connection, location: location).description)
                    return
                }
            }
            while let notice = PQnotifies(connection) {
                let channel = String(cString: notice.pointee.relname)
                let payload = String(cString: notice.pointee.extra)
                PQfreemem(notice)
                deliver(Notification(channel: channel, payload: payload))
            }
            if PQstatus(connection) == CONNECTION_BAD {
                failed(PostgresDatabase.connectionError(connection, location: location).description)
                return
            }
        }
    }

    private func sleepUnlessStopped(seconds: Double) {
        var left = seconds
        while left > 0 && !isStopped {
            let step = min(left, 0.25)
            usleep(UInt32(step * 1_000_000))
            left -= step
        }
    }
}
