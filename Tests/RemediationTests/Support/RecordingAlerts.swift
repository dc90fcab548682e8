import Alerts
import Remediation

/// An alert sink that hands every raised alert to `record`, and every resolve to `resolved`.
struct RecordingAlerts: AlertSink {
    let record: @Sendable (AlertRequest) -> Void
    var resolved: @Sendable (_ rule: String, _ target: String, _ text: String?) -> Void = { _, _, _ in }
    func raise(_ request: AlertRequest) async { record(request) }
    func resolve(rule: String, target: String, text: String?) async { resolved(rule, target, text) }
}
