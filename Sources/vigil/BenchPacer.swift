import Dispatch
import Foundation
import Glibc
import Synchronization
import Transport

/// `BenchLoad.pace` without a task, a timer or a continuation per call: one thread keeps the
/// whole fleet's schedule and hands each due call to its charger's connection queue, and each
/// reply is taken where the socket reads it (`TransportConnection.takeMessages`), which also
/// sends the next call at once when the charger is behind. At 15,000 chargers the task-per-
/// charger loop spent most of the bench process's CPU on the runtime (a dispatch timer per
/// sleep, a resumed task and continuation per reply), and that CPU is taken from the server
/// under test on a shared machine.
///
/// The schedule is the one `pace` documents: charger i's calls are due at `first_i + k ×
/// interval`; a call due while the previous one is unanswered is sent as soon as the reply
/// comes (never two outstanding), none starts after `end`, and the calls outstanding at the
/// end are waited for (at most `straggleLimit`; a connection still silent then is aborted
/// and counted as closed).
final class BenchPacer: Sendable {
    /// One charger: its connection and what only that connection's queue touches (the lock is
    /// uncontended; it makes the state safe to read back at the end).
    private final class Charger: Sendable {
        let socket: TransportConnection
        let offset: UInt64
        let state: Mutex<State>

        init(socket: TransportConnection, offset: UInt64, phase: Int, meter: Int) {
            self.socket = socket
            self.offset = offset
            state = Mutex(State(sequence: phase, meter: meter))
        }
    }

    /// What a charger has done and owes (`BenchPacer` reads it back at the end).
    private struct State {
        var tally = BenchLoad.Tally()
        var sequence: Int
        var meter: Int
        /// Calls due and not sent yet (the previous one was unanswered).
        var owed = 0
        /// The id of the call waiting for its reply, and when it went.
        var outstanding: String?
        var sentAt: UInt64 = 0
        /// When each answered call went (parallel to `tally.latencies`), for `slowestSeconds`.
        var sentTimes: [UInt64] = []
        /// The schedule has ended: the charger finishes with its last reply.
        var ended = false
        var finished = false
    }

    private let frames: BenchFrames
    private let chargers: [Charger]
    private let start: UInt64
    private let end: UInt64
    private let interval: UInt64
    private let remaining: Mutex<(count: Int, waiter: CheckedContinuation<Void, Never>?)>
    /// `run` is called once: a second run would start a second schedule on the same chargers.
    private let hasRun = Atomic<Bool>(false)
    /// How long the calls outstanding at the end are waited for.
    let straggleLimit: Duration = .seconds(30)

    /// `start` and `end` are `BenchLoad.now()` nanoseconds; the chargers' first calls are
    /// spread evenly over the first interval.
    init(sockets: [TransportConnection], frames: BenchFrames, interval: UInt64, start: UInt64, end: UInt64) {
        precondition(interval > 0, "a paced load needs an interval above zero")
        self.frames = frames
        self.interval = interval
        self.start = start
        self.end = end
        let count = UInt64(max(1, sockets.count))
        chargers = sockets.enumerated().map { index, socket in
            Charger(socket: socket, offset: interval * UInt64(index) / count, phase: index % 3, meter: 1_000 + index)
        }
        remaining = Mutex((sockets.count, nil))
    }

