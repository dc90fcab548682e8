import Audit
import CPMS
import Foundation
import RuleEngine

/// A rule's `blockToken`: the triggering event's id token is set to `blocked` in Vigil's token
/// registry, so the next Authorize or start with it is refused (a charger that authorises from
/// its own cache or local list may still accept it offline). Nothing is sent to the station.
/// Like a command, it is not carried out for a dry-run rule or while the kill switch is on (a
/// kill switch that cannot be read refuses: fail closed), and every outcome — blocked,
/// already blocked, refused, dry-run, failed — is an audit entry of kind `token`.
extension RemediationExecutor {
    func blockToken(_ decision: Decision, action: DecidedAction, decisionId: Int?) async {
        let station = decision.target.station
        func audit(_ outcome: String, _ details: String) async {
            let cited = decisionId.map { "decision \($0): " } ?? ""
            await auditor.record(AuditRecord(kind: "token", actor: "executor", station: station, site: decision.target.site,
                                             rule: decision.rule, action: action.label, outcome: outcome, details: cited + details))
        }
        guard let token = action.token, !token.isEmpty else {
            await audit("refused", "the triggering event names no idTag: nothing to block")
            return
        }
        if decision.mode == .dryRun {
            await audit("dry-run", "not blocked: the rule is in dry-run mode")
            return
        }
        do {
            if try await readGate("kill switch", { try await self.settingsReads.setting(Self.killSwitchKey) }) == "true" {
                await audit("refused", "not blocked: the kill switch is on (vigil remediation resume turns it off)")
                return
            }
        } catch {
            await audit("refused", "not blocked: the kill switch cannot be read (fail closed): \(error)")
            return
        }
        do {
            let existing = try await store.token(token)
            if existing?.status == .blocked {
                await audit("unchanged", "\(token) was already blocked")
                return
            }
            var record = existing ?? IdTokenRecord(token: token, status: .blocked)
            let before = existing?.status.rawValue ?? "unknown"
            record.status = .blocked
            let reason = "blocked by rule \(decision.rule) at \(now)"
            record.note = [existing?.note, reason].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "; ")
            try await store.saveToken(record, now: now)
            await audit("blocked", "\(token) blocked (was \(before)): \(decision.reason)")
            log(.warning, "token blocked by a rule", ["rule": decision.rule, "station": station ?? "-", "was": before])
        } catch {
            await audit("failed", "\(token) could not be blocked: \(error)")
            log(.error, "cannot block a token", ["rule": decision.rule, "error": "\(error)"])
        }
    }
}
