import Foundation
import VendorCatalog
import YAMLKit

/// Reading the `then` ladder and `limits`; part of `RuleReader`.
extension RuleReader {
    static let actionKeys = ["reset", "disableConnector", "enableConnector", "unlockConnector", "triggerMessage",
                             "alert", "remedy", "approve", "record", "blockToken"]
    static let rungKeys = actionKeys + ["verify", "allowDuringSession", "fallback"]
    /// Messages a station can be asked to send (TriggerMessage in 1.6 and 2.0.1).
    static var triggerableMessages: [String] { TriggerableMessages.names }

    mutating func ladder(_ node: YAMLNode, pattern: RulePatternKind, context: String) -> [Rung] {
        guard let items = node.sequence, !items.isEmpty else {
            fail(node, "\(context): \"then\" must be a non-empty list of actions (rungs), tried in order")
            return []
        }
        var rungs: [Rung] = []
        for (index, item) in items.enumerated() {
            let rungContext = "\(context) then[\(index + 1)]"
            guard let rung = rung(item, context: rungContext) else { continue }
            if rung.action.type.isCommand || rung.action.type == .remedy {
                let needsConnector = [.disableConnector, .enableConnector, .unlockConnector].contains(rung.action.type)
                let by = pattern.by
                // A composite grouping targets its finest place part (`[connector, ocppErrorCode]`: a connector).
                let place = by.placeLevel
                if needsConnector && place != .connector {
                    fail(item, "\(rungContext): \(rung.action.type.rawValue) needs a connector, but the rule groups by \(by); group by connector")
                } else if !needsConnector && place != .connector && place != .station {
                    fail(item, "\(rungContext): \(rung.action.type == .remedy ? "remedy: catalogue (which may reset)" : rung.action.type.rawValue) is sent to a station, but the rule groups by \(by); group by station or connector")
                }
            }
            rungs.append(rung)
        }
        // Unreachable rungs: a rung after an unverified reset would be sent to a station that is
        // rebooting, and nothing after it could tell whether the reset worked.
        for (index, rung) in rungs.enumerated() where index + 1 < rungs.count && index + 1 < items.count {
            if case .reset = rung.action, rung.verify == nil {
                fail(items[index + 1], "\(context) then[\(index + 2)]: unreachable: the reset before it has no \"verify\", so the ladder cannot tell whether it worked; add verify: { status: Available, within: 5m } to then[\(index + 1)]")
            }
            if rung == rungs[index + 1], rung.verify == nil {
                fail(items[index + 1], "\(context) then[\(index + 2)]: repeats then[\(index + 1)] without a verification in between")
            }
        }
        if let last = rungs.last, case .approve = last.action, let lastItem = items.last {
            fail(lastItem, "\(context) then[\(items.count)]: an approval at the end of the ladder has nothing to approve; put the step it guards after it")
        }
        return rungs
    }

