/// Spots an on-call step that tells staff to reset a charger, for the loader's check that the
/// page for an `autoReset: never` code never asks for one (docs/vendor-codes.md).
///
/// A step advises a reset when one of its clauses (split at `.`, `;`, `:`, `!`, `?`) holds a
/// reset word with no negation before it in that clause. Reset words are "reset", "reboot" and
/// "restart" in any inflection ("resetting", "rebooted") or compound ("hard-reset"), and "power
/// cycle" / "power-cycling". Negations are "not", "no", "never", "don't", "cannot", "can't",
/// "without" and "avoid". So "Do not reset remotely." and "Set the connector Inoperative; never
/// reboot it." pass, while "Try a soft reset.", "Power-cycle the unit." and "Reset the RCD on
/// site." do not: an on-site reset is a technician step. The check is a word match, deliberately
/// broad; it does not understand the sentence, so a retried session is written "start a new
/// session", not "restart the session".
enum ResetAdvice {
    static let negations: Set<String> = ["not", "no", "never", "don't", "dont", "cannot", "can't", "without", "avoid"]
    static let resetStems = ["reset", "reboot", "restart"]

    /// True when some clause of `step` asks for a reset, reboot, restart or power cycle.
    static func advisesReset(_ step: String) -> Bool {
        let text = step.lowercased().replacingOccurrences(of: "\u{2019}", with: "'")
        for clause in text.split(whereSeparator: { ".;:!?".contains($0) }) {
            let words = clause.split { !($0.isLetter || $0 == "'") }.map(String.init)
            var negated = false
            for (index, word) in words.enumerated() {
                if negations.contains(word) { negated = true }
                let isResetWord = resetStems.contains { word.hasPrefix($0) }
                    || (word == "power" && index + 1 < words.count && words[index + 1].hasPrefix("cycl"))
                if isResetWord && !negated { return true }
            }
        }
        return false
    }
}
