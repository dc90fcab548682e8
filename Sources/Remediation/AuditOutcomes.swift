import Audit
import CPMS
import Foundation
import RuleEngine
import Store

/// The outcomes an audit filter may name (`vigil audit query --outcome`, `GET /api/v1/audit?outcome=`):
/// an open set — a station's answer, a silence's number — so a value is valid when Vigil writes
/// it (a command status, a decision kind, the words below) or some entry already has it; anything
/// else is refused, naming the ones known, rather than answered with nothing.
public enum AuditOutcomes {
    /// The outcomes Vigil itself writes: every command status and decision kind, and the words of
    /// verification, alerts, the outbox, breakers, tokens and operators' actions.
    public static let words: [String] = CommandStatus.allCases.map(\.rawValue) + Decision.Kind.allCases.map(\.rawValue)
        + ["verified", "notVerified", "dry-run", "timed out", "not connected", "sending", "submitted", "applied", "done", "delivered", "dead",
           "noRoute", "filtered", "silenced", "tripped", "extended", "released", "blocked", "unblocked", "unchanged"]

    /// `text` when it is a valid outcome filter; else `FilterInputError.unknownValue` naming the known ones.
    public static func validated(_ text: String, in host: any DatabaseHost) async throws -> String {
        if words.contains(text) { return text }
        let audit = AuditStore(host: host)
        if try await audit.hasOutcome(text) { return text }
        // The list names the words; outcomes on record that are counts, ids or sentences (a
        // retry's count, a station's reason) still filter but would only clutter it.
        let recorded = try await audit.recordedOutcomes().filter { outcome in
            outcome.first?.isLetter == true && outcome.count <= 32 && !outcome.contains(":")
        }
        throw FilterInputError.unknownValue(option: "outcome", value: text, valid: Set(words).union(recorded).sorted())
    }
}