    mutating func rung(_ node: YAMLNode, context: String) -> Rung? {
        var reader = YAMLFieldReader(node, context: context, allowed: Self.rungKeys)
        guard let pairs = node.mapping else {
            absorb(reader)
            return nil
        }
        let present = pairs.compactMap(\.key.scalar).filter { Self.actionKeys.contains($0) }
        guard present.count == 1 else {
            reader.fail(node, present.isEmpty
                ? "each rung needs one action: \(Self.actionKeys.joined(separator: ", "))"
                : "one action per rung, this one has \(present.joined(separator: " and ")); make them separate rungs")
            absorb(reader)
            return nil
        }
        var action: RuleAction?
        let key = present[0]
        switch key {
        case "reset":
            let kind = reader.choice("reset", RuleAction.ResetKind.self, valid: RuleAction.ResetKind.allCases)
            action = kind.map(RuleAction.reset)
        case "blockToken":
            if reader.bool(key) == false, let valueNode = node[key] { reader.fail(valueNode, "\"blockToken: false\" does nothing; remove the rung") }
            action = .blockToken
        case "disableConnector", "enableConnector", "unlockConnector":
            if reader.bool(key) == false, let valueNode = node[key] { reader.fail(valueNode, "\"\(key): false\" does nothing; remove the rung") }
            action = key == "disableConnector" ? .disableConnector : key == "enableConnector" ? .enableConnector : .unlockConnector
        case "triggerMessage":
            if let message = reader.string("triggerMessage") {
                if Self.triggerableMessages.contains(message) { action = .triggerMessage(message) }
                else if let valueNode = node["triggerMessage"] {
                    var problem = "unknown message \"\(message)\" to trigger"
                    if let suggestion = Self.closest(to: message, in: Set(Self.triggerableMessages)) { problem += " (did you mean \"\(suggestion)\"?)" }
                    reader.fail(valueNode, problem)
                }
            }
        case "alert":
            action = node["alert"].flatMap { alert($0, context: "\(context) alert") }.map(RuleAction.alert)
        case "remedy":
            if reader.string("remedy") != "catalogue", let valueNode = node["remedy"] {
                reader.fail(valueNode, "\"remedy\" can only be \"catalogue\" (the vendor catalogue's recommendation)")
            }
            let fallback = node["fallback"].flatMap { alert($0, context: "\(context) fallback") }
                ?? AlertSpec(route: "oncall", severity: .major, title: Template(Self.defaultTitle), text: Template(Self.defaultText))
            action = .catalogueRemedy(fallback: fallback)
        case "approve":
            action = node["approve"].flatMap { approval($0, context: "\(context) approve") }.map(RuleAction.approve)
        case "record":
            if let recordNode = node["record"] {
                var inner = YAMLFieldReader(recordNode, context: "\(context) record", allowed: ["title"])
                if let text = inner.string("title") {
                    let title = Template(text)
                    for problem in title.problems(groups: groupNames) { inner.fail(recordNode["title"] ?? recordNode, "title: \(problem)") }
                    action = .record(title)
                }
                absorb(inner)
            }
        default:
            break
        }
        if node["fallback"] != nil, key != "remedy", let fallbackNode = node["fallback"] {
            reader.fail(fallbackNode, "\"fallback\" only applies to \"remedy: catalogue\"")
        }
        var verify: Verification?
        if let verifyNode = reader.field("verify", required: false) {
            if case .approve? = action { reader.fail(verifyNode, "an approval is not verified; verify the rung it guards") }
            if case .alert? = action { reader.fail(verifyNode, "an alert is not verified; put verify on a command rung") }
            if case .record? = action { reader.fail(verifyNode, "a record is not verified; put verify on a command rung") }
            if case .blockToken? = action { reader.fail(verifyNode, "a token block is not verified; put verify on a command rung") }
            verify = verification(verifyNode, context: "\(context) verify")
        }
        let allow = reader.bool("allowDuringSession", required: false) ?? false
        absorb(reader)
        return action.map { Rung(action: $0, verify: verify, allowDuringSession: allow) }
    }

    static let defaultTitle = "{{station}} connector {{connector}}: {{title}}"
    static let defaultText = "{{vendorName}} code {{vendorErrorCode}} ({{ocppErrorCode}}): {{meaning}}\nWhat to do: {{guidance}}\nTried: {{attempts}}"

    mutating func alert(_ node: YAMLNode, context: String) -> AlertSpec? {
        var reader = YAMLFieldReader(node, context: context, allowed: ["route", "severity", "title", "text"])
        let route = reader.string("route") ?? ""
        let named = reader.string("severity", required: false) ?? Severity.major.rawValue
        var severity = Severity(rawValue: named) ?? .major
        if Severity(rawValue: named) == nil, let severityNode = node["severity"] {
            reader.fail(severityNode, "\"severity\" must be one of \(Severity.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(named)\"")
            severity = .major
        }
        let title = Template(reader.string("title", required: false) ?? Self.defaultTitle)
        let text = Template(reader.string("text", required: false) ?? Self.defaultText)
        for (key, template) in [("title", title), ("text", text)] {
            for problem in template.problems(groups: groupNames) { reader.fail(node[key] ?? node, "\(key): \(problem)") }
        }
        absorb(reader)
        return route.isEmpty ? nil : AlertSpec(route: route, severity: severity, title: title, text: text)
    }

    mutating func approval(_ node: YAMLNode, context: String) -> Approval? {
        var reader = YAMLFieldReader(node, context: context, allowed: ["role", "timeout", "onTimeout"])
        let role = reader.string("role") ?? ""
        let timeout = duration(reader.field("timeout", required: true), "timeout", context: context) ?? .minutes(30)
        let onTimeout = reader.choice("onTimeout", Approval.OnTimeout.self, valid: Approval.OnTimeout.allCases, required: false) ?? .abort
        absorb(reader)
        return role.isEmpty ? nil : Approval(role: role, timeout: timeout, onTimeout: onTimeout)
    }

