import Synchronization

/// Failed station logins (a wrong or missing password, a certificate naming another station),
/// counted per key — the station id always, the remote address when it is not loopback (behind
/// a TLS proxy every charger comes from loopback, so the address says nothing there). A key with
/// `failures` failures in the last `window` is refused at once (429, `Retry-After`) until the
/// oldest of them leaves the window: a password cannot be guessed at the rate the CPU allows, and
/// a flood of wrong passwords costs one key derivation per allowed failure, not one per attempt.
///
/// `mayEqualize` is the budget for the key derivation run on a refusal that needs none (a
/// station without a password, a wrong username), so that its answer takes as long as a wrong
/// password's and does not tell which stations have one: at most `equalizedPerWindow` in any
/// window across all keys — a flood of made-up ids cannot buy unbounded CPU with it.
///
/// Memory is bounded: at most `maximumKeys` keys are tracked; past that, expired ones are
/// dropped, and if all are live the oldest half is forgotten (their counts restart).
public final class LoginThrottle: Sendable {
    public struct Limits: Sendable, Equatable {
        public var failures = 10
        public var window: Duration = .seconds(60)
        public var equalizedPerWindow = 120
        public var maximumKeys = 10_000
        public init() {}
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

    /// The keys of an attempt: the station, and the remote host unless it is loopback.
    public static func keys(station: String, remoteHost: String?) -> [String] {
        var keys = ["station " + station]
        if let remoteHost, !remoteHost.isEmpty, remoteHost != "127.0.0.1", remoteHost != "::1", !remoteHost.hasPrefix("127.") {
            keys.append("address " + remoteHost)
        }
        return keys
    }

    /// Whole seconds until an attempt with `keys` may be checked again; nil when it may now.
    public func retryAfter(_ keys: [String]) -> Int? {
        let instant = now()
        return state.withLock { state -> Int? in
            var wait: Duration?
            for key in keys {
                guard var times = state.failures[key] else { continue }
                times.removeAll { instant - $0 >= limits.window }
                state.failures[key] = times.isEmpty ? nil : times
                guard times.count >= limits.failures, let oldest = times.first else { continue }
                let left = limits.window - (instant - oldest)
                wait = max(wait ?? .zero, left)
            }
            return wait.map { max(1, Int(($0.components.seconds) + ($0.components.attoseconds > 0 ? 1 : 0))) }
        }
    }

    /// Counts one failed attempt against each of `keys`.
    public func recordFailure(_ keys: [String]) {
        let instant = now()
        state.withLock { state in
            if state.failures.count + keys.count > limits.maximumKeys {
                state.failures = state.failures.filter { _, times in times.contains { instant - $0 < limits.window } }
                if state.failures.count + keys.count > limits.maximumKeys {
                    let oldestFirst = state.failures.sorted { ($0.value.last ?? instant) < ($1.value.last ?? instant) }
                    for (key, _) in oldestFirst.prefix(state.failures.count / 2 + keys.count) { state.failures[key] = nil }
                }
            }
            for key in keys { state.failures[key, default: []].append(instant) }
        }
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
