import CEpoll
import Dispatch
import Foundation
import Glibc
import Synchronization

/// Readiness notification for every socket in the process: one epoll instance watched by one
/// thread, which hands each event to the owner's serial queue.
///
/// Vigil used libdispatch read/write sources before. On Linux those multiplex a read and a
/// write source of one descriptor through a shared "muxnote", and under heavy open/close churn
/// the manager thread occasionally crashed on a freed muxnote (swift-corelibs-libdispatch
/// issue 949, still open). The poller avoids that whole class of bug by construction:
/// - each registration gets a token that is never reused, and the epoll entry carries the
///   token, not a pointer; an event whose token is gone (deregistered) is dropped;
/// - `deregister` removes the descriptor from epoll synchronously, so the owner may close it
///   right after and a new socket with the same number can never inherit the old interest;
/// - descriptors are registered edge-triggered for input and output at once, so nothing is
///   re-armed after an event. Owners read until `EAGAIN` — or until a read leaves room in its
///   buffer, when the event carries no hang-up (`Events.mayHaveEndOfFile`): data arriving
///   after that read raises a new event — or re-queue themselves, and flush until `EAGAIN`,
///   the usual edge-triggered contract; spurious events are harmless.
public final class Poller: Sendable {
    /// Events as epoll reports them (`EPOLLIN`, `EPOLLOUT`, `EPOLLHUP`, `EPOLLERR`, `EPOLLRDHUP`).
    public struct Events: Sendable {
        public let rawValue: UInt32
        public var isReadable: Bool { rawValue & Self.readableMask != 0 }
        public var isWritable: Bool { rawValue & Self.writableMask != 0 }
        /// The peer may have closed or the socket failed: a read must go on until it would
        /// block, as no later event reports this again.
        public var mayHaveEndOfFile: Bool { rawValue & (Self.peerHangUp | Self.hangUp | Self.error) != 0 }

        static let input = UInt32(EPOLLIN.rawValue)
        static let output = UInt32(EPOLLOUT.rawValue)
        static let hangUp = UInt32(EPOLLHUP.rawValue)
        static let error = UInt32(EPOLLERR.rawValue)
        static let peerHangUp = UInt32(EPOLLRDHUP.rawValue)
        static let edgeTriggered = UInt32(EPOLLET.rawValue)
        static let readableMask = input | hangUp | error | peerHangUp
        static let writableMask = output | hangUp | error
    }

    /// One watched descriptor; pass it back to `deregister`.
    public struct Registration: Sendable, Hashable {
        let token: UInt64
        let fd: Int32
    }

    struct Entry {
        let queue: DispatchQueue
        let handler: @Sendable (Events) -> Void
    }

    /// The process-wide poller; its thread starts on first use.
    public static let shared = Poller()

    let epollFD: Int32
    let entries = Mutex<[UInt64: Entry]>([:])
    let nextToken = Atomic<UInt64>(1)

    init() {
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        precondition(epollFD >= 0, "epoll_create1 failed: \(String(cString: strerror(errno)))")
        let thread = Thread { [self] in
            ThreadName.setCurrent("vigil-poller")
            run()
        }
        thread.start()
    }

    /// Watches `fd` for input and output (edge-triggered); `handler` runs on `queue` for
    /// each readiness change until `deregister`. If the descriptor is already readable or
    /// writable, a first event follows at once.
    public func register(fd: Int32, queue: DispatchQueue, handler: @escaping @Sendable (Events) -> Void) throws -> Registration {
        let token = nextToken.add(1, ordering: .relaxed).oldValue
        entries.withLock { $0[token] = Entry(queue: queue, handler: handler) }
        var event = epoll_event()
        event.events = Events.input | Events.output | Events.peerHangUp | Events.edgeTriggered
        event.data.u64 = token
        if epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) != 0 {
            let code = errno
            _ = entries.withLock { $0.removeValue(forKey: token) }
            throw SocketError("epoll_ctl(ADD)", code: code)
        }
        return Registration(token: token, fd: fd)
    }

    /// Stops watching. When it returns, no new event for this registration is delivered
    /// (one already queued on the owner's queue may still run: handlers check their state)
    /// and the descriptor may be closed.
    public func deregister(_ registration: Registration) {
        _ = entries.withLock { $0.removeValue(forKey: registration.token) }
        var event = epoll_event()
        _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, registration.fd, &event)
    }

    /// Number of descriptors watched (for tests and diagnostics).
    public var registrationCount: Int { entries.withLock { $0.count } }

    private func run() {
        let capacity = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        var ready: [(Entry, Events)] = []
        ready.reserveCapacity(capacity)
        while true {
            let count = epoll_wait(epollFD, events, Int32(capacity), -1)
            if count < 0 {
                if errno == EINTR { continue }
                fatalError("epoll_wait failed: \(String(cString: strerror(errno)))")
            }
            entries.withLock { entries in
                for index in 0..<Int(count) {
                    if let entry = entries[events[index].data.u64] {
                        ready.append((entry, Events(rawValue: events[index].events)))
                    }
                }
            }
            for (entry, ready) in ready {
                let handler = entry.handler
                entry.queue.async {
                    PoolPriority.lowerCurrentThread()
                    handler(ready)
                }
            }
            ready.removeAll(keepingCapacity: true)
        }
    }
}
