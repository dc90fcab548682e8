/// Bookkeeping of the CALLs Vigil sends to one charger. OCPP-J allows one outstanding CALL
/// per direction, so further calls wait in a bounded queue, in order; each sent call has a
/// deadline. A pure state machine: the connection actor performs the effects it returns.
public struct PendingCalls<Waiter> {
    /// What the owner must do next.
    public enum Effect {
        /// Write this CALL to the socket now.
        case send(id: String, action: String, payload: JSONObject)
        /// Hand the outcome to the caller waiting on `id`.
        case resume(Waiter, Result<JSONObject, OCPPCallFailure>)
    }

    struct Call {
        var id: String
        var action: String
        var payload: JSONObject
        var timeout: Duration
        var waiter: Waiter
    }

    public let queueLimit: Int
    private var outstanding: (call: Call, deadline: ContinuousClock.Instant)?
    private var queue: [Call] = []
    private var nextNumber: UInt64 = 0
    private let idPrefix: String

    /// `idPrefix` makes ids unique across connections and restarts (a random token);
    /// a counter makes them unique within the connection.
    public init(queueLimit: Int = 32, idPrefix: String) {
        self.queueLimit = queueLimit
        self.idPrefix = idPrefix
    }

    /// Calls waiting to be sent, plus the one in flight.
    public var count: Int { queue.count + (outstanding == nil ? 0 : 1) }

    /// Registers a call. It is sent at once when nothing is outstanding, else queued; a
    /// full queue fails it immediately rather than growing without bound.
    public mutating func submit(action: String, payload: JSONObject, timeout: Duration, waiter: Waiter,
                                now: ContinuousClock.Instant) -> [Effect] {
        guard queue.count < queueLimit else {
            return [.resume(waiter, .failure(.queueFull(limit: queueLimit)))]
        }
        nextNumber += 1
        queue.append(Call(id: "\(idPrefix)-\(nextNumber)", action: action, payload: payload, timeout: timeout, waiter: waiter))
        return sendNextIfIdle(now: now)
    }

    /// A CALLRESULT or CALLERROR arrived. A frame for an id that is not outstanding is
    /// a stray (late, duplicated, or invented) and is reported as such with no effect.
    public mutating func received(_ frame: OCPPFrame, now: ContinuousClock.Instant) -> (effects: [Effect], isStray: Bool) {
        guard let current = outstanding, current.call.id == frame.id else { return ([], true) }
        outstanding = nil
        let outcome: Result<JSONObject, OCPPCallFailure>
        switch frame {
        case .callResult(_, let payload): outcome = .success(payload)
        case .callError(_, let error): outcome = .failure(.callError(error))
        case .call: return ([], true)
        }
        return ([.resume(current.call.waiter, outcome)] + sendNextIfIdle(now: now), false)
    }

    /// Fails the outstanding call if its deadline has passed, then sends the next one.
    public mutating func expire(now: ContinuousClock.Instant) -> [Effect] {
        guard let current = outstanding, current.deadline <= now else { return [] }
        outstanding = nil
        return [.resume(current.call.waiter, .failure(.timedOut(action: current.call.action, after: current.call.timeout)))]
            + sendNextIfIdle(now: now)
    }

    /// The deadline of the outstanding call, for the owner's timer.
    public var nextDeadline: ContinuousClock.Instant? { outstanding?.deadline }

    /// The connection is gone: every waiter fails.
    public mutating func failAll(_ failure: OCPPCallFailure) -> [Effect] {
        var effects: [Effect] = []
        if let current = outstanding { effects.append(.resume(current.call.waiter, .failure(failure))) }
        effects += queue.map { .resume($0.waiter, .failure(failure)) }
        outstanding = nil
        queue = []
        return effects
    }

    private mutating func sendNextIfIdle(now: ContinuousClock.Instant) -> [Effect] {
        guard outstanding == nil, !queue.isEmpty else { return [] }
        let call = queue.removeFirst()
        outstanding = (call, now + call.timeout)
        return [.send(id: call.id, action: call.action, payload: call.payload)]
    }
}

/// Why a CALL sent by Vigil did not produce a result.
public enum OCPPCallFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// The charger answered with a CALLERROR.
    case callError(CallError)
    /// No answer within the call's timeout.
    case timedOut(action: String, after: Duration)
    /// More calls were waiting for this charger than the queue holds.
    case queueFull(limit: Int)
    /// The charger is not connected (or disconnected before answering).
    case notConnected
    /// The answer did not validate against the response schema.
    case invalidResponse(String)

    public var description: String {
        switch self {
        case .callError(let error): return "charger answered \(error.code): \(error.description)"
        case .timedOut(let action, let after): return "no answer to \(action) within \(after)"
        case .queueFull(let limit): return "\(limit) calls already waiting for this charger"
        case .notConnected: return "charger is not connected"
        case .invalidResponse(let why): return "invalid response: \(why)"
        }
    }
}
