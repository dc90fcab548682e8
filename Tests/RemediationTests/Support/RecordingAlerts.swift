import Alerts
import Remediation

/// An alert sink that hands every raised alert to `record` (resolves are ignored).
struct RecordingAlerts: AlertSink {
    let record: @Sendable (AlertRequest) -> Void
    func raise(_ request: AlertRequest) async { record(request) }
    func resolve(rule: String, target: String) async {}
}
