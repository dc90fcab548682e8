import Synchronization

/// Failed station logins by HTTP Basic (a wrong or missing password, credentials from a station
/// that authenticated before but has none stored), counted per station and remote address
/// together, and per remote address alone with a higher limit. A key at its limit is refused at
/// once (429, `Retry-After`) until the oldest failure leaves the window: a password cannot be
/// guessed at the rate the CPU allows, and a flood of wrong passwords costs one key derivation
/// per allowed attempt, not one per request.
///
/// Keys: `station X from A` (limit `failures`) — behind a TLS proxy every charger comes from
/// loopback, so there a station's failures are its own whoever caused them — and `address A`
/// (limit `addressFailures`, not for loopback: the proxy's address is everyone's), high enough
/// that one charger with a stale key at a depot behind one NAT address does not lock out the
/// others. A client certificate is never throttled (it costs no key derivation): callers do not
/// ask for it.
///
/// `begin` checks and reserves an attempt in one step: parallel attempts count before their
/// key derivation ends (500 at once were 500 guesses); `succeeded` gives a reservation back.
///
/// `mayEqualize` is the budget for the key derivation run on a refusal that needs none (a
/// station without a password, a wrong username), so that its answer takes as long as a wrong
/// password's: at most `equalizedPerWindow` in any window across all keys — a flood of
/// made-up ids cannot buy unbounded CPU with it (past it, such refusals are fast again).
///
/// Memory is bounded: at most `maximumKeys` keys; past that expired ones are dropped, and if
/// all are live a new key is not tracked (existing counts are never evicted, so a flood of
/// made-up keys cannot reset a station's).
public final class LoginThrottle: Sendable {
    public struct Limits: Sendable, Equatable {
        public var failures = 10
        public var addressFailures = 100
        public var window: Duration = .seconds(60)
        public var equalizedPerWindow = 120
        public var maximumKeys = 100_000
        public init() {}
    }

    /// One attempt's keys, each with its limit.
    public struct Attempt: Sendable, Equatable {
        public var keys: [(key: String, limit: Int)]

        public static func == (a: Attempt, b: Attempt) -> Bool { a.keys.elementsEqual(b.keys) { $0.key == $1.key && $0.limit == $1.limit } }
    }

    struct State {
        var failures: [String: [ContinuousClock.Instant]] = [:]
        var equalized: [ContinuousClock.Instant] = []
    }

    public let limits: Limits
    private let state = Mutex(State())
    private let now: @Sendable () -> ContinuousClock.Instant

    public init(limits: Limits = Limits(), now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.limits = limits
        self.now = now
    }

    /// Whether `host` is this machine (IPv4, IPv6, or IPv4 mapped into IPv6).
    public static func isLoopback(_ host: String) -> Bool {
        let bare = host.lowercased().hasPrefix("::ffff:") ? String(host.dropFirst(7)) : host
        return bare == "::1" || bare.hasPrefix("127.") || bare == "localhost"
    }

    /// The keys of an attempt at `station` from `remoteHost`.
    public func attempt(station: String, remoteHost: String?) -> Attempt {
        let host = remoteHost.flatMap { $0.isEmpty ? nil : $0 } ?? "unknown"
        var keys = [(key: "station \(station) from \(Self.isLoopback(host) ? "loopback" : host)", limit: limits.failures)]
        if !Self.isLoopback(host) && host != "unknown" { keys.append((key: "address \(host)", limit: limits.addressFailures)) }
        return Attempt(keys: keys)
    }

    /// Reserves an attempt (counted as a failure until `succeeded` gives it back), or the whole
    /// seconds until one may be made when a key is at its limit.
    public func begin(_ attempt: Attempt) -> Int? {
        let instant = now()
        return state.withLock { state -> Int? in
            var wait: Duration?
            for (key, limit) in attempt.keys {
                guard var times = state.failures[key] else { continue }
                times.removeAll { instant - $0 >= limits.window }
                state.failures[key] = times.isEmpty ? nil : times
                guard times.count >= limit, let oldest = times.first else { continue }
                wait = max(wait ?? .zero, limits.window - (instant - oldest))
            }
            if let wait {
                return max(1, Int(wait.components.seconds) + (wait.components.attoseconds > 0 ? 1 : 0))
            }
            for (key, _) in attempt.keys where state.failures[key] != nil || room(&state, at: instant) {
                state.failures[key, default: []].append(instant)
            }
            return nil
        }
    }

    /// The attempt logged in: its reservation is given back.
    public func succeeded(_ attempt: Attempt) {
        state.withLock { state in
            for (key, _) in attempt.keys {
                guard var times = state.failures[key], !times.isEmpty else { continue }
                times.removeLast()
                state.failures[key] = times.isEmpty ? nil : times
            }
        }
    }

    /// Whether a new key may be tracked: expired keys are dropped first when the table is full.
    private func room(_ state: inout State, at instant: ContinuousClock.Instant) -> Bool {
        if state.failures.count < limits.maximumKeys { return true }
        state.failures = state.failures.filter { _, times in times.contains { instant - $0 < limits.window } }
        return state.failures.count < limits.maximumKeys
    }

    /// How many keys are tracked now (bounded by `Limits.maximumKeys`).
    var trackedKeys: Int { state.withLock { $0.failures.count } }

    /// Takes one equalizing key derivation from the window's budget; false when it is spent.
    public func mayEqualize() -> Bool {
        let instant = now()
        return state.withLock { state in
            state.equalized.removeAll { instant - $0 >= limits.window }
            guard state.equalized.count < limits.equalizedPerWindow else { return false }
            state.equalized.append(instant)
            return true
        }
    }
}