    /// Runs the schedule to its end and returns once every charger has finished.
    func run() async -> BenchLoad.Tally {
        precondition(!hasRun.exchange(true, ordering: .relaxed), "a BenchPacer runs once")
        guard !chargers.isEmpty else { return BenchLoad.Tally() }
        for charger in chargers {
            charger.socket.executor.queue.async { [self] in
                charger.socket.assumeIsolated { socket in
                    socket.takeMessages { [self] message in received(message, by: charger) }
                }
            }
        }
        let thread = Thread { [self] in keepSchedule() }
        thread.name = "bench-pacer"
        thread.start()
        let watchdog = Task { [self, chargers, straggleLimit] in
            let now = BenchLoad.now()
            let afterEnd = Duration.nanoseconds(Int64(end > now ? end - now : 0)) + straggleLimit
            guard (try? await Task.sleep(for: afterEnd)) != nil else { return }   // cancelled: every charger finished
            for charger in chargers { await charger.socket.abort() }
        }
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let done = remaining.withLock { remaining -> Bool in
                if remaining.count == 0 { return true }
                remaining.waiter = waiter
                return false
            }
            if done { waiter.resume() }
        }
        watchdog.cancel()
        return chargers.reduce(into: BenchLoad.Tally()) { total, charger in total.merge(charger.state.withLock { $0.tally }) }
    }

    /// The seconds of the run (from its start) whose calls waited longest, worst first: each
    /// with its p99 and max latency in milliseconds — where a stall shows.
    func slowestSeconds(_ count: Int = 3) -> [(second: Int, p99: Double, max: Double)] {
        var bySecond: [Int: [UInt32]] = [:]
        for charger in chargers {
            charger.state.withLock { state in
                for (sent, latency) in zip(state.sentTimes, state.tally.latencies) {
                    bySecond[Int((sent &- start) / 1_000_000_000), default: []].append(latency)
                }
            }
        }
        let seconds = bySecond.map { second, latencies -> (second: Int, p99: Double, max: Double) in
            let sorted = latencies.sorted()   // p99 as `BenchLoad.Tally.percentiles` takes it
            return (second, Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]) / 1_000, Double(sorted[sorted.count - 1]) / 1_000)
        }
        return Array(seconds.sorted { $0.p99 > $1.p99 }.prefix(count))
    }

    /// The pacer thread: every charger's calls in time order, each handed to its queue when
    /// due; then the end of the schedule to every charger.
    private func keepSchedule() {
        var round: UInt64 = 0
        scheduling: while true {
            for charger in chargers {
                let due = start + round * interval + charger.offset
                if due >= end { break scheduling }
                Self.sleep(until: due)
                charger.socket.executor.queue.async { [self] in
                    charger.socket.assumeIsolated { socket in callDue(charger, on: socket) }
                }
            }
            round += 1
        }
        Self.sleep(until: end)
        for charger in chargers {
            charger.socket.executor.queue.async { [self] in
                charger.socket.assumeIsolated { _ in scheduleEnded(charger) }
            }
        }
    }

    private static func sleep(until due: UInt64) {
        let now = BenchLoad.now()
        guard due > now else { return }
        var request = timespec(tv_sec: Int(due / 1_000_000_000), tv_nsec: Int(due % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &request, nil) == EINTR {}
    }

    /// On the charger's queue: a call fell due.
    private func callDue(_ charger: Charger, on socket: isolated TransportConnection) {
        let send = charger.state.withLock { state -> Bool in
            guard !state.finished else { return false }
            state.owed += 1
            return state.outstanding == nil
        }
        if send { sendOwed(charger, on: socket) }
    }

    /// On the charger's queue: sends the next call of the cycle, unless the schedule has passed
    /// its end. Written after the lock is released: a failed write ends the messages, whose
    /// sink takes the lock again.
    private func sendOwed(_ charger: Charger, on socket: isolated TransportConnection) {
        let now = BenchLoad.now()
        let frame = charger.state.withLock { state -> String? in
            guard state.owed > 0, now < end, !state.finished else { return nil }
            state.owed -= 1
            let id = BenchFrames.id(state.sequence)
            if state.sequence % 3 == 1 { state.meter += 7 }
            state.outstanding = id
            state.sentAt = now
            return frames.call(state.sequence, id: id, meter: state.meter)
        }
        guard let frame else { return }
        do { _ = try socket.write(text: frame) } catch { finish(charger, closed: true, socket: socket) }
    }

    /// The sink of the charger's messages, called in its socket's job. A server CALL is answered
    /// whether or not a call of the charger's own is outstanding; writes happen after the lock is
    /// released (a failed write ends the messages, and the sink's nil takes the lock again).
    private func received(_ message: WebSocketMessage?, by charger: Charger) {
        charger.socket.assumeIsolated { socket in
            guard let message else { return finish(charger, closed: true, socket: socket) }
            guard case .text(let text) = message else {
                charger.state.withLock { $0.tally.stray += 1 }
                return
            }
            /// What to do once the lock is released.
            enum Next { case nothing, send, finish, answer(String) }
            let next = charger.state.withLock { state -> Next in
                // An empty id matches no reply: with nothing outstanding only a server CALL counts.
                let incoming = BenchFrames.classify(text, expecting: state.outstanding ?? "")
                switch incoming {
                case .reply, .callError:
                    guard state.outstanding != nil else {
                        state.tally.stray += 1
                        return .nothing
                    }
                    if case .callError = incoming { state.tally.callErrors += 1 }
                    state.tally.record(BenchLoad.now() - state.sentAt)
                    state.sentTimes.append(state.sentAt)
                    state.outstanding = nil
                    state.sequence += 1
                    if state.ended { return .finish }
                    return state.owed > 0 ? .send : .nothing
                case .call(let id, let action):
                    state.tally.serverCalls += 1
                    return .answer(BenchFrames.answer(id: id, action: action))
                case .stray:
                    state.tally.stray += 1
                    return .nothing
                }
            }
            switch next {
            case .nothing: break
            case .send: sendOwed(charger, on: socket)
            case .finish: finish(charger, closed: false, socket: socket)
            case .answer(let frame): _ = try? socket.write(text: frame)
            }
        }
    }

    /// On the charger's queue: no call falls due any more.
    private func scheduleEnded(_ charger: Charger) {
        let idle = charger.state.withLock { state -> Bool in
            state.ended = true
            return state.outstanding == nil
        }
        if idle { charger.socket.assumeIsolated { finish(charger, closed: false, socket: $0) } }
    }

    /// The charger is done: its reply to the last call came (or none was outstanding at the
    /// end), or its connection closed. Counted once; the last one wakes `run`.
    private func finish(_ charger: Charger, closed: Bool, socket: isolated TransportConnection) {
        let first = charger.state.withLock { state -> Bool in
            guard !state.finished else { return false }
            state.finished = true
            if closed { state.tally.closed = 1 }
            return true
        }
        guard first else { return }
        socket.stopTakingMessages()
        let waiter = remaining.withLock { remaining -> CheckedContinuation<Void, Never>? in
            remaining.count -= 1
            guard remaining.count == 0 else { return nil }
            defer { remaining.waiter = nil }
            return remaining.waiter
        }
        waiter?.resume()
    }
}
