import Glibc
import OCPP
import Synchronization
import Transport

/// The load generator of `bench cpms`, `remediation` and `scale`: OCPP 1.6 chargers on real
/// sockets (`<url><stationId>`, subprotocol ocpp1.6), the same against `vigil echo` as against
/// `vigil serve`. Each charger boots, then sends the `BenchFrames` cycle with exactly one call
/// outstanding, either as fast as answered (`saturate`) or one call per interval (`pace`).
/// Any frame back for the outstanding call counts as its reply — echo returns the CALL
/// itself, serve a CALLRESULT — and a CALL of the server is answered at once while the
/// charger keeps waiting for its own reply.
///
/// It is built to cost the bench process little, since client and server share the cores:
/// a saturating charger's loop runs isolated to its connection, in a task that prefers the
/// connection's queue (no executor hop per message); a paced fleet has no task per charger at
/// all (`BenchPacer`); frames are pre-encoded, replies are classified from a few bytes, and
/// latencies go into a plain array per charger (merged and sorted once at the end).
struct BenchLoad {
    /// What the chargers did in one phase.
    struct Tally: Sendable {
        /// Calls answered (before the stop, for `saturate`).
        var answered = 0
        /// Of those, answered with a CALLERROR.
        var callErrors = 0
        /// CALLs of the server answered by a charger.
        var serverCalls = 0
        /// Frames that answered nothing we sent.
        var stray = 0
        /// Chargers whose connection closed during the phase.
        var closed = 0
        /// Send → reply, in microseconds, of every answered call.
        var latencies: [UInt32] = []

        mutating func record(_ nanoseconds: UInt64) {
            answered += 1
            latencies.append(UInt32(clamping: nanoseconds / 1_000))
        }

        mutating func merge(_ other: Tally) {
            answered += other.answered
            callErrors += other.callErrors
            serverCalls += other.serverCalls
            stray += other.stray
            closed += other.closed
            latencies += other.latencies
        }

        /// p50, p99 and max of the latencies, in milliseconds.
        func percentiles() -> (p50: Double, p99: Double, max: Double) {
            guard !latencies.isEmpty else { return (.nan, .nan, .nan) }
            let sorted = latencies.sorted()
            func at(_ p: Double) -> Double { Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1_000 }
            return (at(0.5), at(0.99), Double(sorted[sorted.count - 1]) / 1_000)
        }

        /// "p50 1.2 ms, p99 8.0 ms, max 20.1 ms", plus any errors, server calls and closes.
        var summary: String {
            let (p50, p99, max) = percentiles()
            var text = String(format: "latency p50 %.1f ms, p99 %.1f ms, max %.1f ms", p50, p99, max)
            if callErrors > 0 { text += ", \(callErrors) CALLERRORs" }
            if serverCalls > 0 { text += ", \(serverCalls) server CALLs answered" }
            if closed > 0 { text += ", \(closed) connections closed" }
            return text
        }
    }

    /// When a saturating load stops: at its deadline or when `stop()` is called, whichever
    /// comes first. Read by every charger after every reply, so it is one atomic load.
    final class Stop: Sendable {
        private let stopped = Atomic<Bool>(false)
        private let stoppedAt = Atomic<UInt64>(0)
        /// `BenchLoad.now()` nanoseconds.
        let deadline: UInt64

        init(after duration: Duration? = nil) {
            deadline = duration.map { BenchLoad.now() + UInt64($0.milliseconds * 1_000_000) } ?? .max
        }

        func stop() {
            stoppedAt.store(BenchLoad.now(), ordering: .relaxed)
            stopped.store(true, ordering: .releasing)
        }

        func isDue(at now: UInt64) -> Bool { now >= deadline || stopped.load(ordering: .relaxed) }

        /// When the load stopped (nanoseconds), once it has.
        var instant: UInt64 { stopped.load(ordering: .acquiring) ? min(deadline, stoppedAt.load(ordering: .relaxed)) : deadline }
    }

    let frames: BenchFrames
    /// The connected chargers, in the order of the ids given to `connect`.
    private(set) var sockets: [TransportConnection] = []
    /// Connections that failed to open, and why the first did.
    private(set) var failed = 0
    private(set) var firstFailure: String?

    /// Monotonic nanoseconds (CLOCK_MONOTONIC through the vDSO: no allocation, no syscall).
    @inline(__always)
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    static var options: WebSocketClient.Options {
        var options = WebSocketClient.Options()
        options.subprotocols = ["ocpp1.6"]
        options.configuration.pingInterval = nil
        return options
    }

    /// Opens a connection per id to `url` + id, `batch` handshakes at a time. Failures are
    /// counted, not thrown; throws only when none opened.
    static func connect(_ ids: [String], url: String, batch: Int = 200) async throws -> BenchLoad {
        try await connect(ids, urls: [url], batch: batch)
    }