    /// `{ status: Available, within: 3m }` (shorthand for a statusChanged to that status) or
    /// `{ event: booted, where: …, within: 5m }`.
    mutating func verification(_ node: YAMLNode, context: String) -> Verification? {
        var reader = YAMLFieldReader(node, context: context, allowed: ["status", "event", "where", "within"])
        let within = duration(reader.field("within", required: true), "within", context: context)
        var trigger: Trigger?
        if let status = reader.string("status", required: false) {
            if node["event"] != nil, let eventNode = node["event"] { reader.fail(eventNode, "give \"status\" or \"event\", not both") }
            var predicate = Predicate.test(field: "to", .equals(status))
            if let whereNode = node["where"] {
                predicate = .all([predicate, self.predicate(whereNode, fields: Self.fields(for: [.statusChanged]), context: context)])
            }
            trigger = Trigger(events: [.statusChanged], predicate: predicate)
        } else if node["event"] != nil {
            let kinds = eventKinds(node["event"], at: node, context: context)
            var predicate = Predicate.always
            if let whereNode = node["where"] { predicate = self.predicate(whereNode, fields: Self.fields(for: kinds), context: context) }
            trigger = kinds.isEmpty ? nil : Trigger(events: kinds, predicate: predicate)
        } else {
            reader.fail(node, "say what proves success: \"status\" (e.g. Available) or \"event\" (e.g. booted)")
        }
        absorb(reader)
        guard let trigger, let within else { return nil }
        return Verification(trigger: trigger, within: within)
    }

    mutating func limits(_ node: YAMLNode, context: String) -> RuleLimits {
        let inner = "\(context) limits"
        var reader = YAMLFieldReader(node, context: inner,
                                     allowed: ["cooldown", "backoff", "maxAttempts", "attemptsWindow", "budgets", "haltWhen"])
        var limits = RuleLimits()
        limits.cooldown = duration(reader.field("cooldown", required: false), "cooldown", context: inner)
        if let backoff = reader.field("backoff", required: false) {
            var backoffReader = YAMLFieldReader(backoff, context: "\(inner) backoff", allowed: ["factor", "max"])
            if let factorNode = backoffReader.field("factor", required: true) {
                if let factor = factorNode.scalar.flatMap(Double.init), factor >= 1, factor <= 10 { limits.backoffFactor = factor }
                else { backoffReader.fail(factorNode, "\"factor\" must be a number from 1 to 10") }
            }
            limits.cooldownMax = duration(backoffReader.field("max", required: true), "max", context: "\(inner) backoff")
            if limits.cooldown == nil { backoffReader.fail(backoff, "backoff grows the cooldown; set \"cooldown\" too") }
            absorb(backoffReader)
        }
        limits.maxAttempts = integer(reader.field("maxAttempts", required: false), "maxAttempts", context: inner, minimum: 1)
        limits.attemptsWindow = duration(reader.field("attemptsWindow", required: false), "attemptsWindow", context: inner) ?? .hours(24)
        if let budgetsNode = reader.field("budgets", required: false) {
            for item in budgetsNode.sequence ?? [] {
                var budgetReader = YAMLFieldReader(item, context: "\(inner) budget", allowed: ["per", "max", "within", "action"])
                var per = GroupKey.station
                if let perNode = budgetReader.field("per", required: true) {
                    switch perNode.scalar {
                    case "station"?: per = .station
                    case "site"?: per = .site
                    case "fleet"?: per = .fleet
                    default: budgetReader.fail(perNode, "\"per\" must be station, site or fleet")
                    }
                }
                let max = integer(budgetReader.field("max", required: true), "max", context: "\(inner) budget", minimum: 0)
                let within = duration(budgetReader.field("within", required: true), "within", context: "\(inner) budget")
                let action = budgetReader.choice("action", ActionType.self, valid: ActionType.allCases.filter(\.isCommand), required: false)
                absorb(budgetReader)
                if let max, let within { limits.budgets.append(.init(per: per, max: max, within: within, action: action)) }
            }
            if budgetsNode.sequence == nil { fail(budgetsNode, "\(inner): \"budgets\" must be a list of { per, max, within }") }
        }
        if let haltNode = reader.field("haltWhen", required: false) {
            var haltReader = YAMLFieldReader(haltNode, context: "\(inner) haltWhen", allowed: ["siteShare", "within", "minStations"])
            let share = fraction(haltReader.field("siteShare", required: true), "siteShare", context: "\(inner) haltWhen")
            let within = duration(haltReader.field("within", required: true), "within", context: "\(inner) haltWhen")
            let minStations = integer(haltReader.field("minStations", required: false), "minStations", context: "\(inner) haltWhen", minimum: 1) ?? 3
            absorb(haltReader)
            if let share, let within { limits.halt = .init(share: share, within: within, minStations: minStations) }
        }
        absorb(reader)
        return limits
    }
}
