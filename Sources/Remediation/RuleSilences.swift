import Alerts
import CPMS
import Foundation
import RuleEngine

/// The alert silences (`vigil alerts silence`, the API) as the rule engine's silences, so a
/// rule's `unless: { silenced: true }` holds while one covers the rule and its target.
///
/// A silence matches a rule by `--rule`, `--station` and `--site` (each given one must match).
/// One that also names a `--severity` mutes alert deliveries of that severity only: a rule has
/// no severity of its own, so such a silence does not hold rules back (it would otherwise
/// silence every rule on its station or site). Ended silences stay in the list for a while
/// (`keepEnded`), so events recorded while one was active are still judged under it when they
/// are evaluated late or replayed.
public enum RuleSilences {
    /// How long after its end a silence is still given to the engine.
    public static let keepEnded: TimeInterval = 7 * 86_400

    /// The engine's silences for `rows` at `now` (silences ended before `now - keepEnded` are
    /// left out; so are severity-scoped ones and rows whose times cannot be read).
    public static func engineSilences(_ rows: [SilenceRow], now: Date, keepEnded: TimeInterval = keepEnded) -> [Silence] {
        rows.compactMap { row in
            guard row.severity == nil, let from = StoreTime.parse(row.startsAt), let to = StoreTime.parse(row.endsAt),
                  to > now.addingTimeInterval(-keepEnded) else { return nil }
            return Silence(rule: row.rule, station: row.station, site: row.site, from: from, to: to)
        }
    }
}
