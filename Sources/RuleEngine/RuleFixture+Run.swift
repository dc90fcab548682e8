import Foundation

/// Running a fixture through an engine and comparing what it decided with what was expected.
extension RuleFixture {
    /// The outcome of one fixture: the decisions made (of the fixture's rules) and the
    /// differences from what it expected.
    public struct Outcome: Sendable {
        public var decisions: [Decision]
        public var differences: [String]
        public var passed: Bool { differences.isEmpty }
    }

    /// Feeds the events in time order, ticking at every deadline in between and up to `until`,
    /// exactly as `vigil serve` would.
    public func run(_ engine: RuleEngine) -> Outcome {
        var state = RuleEngineState()
        engine.start(at: start, state: &state)
        var decisions: [Decision] = []
        let ordered = events.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        for event in ordered {
            decisions += Self.tick(engine, &state, through: event.time, inclusive: false)
            decisions += engine.evaluate(event, state: &state, now: event.time)
        }
        decisions += Self.tick(engine, &state, through: until, inclusive: true)
        let selected = rules.isEmpty ? decisions : decisions.filter { rules.contains($0.rule) }
        return Outcome(decisions: selected, differences: compare(selected))
    }

    static func tick(_ engine: RuleEngine, _ state: inout RuleEngineState, through limit: Date, inclusive: Bool) -> [Decision] {
        var decisions: [Decision] = []
        while let due = engine.nextDeadline(state), inclusive ? due <= limit : due < limit {
            decisions += engine.tick(at: due, state: &state)
        }
        return decisions
    }

    func describe(_ decision: Decision) -> String {
        var text = "at \(RuleDuration(seconds: Int(decision.time.timeIntervalSince(start).rounded()))) \(decision.rule) \(decision.kind.rawValue)"
        if let action = decision.action { text += " \(action.label)" }
        text += " \(decision.target.key)"
        if decision.kind == .suppressed || decision.kind == .halted { text += " (\(decision.reason))" }
        return text
    }

    func matches(_ decision: Decision, _ expected: ExpectedDecision) -> Bool {
        guard Int(decision.time.timeIntervalSince(start).rounded()) == expected.offset.seconds,
              decision.rule == expected.rule, decision.kind == expected.kind else { return false }
        if let action = expected.action, decision.action?.label != action { return false }
        if let target = expected.target, decision.target.key != target { return false }
        let text = (decision.action?.title ?? "") + "\n" + (decision.action?.text ?? "")
        return expected.textContains.allSatisfy { text.contains($0) }
    }

    /// A line diff: `- expected` that did not happen, `+ decided` that was not expected, in order.
    func compare(_ decisions: [Decision]) -> [String] {
        var differences: [String] = []
        var remaining = Array(decisions.indices)
        for expectation in expected {
            if let found = remaining.firstIndex(where: { matches(decisions[$0], expectation) }) {
                for skipped in remaining[..<found] { differences.append("+ \(describe(decisions[skipped]))  (not expected)") }
                remaining.removeSubrange(...found)
            } else {
                differences.append("- \(expectation.describe())  (expected at \(expectation.mark), not decided)")
                // A decision that matches but for its text: show what was rendered, and what is missing.
                var textless = expectation
                textless.textContains = []
                if !expectation.textContains.isEmpty, let near = remaining.first(where: { matches(decisions[$0], textless) }) {
                    let action = decisions[near].action
                    let rendered = (action?.title ?? "") + "\n" + (action?.text ?? "")
                    let missing = expectation.textContains.filter { !rendered.contains($0) }
                    differences.append("  the decision at that time has no \(missing.map { "\"\($0)\"" }.joined(separator: ", ")) in its text:")
                    differences += rendered.split(separator: "\n", omittingEmptySubsequences: false).map { "    | \($0)" }
                }
            }
        }
        for extra in remaining { differences.append("+ \(describe(decisions[extra]))  (not expected)") }
        return differences
    }
}
