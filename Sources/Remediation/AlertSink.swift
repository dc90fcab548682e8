import Alerts

/// Where the executor's alerts go: raised when a ladder, a gate or a breaker says so, resolved
/// when the rule's incident clears. `AlertService` is the one in `vigil serve`; tests record.
public protocol AlertSink: Sendable {
    func raise(_ request: AlertRequest) async
    func resolve(rule: String, target: String) async
}

extension AlertService: AlertSink {}