    /// The same, the ids spread over `urls` in turn (id i to `urls[i % urls.count]`: several nodes).
    static func connect(_ ids: [String], urls: [String], batch: Int = 200) async throws -> BenchLoad {
        var load = BenchLoad(frames: BenchFrames(timestamp: OCPPDateTime(secondsSinceEpoch: Int64(time(nil)))))
        load.sockets.reserveCapacity(ids.count)
        let options = Self.options
        for start in stride(from: 0, to: ids.count, by: batch) {
            let opened = await withTaskGroup(of: (Int, Result<TransportConnection, Error>).self) { group in
                for index in start..<min(ids.count, start + batch) {
                    group.addTask {
                        do { return (index, .success(try await WebSocketClient.connect(to: urls[index % urls.count] + ids[index], options: options).0)) } catch {
                            return (index, .failure(error))
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }.sorted { $0.0 < $1.0 }
            }
            for (_, result) in opened {
                switch result {
                case .success(let socket): load.sockets.append(socket)
                case .failure(let error):
                    load.failed += 1
                    if load.firstFailure == nil { load.firstFailure = "\(error)" }
                }
            }
        }
        guard !load.sockets.isEmpty else {
            throw BenchError("no charger could connect to \(urls.joined(separator: ", ")): \(load.firstFailure ?? "?")")
        }
        return load
    }

    /// Every charger sends its BootNotification at once and waits for the answer. Each in a
    /// task of its own, not a task group's child: the runtime removes a finished child from its
    /// group by walking the group's list, which at 15,000 chargers cost seconds of CPU. (So a
    /// cancelled caller does not cancel the boots; a server that never answers closes nothing
    /// either — as before, the benchmark then waits, and its child server is stopped on a signal.)
    func boot() async -> Tally {
        let tasks = sockets.map { socket in Task(executorPreference: socket.executor.tasks) { await Self.boot(socket) } }
        var total = Tally()
        for task in tasks { total.merge(await task.value) }
        return total
    }

    /// Every charger sends the cycle as fast as it is answered until `stop` is due; a reply
    /// that arrives after it is not counted. A charger whose reply has not come 30 s after the
    /// stop is dropped (its socket aborted), so a stalled server cannot hang the benchmark.
    func saturate(until stop: Stop) async -> Tally {
        let frames = frames
        return await withTaskGroup(of: Tally?.self) { group in
            for (index, socket) in sockets.enumerated() {
                group.addTask(executorPreference: socket.executor.tasks) { await Self.saturate(socket, frames: frames, stop: stop, meter: 1_000 + index) }
            }
            group.addTask { await self.abortStragglers(after: stop); return nil }
            var total = Tally()
            var finished = 0
            for await tally in group {
                guard let tally else { continue }
                total.merge(tally)
                finished += 1
                if finished == sockets.count { group.cancelAll() }   // ends the straggler watch
            }
            return total
        }
    }

    /// Every charger sends one call per `interval`, the chargers' first calls spread evenly
    /// over the first interval from `start`, until `end` (`BenchPacer`: a reply later than the
    /// interval delays that charger's next call, never two outstanding, which then goes at
    /// once; no call starts after `end`, and the calls outstanding then are waited for and
    /// counted). Run it once with `run()`; `slowestSeconds()` afterwards.
    func pacer(every interval: Duration, from start: ContinuousClock.Instant, until end: ContinuousClock.Instant) -> BenchPacer {
        let now = ContinuousClock.now, nanos = Self.now()
        func instant(_ moment: ContinuousClock.Instant) -> UInt64 {
            moment >= now ? nanos + UInt64((moment - now).milliseconds * 1e6) : nanos - UInt64((now - moment).milliseconds * 1e6)
        }
        return BenchPacer(sockets: sockets, frames: frames, interval: UInt64(interval.milliseconds * 1e6), start: instant(start), end: instant(end))
    }

    /// Closes every connection (closing handshakes in parallel).
    func close() async {
        await withTaskGroup(of: Void.self) { group in
            for socket in sockets { group.addTask { await socket.close() } }
        }
    }

    private func abortStragglers(after stop: Stop) async {
        while !stop.isDue(at: Self.now()) {
            do { try await Task.sleep(for: .milliseconds(100)) } catch { return }
        }
        do { try await Task.sleep(for: .seconds(30)) } catch { return }
        for socket in sockets { await socket.abort() }
    }

    // MARK: - One charger, isolated to its connection

    private static func boot(_ socket: isolated TransportConnection) async -> Tally {
        var tally = Tally()
        let sent = now()
        do { try await socket.send(text: BenchFrames.boot) } catch {
            tally.closed = 1
            return tally
        }
        if await awaitReply(socket, to: BenchFrames.bootId, tally: &tally) { tally.record(now() - sent) } else { tally.closed = 1 }
        return tally
    }

    private static func saturate(_ socket: isolated TransportConnection, frames: BenchFrames, stop: Stop, meter start: Int) async -> Tally {
        var tally = Tally()
        tally.latencies.reserveCapacity(1_024)
        var sequence = 0
        var meter = start
        while !stop.isDue(at: now()) {
            let id = BenchFrames.id(sequence)
            if sequence % 3 == 1 { meter += 7 }
            let frame = frames.call(sequence, id: id, meter: meter)
            let sent = now()
            do { try await socket.send(text: frame) } catch {
                tally.closed = 1
                break
            }
            guard await awaitReply(socket, to: id, tally: &tally) else {
                tally.closed = 1
                break
            }
            let answered = now()
            if stop.isDue(at: answered) { break }
            tally.record(answered - sent)
            sequence += 1
        }
        return tally
    }

    /// Reads frames until the reply to `id`; answers the server's CALLs on the way. False when
    /// the connection closed first.
    static func awaitReply(_ socket: isolated TransportConnection, to id: String, tally: inout Tally) async -> Bool {
        while true {
            guard let message = try? await socket.receive() else { return false }
            guard case .text(let text) = message else {
                tally.stray += 1
                continue
            }
            switch BenchFrames.classify(text, expecting: id) {
            case .reply: return true
            case .callError:
                tally.callErrors += 1
                return true
            case .call(let callId, let action):
                tally.serverCalls += 1
                try? await socket.send(text: BenchFrames.answer(id: callId, action: action))
            case .stray:
                tally.stray += 1
            }
        }
    }
}
