import Audit
import Foundation
import Remediation

/// Where alerts go until the webhook outbox exists (issue #7): the log, at warning level, and
/// the audit trail with outcome `logged` — recorded, not delivered to anyone.
enum AlertLogging {
    static func record(_ request: AlertRequest, auditor: Auditor, log: Log) async {
        log(.warning, "alert", ["route": request.route, "severity": request.severity, "rule": request.rule, "target": request.target,
                                "title": request.title, "text": request.text])
        await auditor.record(AuditRecord(kind: "alert", actor: "executor", station: request.station, site: request.site, rule: request.rule,
                                         action: "alert \(request.route)", outcome: "logged",
                                         details: "[\(request.severity)] \(request.title)\n\(request.text)"))
    }
}
