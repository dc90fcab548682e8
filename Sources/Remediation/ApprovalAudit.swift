import Audit

/// The audit entry of an operator's answer to a paused ladder, written where the rule runner
/// took it: by the API on the node running the remediation, or there for an approval another
/// node carried (`askedOf` names the node that was asked).
public enum ApprovalAudit {
    public static func record(rule: String, target: String, approved: Bool, by person: String, role: String?,
                              authenticated: Bool, askedOf: String? = nil) -> AuditRecord {
        AuditRecord(kind: "operator", actor: person, station: target.split(separator: "/").first.map(String.init), rule: rule,
                    action: approved ? "approve" : "reject", outcome: "submitted",
                    details: "\(target) as \(role ?? "no role given")\(authenticated ? " (authenticated)" : "")"
                        + (askedOf.map { ", asked of node \($0)" } ?? ""))
    }
}
