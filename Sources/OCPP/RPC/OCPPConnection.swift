import Transport

/// The OCPP-J session with one charger over its WebSocket: it answers the charger's CALLs
/// through registered handlers, and sends Vigil's own CALLs with `call`, one at a time as
/// the protocol requires, each with a timeout. A malformed frame with a readable id gets the
/// version's CALLERROR; one without an id is counted in `statistics` and skipped.
public actor OCPPConnection {
    /// Answers one CALL: the payload in, the result payload out, or a thrown `CallError`.
    public typealias Handler = @Sendable (_ payload: JSONObject, _ connection: OCPPConnection) async throws -> JSONObject

    /// Counters for the operator's view of a charger's protocol health.
    public struct Statistics: Sendable, Equatable {
        public var callsReceived = 0
        public var callErrorsSent = 0
        public var unreadableFrames = 0
        public var strayResults = 0
    }

    public nonisolated let version: OCPPVersion
    public nonisolated let stationId: String
    /// The OCPP security profile of the connection (3 TLS with client certificate, 2 TLS with
    /// Basic credentials, 1 Basic credentials only, 0 none), when the server told it.
    public nonisolated let securityProfile: Int?
    public nonisolated let socket: TransportConnection
    /// The session runs on its socket's queue, and so do the tasks answering CALLs: a frame is
    /// read, decoded, handled and answered without hopping between threads (only a handler's
    /// own awaits — the store — leave it).
    public nonisolated var unownedExecutor: UnownedSerialExecutor { socket.executor.asUnownedSerialExecutor() }
    private let handlers: [String: Handler]
    private var pending: PendingCalls<CheckedContinuation<JSONObject, Error>>
    private var deadlineSignal: AsyncStream<Void>.Continuation?
    public private(set) var statistics = Statistics()
    private var isClosed = false
    /// Where a frame that cannot be answered is reported (log); called with a description.
    private let report: @Sendable (String) -> Void
    /// Sees every text frame in (`true`) and out (`false`), for the raw message log. It must
    /// not block: it is called on the connection's path.
    private let frameLog: (@Sendable (_ incoming: Bool, _ text: String) -> Void)?
    /// Decides, before anything else, whether an incoming text frame is taken at all (a message
    /// budget): false drops it — not logged, not handled, not answered. Must not block.
    private let admit: (@Sendable (_ text: String) -> Bool)?
    /// What this station's firmware is known to get wrong (set by the CPMS from the vendor
    /// catalogue, again after each boot); strict when empty.
    public private(set) var quirks = StationQuirks()
    /// The answer to every CALL but a BootNotification while the central system does not accept
    /// the station (an unknown id under a reject policy, a station marked rejected: OCPP 2.0.1
    /// B03.FR.07); nil while it does. Set by the CPMS at the connection's start and after each boot.
    public private(set) var refusal: CallError?
    /// Whether `refusal` answers BootNotifications too (a connection that is being closed).
    private var refusesBoot = false
    /// Hears every use of `quirks` (frame repairs, reply delays, and what the handlers report).
    private nonisolated let quirkLog: (@Sendable ([AppliedQuirk]) -> Void)?
    /// The process's traffic counts (`/metrics`), when it keeps them.
    private nonisolated let traffic: OCPPTraffic?
    /// Vigil's CALLs wait for the answers in progress, so a Reset decided on a fault report
    /// never reaches the charger before the answer to that report.
    private var answersFirst = AnswersFirst<String>()
    /// Calls made by handlers while answering (those must not wait for their own answer).
    private var callsFromHandlers = 0
    /// A CALL from the charger, numbered in the order the CALLs arrived (`AnswersFirst`).
    private typealias IncomingCall = (id: String, action: String, payload: JSONObject, number: Int)
    /// The CALLs being answered (by number), and the tasks answering those that suspended.
    private var answersRunning: Set<Int> = []
    /// Answers whose tasks were queued and have not started yet (`startAnswer`).
    private var answersQueued = 0
    private var answerTasks: [Int: Task<Void, Never>] = [:]
    /// `run`, waiting at the end for the answers in progress.
    private var answersDone: CheckedContinuation<Void, Never>?
    /// The connection whose CALL the current task is answering.
    @TaskLocal private static var answeringOn: ObjectIdentifier?

    public init(socket: TransportConnection, version: OCPPVersion, stationId: String, handlers: [String: Handler],
                callQueueLimit: Int = 32, report: @escaping @Sendable (String) -> Void = { _ in },
                frameLog: (@Sendable (_ incoming: Bool, _ text: String) -> Void)? = nil,
                admit: (@Sendable (_ text: String) -> Bool)? = nil,
                quirkLog: (@Sendable ([AppliedQuirk]) -> Void)? = nil, securityProfile: Int? = nil, traffic: OCPPTraffic? = nil) {
        self.socket = socket
        self.traffic = traffic
        self.securityProfile = securityProfile
        self.quirkLog = quirkLog
        self.version = version
        self.stationId = stationId
        self.handlers = handlers
        self.report = report
        self.frameLog = frameLog
        self.admit = admit
        var random = SystemRandomNumberGenerator()
        pending = PendingCalls(queueLimit: callQueueLimit, idPrefix: String(random.next() & 0xFFFF_FFFF, radix: 36))
    }

    /// Serves the connection until the socket closes; then fails every waiting `call`, and
    /// returns once the answers in progress are done.
    public func run() async {
        let (signals, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        deadlineSignal = continuation
        await withDiscardingTaskGroup { group in
            group.addTask(executorPreference: socket.executor.tasks) { await self.expireCalls(signals: signals) }
            await readUntilClosed()
            close()
            group.cancelAll()   // wakes the deadline sleeper
        }
        answerTasks.values.forEach { $0.cancel() }   // wakes any handler still running
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            if answersRunning.isEmpty { done.resume() } else { answersDone = done }
        }
    }

    /// Handles each message as the socket completes it, in the socket's own job (they share
    /// the executor: `TransportConnection.takeMessages`), until no more will come — or until
    /// the task running the session is cancelled.
    private func readUntilClosed() async {
        let socket = self.socket
        await withTaskCancellationHandler {
            await withCheckedContinuation { (ended: CheckedContinuation<Void, Never>) in
                socket.assumeIsolated { socket in
                    socket.takeMessages { [self] message in
                        self.assumeIsolated { connection in
                            guard let message else { return ended.resume() }
                            if let call = connection.handle(message) { connection.startAnswer(call) }
                        }
                    }
                }
            }
        } onCancel: {
            socket.executor.queue.async { socket.assumeIsolated { $0.stopTakingMessages() } }
        }
    }

    /// Answers a CALL in a task of its own, so that a handler may itself `call` the charger
    /// while the socket keeps delivering (the result reaches the waiting handler). The task
    /// starts at once, in the job that read the CALL, and runs until its first suspension
    /// (the store's commit): no job is queued to start it.
    private func startAnswer(_ call: IncomingCall) {
        let number = call.number
        answersRunning.insert(number)
        // Started in place only from the socket's own job, where no task runs. Messages can
        // also come while a task is running: those queued before `takeMessages` are handed
        // over inside `run`'s task, in the middle of its suspension. A task is not nested
        // inside that one; it is queued as usual — and so is every answer after it until the
        // queued ones have started, so that answers start in the order their CALLs came (a
        // read job already on the queue runs before the queued tasks).
        let task: Task<Void, Never>
        if answersQueued == 0, withUnsafeCurrentTask(body: { $0 == nil }) {
            task = Task.immediate(executorPreference: socket.executor.tasks) { await self.answerInTask(call, queued: false) }
        } else {
            answersQueued += 1
            task = Task(executorPreference: socket.executor.tasks) { await self.answerInTask(call, queued: true) }
        }
        if answersRunning.contains(number) { answerTasks[number] = task }
    }

    /// The body of an answer's task (`startAnswer`).
    private func answerInTask(_ call: IncomingCall, queued: Bool) async {
        if queued { answersQueued -= 1 }
        await respond(to: call)
        answerEnded(call.number)
    }

    private func answerEnded(_ number: Int) {
        answersRunning.remove(number)
        answerTasks[number] = nil
        if answersRunning.isEmpty, let done = answersDone {
            answersDone = nil
            done.resume()
        }
    }

    /// Replaces the station's quirk profile (from the next message on).
    public func apply(_ quirks: StationQuirks) {
        self.quirks = quirks
    }

    /// Answers every CALL but a BootNotification with `refusal` from the next one on (nil: answers
    /// them again). The station must boot again to be served: a rejected charger does. With
    /// `includingBoot`, BootNotifications too: nothing is served (a connection being closed).
    public func refuseCalls(_ refusal: CallError?, includingBoot: Bool = false) {
        self.refusal = refusal
        refusesBoot = refusal != nil && includingBoot
    }

    /// Reports uses of the quirk profile to the connection's quirk log.
    public nonisolated func recordQuirks(_ applied: [AppliedQuirk]) {
        quirkLog?(applied)
    }

    /// Sends a CALL and waits for its result payload. Throws `OCPPCallFailure`.
    public func call(_ action: String, _ payload: JSONObject, timeout: Duration = .seconds(30)) async throws -> JSONObject {
        guard !isClosed else { throw OCPPCallFailure.notConnected }
        let fromHandler = Self.answeringOn == ObjectIdentifier(self)
        if fromHandler {
            // A handler calling the charger waits for that call's result before it answers:
            // holding anything back now would make it wait for itself.
            callsFromHandlers += 1
            answersFirst.releaseAll().forEach(emit)
        }
        defer { if fromHandler { callsFromHandlers -= 1 } }
        return try await withCheckedThrowingContinuation { continuation in
            // Checked again where the call is registered: a caller whose task does not prefer
            // this connection's queue may have been suspended on its way here, and a call
            // registered after the close would wait for ever (nothing expires it any more).
            guard !isClosed else { return continuation.resume(throwing: OCPPCallFailure.notConnected) }
            let effects = pending.submit(action: action, payload: payload, timeout: timeout, waiter: continuation, now: .now)
            perform(effects)
            deadlineSignal?.yield()
        }
    }

    /// Processes one message; returns a CALL for the caller to answer, numbered in the order
    /// the CALLs arrived (`AnswersFirst`).
    private func handle(_ message: WebSocketMessage) -> IncomingCall? {
        guard case .text(let received) = message else {
            statistics.unreadableFrames += 1
            traffic?.unreadable()
            report("binary frame ignored: OCPP-J uses text frames")
            return nil
        }
        if let admit, !admit(received) { return nil }
        frameLog?(true, received)
        var text = received
        if !quirks.repairs.isEmpty {
            let (repaired, applied) = quirks.repair(text)
            if !applied.isEmpty {
                text = repaired
                recordQuirks(applied)
            }
        }
        switch OCPPFrameDecoder.decode(text, version: version) {
        case .failure(let failure):
            guard let id = failure.id else {
                statistics.unreadableFrames += 1
                traffic?.unreadable()
                report("unanswerable frame (\(failure.error.code): \(failure.error.description))")
                return nil
            }
            statistics.callErrorsSent += 1
            traffic?.sent(callError: failure.error.code.rawValue)
            emit(OCPPFrame.callError(id: id, error: failure.error).encoded())
        case .success(.call(let id, let action, let payload)):
            statistics.callsReceived += 1
            traffic?.received(call: action, known: handlers[action] != nil)
            return (id, action, payload, answersFirst.beginAnswer())
        case .success(let frame):
            if case .callError(_, let error) = frame { traffic?.received(callError: error.code.rawValue) }
            let (effects, isStray) = pending.received(frame, now: .now)
            if isStray {
                statistics.strayResults += 1
                report("result for unknown message id \(frame.id) ignored")
            }
            perform(effects)
        }
        return nil
    }

    private func answer(id: String, action: String, payload: JSONObject) async {
        if let refusal, action != "BootNotification" || refusesBoot {
            await send(.callError(id: id, error: refusal))
            return
        }
        guard let handler = handlers[action] else {
            await send(.callError(id: id, error: CallError(.notImplemented, "action \(action) is not implemented")))
            return
        }
        do {
            let result = try await handler(payload, self)
            if let delay = quirks.replyDelay(for: action) {
                recordQuirks([AppliedQuirk(quirk: delay.quirk, kind: "replyDelay", action: action, path: "",
                                           original: "reply held \(delay.delay)")])
                try? await Task.sleep(for: delay.delay)
            }
            await send(.callResult(id: id, payload: result))
        } catch let error as CallError {
            await send(.callError(id: id, error: error))
        } catch {
            report("handler for \(action) failed: \(error)")
            await send(.callError(id: id, error: CallError(.internalError, "internal error while handling \(action)")))
        }
    }

    /// Answers a CALL (in its own task: `startAnswer`), then lets the CALLs that waited for
    /// the answer go — one entry into the actor per CALL rather than one per step.
    private func respond(to call: IncomingCall) async {
        await Self.$answeringOn.withValue(ObjectIdentifier(self)) {
            await answer(id: call.id, action: call.action, payload: call.payload)
        }
        answered(call.number)
    }

    /// The answer to the charger's CALL `number` is written: the CALLs that waited for it go.
    private func answered(_ number: Int) {
        answersFirst.endAnswer(number).forEach(emit)
    }

    private func send(_ frame: OCPPFrame) async {
        if case .callError(_, let error) = frame {
            statistics.callErrorsSent += 1
            traffic?.sent(callError: error.code.rawValue)
        }
        let text = frame.encoded()
        frameLog?(false, text)
        // Written in place: the socket's actor shares this one's executor, and awaiting its
        // `send` queued a job per answer. The await is only for backpressure.
        if writeNow(text) { await socket.waitForDrain() }
    }

    /// Writes `text` on the socket from this actor (they share the executor); whether the
    /// socket's output is over its high watermark. A closed socket drops it, as `send` did.
    private func writeNow(_ text: String) -> Bool {
        socket.assumeIsolated { socket in (try? socket.write(text: text)) ?? false }
    }

    /// Sends without waiting (from synchronous state-machine effects), logging the frame.
    private func emit(_ text: String) {
        frameLog?(false, text)
        socket.enqueue(text: text)
    }

    private func perform(_ effects: [PendingCalls<CheckedContinuation<JSONObject, Error>>.Effect]) {
        for effect in effects {
            switch effect {
            case .send(let id, let action, let payload):
                traffic?.sent(call: action)
                let text = OCPPFrame.call(id: id, action: action, payload: payload).encoded()
                if callsFromHandlers > 0 {
                    emit(text)
                } else if let free = answersFirst.submit(text) {
                    emit(free)
                }
            case .resume(let waiter, let outcome):
                switch outcome {
                case .success(let payload): waiter.resume(returning: payload)
                case .failure(let failure): waiter.resume(throwing: failure)
                }
            }
        }
    }

    /// Sleeps until the outstanding call's deadline, fails it if no answer came, repeats;
    /// idle (no wake-ups) while nothing is outstanding.
    private func expireCalls(signals: AsyncStream<Void>) async {
        for await _ in signals {
            while let deadline = pending.nextDeadline, !isClosed, !Task.isCancelled {
                try? await Task.sleep(until: deadline, clock: .continuous)
                perform(pending.expire(now: .now))
            }
            if isClosed { return }
        }
    }

    private func close() {
        isClosed = true
        perform(pending.failAll(.notConnected))
        deadlineSignal?.finish()
    }
}
