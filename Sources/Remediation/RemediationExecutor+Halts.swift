import Alerts
import Audit
import Foundation
import RuleEngine

/// A rule's own site breaker (`haltWhen`) tells on-call, as the fleet breaker does: one page
/// when the rule halts for a site, updated with every station whose fault the halt then keeps
/// from the rule's ladder (their own pages would otherwise never go out).
extension RemediationExecutor {
    static let haltedPrefix = "halted for site "

    func pageHalt(_ decision: Decision, decisionId: Int?) async {
        guard decision.mode == .enforce, let site = decision.target.site ?? Self.haltedSite(decision) else { return }
        let key = "\(decision.rule)|site:\(site)"
        switch decision.kind {
        case .halted:
            haltedTargets[key] = (decision.reason, [])
            // Resolved when the halt ends (the reason says until when).
            if let until = Self.haltEnd(decision.reason) {
                let (rule, reason, wait) = (decision.rule, decision.reason, max(0, until.timeIntervalSince(clock())))
                Task {
                    try? await Task.sleep(for: .seconds(wait))
                    await self.endHalt(key: key, rule: rule, site: site, reason: reason)
                }
            }
        case .suppressed:
            guard decision.reason.hasPrefix(Self.haltedPrefix), let halt = haltedTargets[key],
                  !halt.held.contains(decision.target.key) else { return }
            haltedTargets[key]?.held.append(decision.target.key)
        default:
            return
        }
        guard let halt = haltedTargets[key] else { return }
        let text = "Rule \(decision.rule) halted for site \(site): \(halt.reason)."
            + " Its ladders take no automatic action there until the halt ends; faults reported there meanwhile need a person."
            + (halt.held.isEmpty ? "" : "\nHeld back since: \(halt.held.joined(separator: ", ")) (vigil remediation decisions, GET /api/v1/decisions?rule=\(decision.rule)).")
        await alerts.raise(AlertRequest(rule: decision.rule, target: "site:\(site)", station: nil, site: site, route: "oncall",
                                        severity: .critical, title: "\(decision.rule) halted for site \(site): too many stations tripped at once",
                                        text: text, decisionId: decisionId))
    }

    /// The halt is over: its page is resolved and its list forgotten — unless the rule halted the
    /// site again since (another reason): that halt's own timer ends it.
    func endHalt(key: String, rule: String, site: String, reason: String) async {
        guard haltedTargets[key]?.reason == reason else { return }
        haltedTargets[key] = nil
        await alerts.resolve(rule: rule, target: "site:\(site)")
    }

    /// When a `halted` decision's halt ends (`… for 15m, until 2026-01-01T00:15:00Z — …`).
    static func haltEnd(_ reason: String) -> Date? {
        guard let range = reason.range(of: ", until ") else { return nil }
        return reason[range.upperBound...].split(separator: " ").first.flatMap { RuleRunner.parseTimestamp(String($0)) }
    }

    /// The site a halt's suppression names (`halted for site north until …`).
    static func haltedSite(_ decision: Decision) -> String? {
        guard decision.reason.hasPrefix(haltedPrefix) else { return nil }
        return decision.reason.dropFirst(haltedPrefix.count).split(separator: " ").first.map(String.init)
    }
}
