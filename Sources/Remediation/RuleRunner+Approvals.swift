import DomainEvents
import Foundation
import RuleEngine

/// Operators' answers to ladders paused at an `approve` rung, handed to the engine as
/// `approval` events.
extension RuleRunner {
    /// The role the ladder of `rule` for `target` waits for, nil when it waits for none.
    public func awaitedApprovalRole(rule: String, target: String) -> String? {
        guard let rung = state.awaitedApprovalRung(rule: rule, target: target),
              let found = engine.ruleSet.rules.first(where: { $0.id == rule }), found.ladder.indices.contains(rung),
              case .approve(let approval) = found.ladder[rung].action else { return nil }
        return approval.role
    }

    /// Submits an answer for a ladder waiting at an `approve` rung; false (nothing submitted)
    /// when none waits, or when `role` is given and is not the one the rung asks for (it would
    /// be ignored).
    public func approve(rule: String, target: String, approved: Bool, by person: String, role: String?) -> Bool {
        guard let awaited = awaitedApprovalRole(rule: rule, target: target), role == nil || role == awaited else { return false }
        let parts = target.split(separator: "/", maxSplits: 1)
        var fields: [String: FieldValue] = ["rule": .string(rule), "target": .string(target), "approved": .bool(approved),
                                            "by": .string(person)]
        if let role { fields["role"] = .string(role) }
        submit(DomainEvent(id: RandomIdentifier.make(), kind: .approval, time: DomainEvent.storagePrecision(clock()),
                           station: String(parts.first ?? ""), connector: parts.count > 1 ? Int(parts[1]) : nil, fields: fields))
        return true
    }
}
