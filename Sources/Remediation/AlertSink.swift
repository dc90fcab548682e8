import Alerts

/// Where the executor's alerts go: raised when a ladder, a gate or a breaker says so, resolved
/// when the rule's incident clears. `AlertService` is the one in `vigil serve`; tests record.
public protocol AlertSink: Sendable {
    func raise(_ request: AlertRequest) async
    /// The incident is over: its open alert resolves; `text` (nil: a generic sentence) is what
    /// the routes are told.
    func resolve(rule: String, target: String, text: String?) async
}

extension AlertSink {
    public func resolve(rule: String, target: String) async { await resolve(rule: rule, target: target, text: nil) }
}

extension AlertService: AlertSink {}
