import Foundation

/// `vigil rules explain ID`: a rule in plain words, for reviewers who do not read YAML.
extension Rule {
    public var explanation: String {
        var lines: [String] = []
        lines.append("Rule \(id)\(enabled ? "" : " (disabled)")\(mode == .dryRun ? " — dry-run: decisions are recorded, nothing is sent" : "")")
        if !description.isEmpty { lines.append(description) }
        lines.append("Defined at \(mark); text hash \(hash.prefix(12)).")
        if !scope.isEmpty {
            var parts: [String] = []
            for (name, globs) in [("sites", scope.sites), ("stations", scope.stations), ("vendors", scope.vendors),
                                  ("models", scope.models), ("firmware", scope.firmware)] where !globs.isEmpty {
                parts.append("\(name) \(globs.map(\.pattern).joined(separator: ", "))")
            }
            lines.append("Applies to " + parts.joined(separator: "; ") + ".")
        } else {
            lines.append("Applies to every station.")
        }
        let what = trigger.events.map(\.rawValue).joined(separator: " or ")
        let condition = trigger.predicate == .always ? "" : " where \(trigger.predicate.spoken)"
        lines.append("It fires " + patternWords(what + condition) + (around.map { ", and only while \($0.spoken)" } ?? "") + ".")
        for guardCase in guards {
            switch guardCase {
            case .transactionActive: lines.append("It holds back while a transaction is active on the target.")
            case .maintenance: lines.append("It holds back inside a maintenance window.")
            case .silenced: lines.append("It holds back while a silence covers it.")
            case .ruleActive(let link):
                lines.append("It holds back while \(link.spokenNames) has an open incident \(link.placeWords)\(link.runningWords).")
            case .stationOffline: lines.append("It holds back while the station is offline.")
            case .event(let predicate): lines.append("It ignores events where \(predicate.spoken).")
            }
        }
        lines.append("Then, in order:")
        for (index, rung) in ladder.enumerated() {
            var line = "  \(index + 1). \(rung.action.spoken)"
            if let verify = rung.verify {
                line += "; it worked if \(verify.trigger.events.map(\.rawValue).joined(separator: "/"))"
                if verify.trigger.predicate != .always { line += " where \(verify.trigger.predicate.spoken)" }
                line += " follows within \(verify.within.spoken) — then stop, else go on"
            }
            if rung.allowDuringSession { line += " (even during a transaction)" }
            lines.append(line)
        }
        if ladder.contains(where: { [.reset, .disableConnector, .unlockConnector, .remedy].contains($0.action.type) && !$0.allowDuringSession }) {
            lines.append("Commands that would disturb a live transaction are not sent.")
        }
        var limitWords: [String] = []
        if let cooldown = limits.cooldown {
            var text = "waits \(cooldown.spoken) before acting again on the same target"
            if let factor = limits.backoffFactor {
                text += ", ×\(FieldValue.number(factor)) on each repeat up to \(limits.cooldownMax?.spoken ?? "?")"
            }
            limitWords.append(text)
        }
        if let maxAttempts = limits.maxAttempts { limitWords.append("acts at most \(maxAttempts) times per target in \(limits.attemptsWindow.spoken)") }
        for budget in limits.budgets {
            limitWords.append("sends at most \(budget.max) \(budget.action?.rawValue ?? "command")s per \(budget.per) in \(budget.within.spoken)")
        }
        if let halt = limits.halt {
            limitWords.append("stops acting on a site for \(halt.within.spoken) when more than \(Int(halt.share * 100))% of its stations trip within that time")
        }
        if !limitWords.isEmpty { lines.append("Limits: it " + limitWords.joined(separator: "; it ") + ".") }
        if let inhibit = inhibit {
            lines.append("While it is open, it suppresses \(inhibit.spokenNames) \(inhibit.placeWords)\(inhibit.runningWords).")
        }
        return lines.joined(separator: "\n")
    }

    func patternWords(_ what: String) -> String {
        switch pattern {
        case .each(let by): return "on every \(what) (one target per \(by))"
        case .sustained(let pattern):
            var text = "when \(what) has held for \(pattern.duration.spoken) per \(pattern.by)"
            if let cleared = pattern.clearedBy {
                text += ", until \(cleared.events.map(\.rawValue).joined(separator: "/"))\(cleared.predicate == .always ? "" : " where \(cleared.predicate.spoken)") clears it"
            } else {
                text += " (a later event of the same kind that does not match clears it)"
            }
            if pattern.keepFor.seconds > 0 { text += "; a clearing must last \(pattern.keepFor.spoken) to count" }
            return text
        case .count(let atLeast, let within, let by, let distinct?):
            return "when \(what) come from at least \(atLeast) different \(distinct)s within \(within.spoken) for one \(by)"
        case .count(let atLeast, let within, let by, nil): return "when at least \(atLeast) \(what) arrive within \(within.spoken) for one \(by)"
        case .absent(let length, let warmUp, let by):
            return "when no \(what) has arrived for \(length.spoken) from a \(by) (never within \(warmUp.spoken) of Vigil starting or the station reconnecting)"
        case .recurring(let days, let within, let by): return "when \(what) happens on \(days) different days within \(within.spoken) for one \(by)"
        case .ratio(let pattern):
            let bound = pattern.below.map { "falls below \(Int($0 * 100))%" } ?? pattern.above.map { "rises above \(Int($0 * 100))%" } ?? ""
            return "when the share of \(what) where \(pattern.success.spoken) \(bound) over \(pattern.within.spoken) per \(pattern.by) (at least \(pattern.minSamples) samples)"
        case .sequence(let pattern):
            let next = pattern.next.events.map(\.rawValue).joined(separator: "/")
                + (pattern.next.predicate == .always ? "" : " where \(pattern.next.predicate.spoken)")
            return pattern.expectNext ? "when \(what) is followed by \(next) within \(pattern.within.spoken) for the same \(pattern.by)"
                : "when \(what) is not followed by \(next) within \(pattern.within.spoken) for the same \(pattern.by)"
        }
    }
}

extension Inhibition {
    /// "rule a or rule b or rules labelled layer=connector".
    var spokenNames: String {
        (rules.map { "rule \($0)" } + labels.sorted { $0.key < $1.key }.map { "rules labelled \($0.key)=\($0.value)" })
            .joined(separator: " or ")
    }

    var runningWords: String {
        switch running {
        case .abort: return "; a ladder already running stops before its next command"
        case .pause: return "; a ladder already running pauses before its next command until it lifts"
        case .proceed: return "; a ladder already running goes on"
        }
    }
}
