import Foundation
import VendorCatalog
import YAMLKit

/// Turns one rule's YAML mapping into a checked `Rule`, collecting every problem with its
/// `file:line:col` so an author sees all mistakes of a file in one `vigil rules check` run.
struct RuleReader {
    var errors: [YAMLError] = []
    /// Every rule id read, and the rules each one names (`unless: ruleActive`, `inhibit: rules`),
    /// kept even for rules with other errors, so the loader checks every reference in the same
    /// run as everything else.
    var seenIds: Set<String> = []
    /// Every rule id read, in order, where its rule starts (for duplicate ids: also rules with other errors).
    var idMarks: [(id: String, mark: YAMLMark)] = []
    var references: [(rule: String, mark: YAMLMark, names: [String], inhibitsItself: Bool)] = []
    /// The names of the rule being read's grouping parts, for checking `{{group.NAME}}`.
    var groupNames: [String] = []

    static let ruleKeys = ["id", "description", "enabled", "mode", "priority", "labels", "scope", "when", "unless",
                           "then", "limits", "inhibit", "activeFor"]
    static let whenKeys = ["event", "where", "by", "for", "keepFor", "clearedBy", "count", "absent", "recurring",
                           "ratio", "sequence", "around"]

    mutating func fail(_ node: YAMLNode, _ message: String) {
        errors.append(YAMLError(mark: node.mark, problem: message))
    }

    mutating func absorb(_ reader: YAMLFieldReader) { errors += reader.errors }

    mutating func read(_ node: YAMLNode) -> Rule? {
        let idText = node["id"]?.scalar
        let context = idText.map { "rule \"\($0)\"" } ?? "rule"
        var reader = YAMLFieldReader(node, context: context, allowed: Self.ruleKeys)
        guard node.mapping != nil else {
            absorb(reader)
            return nil
        }
        let errorsBefore = errors.count + reader.errors.count
        let id = reader.string("id") ?? ""
        if let idNode = node["id"], !id.isEmpty, id.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]*$", options: .regularExpression) == nil {
            reader.fail(idNode, "the id may hold only letters, digits, '.', '_' and '-' (it names the rule in decisions and the audit trail)")
        }
        let description = reader.string("description", required: false) ?? ""
        let enabled = reader.bool("enabled", required: false) ?? true
        let mode = reader.choice("mode", RuleMode.self, valid: RuleMode.allCases, required: false) ?? .enforce
        let priority = integer(reader.field("priority", required: false), "priority", context: context, minimum: -1_000) ?? 0
        var labels: [String: String] = [:]
        if let labelsNode = reader.field("labels", required: false) {
            if let pairs = labelsNode.mapping {
                for (key, value) in pairs {
                    if let name = key.scalar, let text = value.scalar { labels[name] = text }
                    else { fail(value, "\(context): labels are name: value pairs of plain text") }
                }
            } else {
                fail(labelsNode, "\(context): \"labels\" must be a mapping of name: value")
            }
        }
        let scope = reader.field("scope", required: false).map { self.scope($0, context: context) } ?? RuleScope()
        var trigger = Trigger(events: [])
        var pattern = RulePatternKind.each(by: .connector)
        var around: Surroundings?
        if let whenNode = reader.field("when", required: true) {
            (trigger, pattern) = when(whenNode, context: context)
            if let aroundNode = whenNode["around"] {
                around = surroundings(aroundNode, by: pattern.by, context: "\(context) when around")
            }
        }
        groupNames = pattern.by.parts.map(\.description)
        let guards = reader.field("unless", required: false).map { self.guards($0, trigger: trigger, context: context) } ?? []
        var ladder: [Rung] = []
        if let thenNode = reader.field("then", required: true) {
            ladder = self.ladder(thenNode, pattern: pattern, context: context)
        }
        let limits = reader.field("limits", required: false).map { self.limits($0, context: context) } ?? RuleLimits()
        let inhibit = reader.field("inhibit", required: false).map { self.inhibition($0, context: context) }
        let activeFor = duration(reader.field("activeFor", required: false), "activeFor", context: context) ?? .hours(1)
        absorb(reader)
        if !id.isEmpty {
            seenIds.insert(id)
            idMarks.append((id, node.mark))
            var names = (inhibit ?? nil)?.rules ?? []
            for guardCase in guards { if case .ruleActive(let others) = guardCase { names += others.rules } }
            references.append((id, node.mark, names, (inhibit ?? nil)?.rules.contains(id) == true))
        }
        guard errors.count == errorsBefore, !id.isEmpty else { return nil }
        return Rule(id: id, description: description, enabled: enabled, mode: mode, priority: priority, labels: labels,
                    scope: scope, trigger: trigger, pattern: pattern, around: around, guards: guards, ladder: ladder, limits: limits,
                    inhibit: inhibit ?? nil, activeFor: activeFor, hash: RuleHash.of(node), mark: node.mark, source: node)
    }

    mutating func scope(_ node: YAMLNode, context: String) -> RuleScope {
        var reader = YAMLFieldReader(node, context: "\(context) scope", allowed: ["sites", "stations", "vendors", "models", "firmware"])
        var scope = RuleScope()
        scope.sites = reader.strings("sites").map { Glob($0.lowercased(), caseSensitive: true) }
        scope.stations = reader.strings("stations").map { Glob($0.lowercased(), caseSensitive: true) }
        scope.vendors = reader.strings("vendors").map { Glob($0.lowercased(), caseSensitive: true) }
        scope.models = reader.strings("models").map { Glob($0.lowercased(), caseSensitive: true) }
        scope.firmware = reader.strings("firmware").map { Glob($0.lowercased(), caseSensitive: true) }
        absorb(reader)
        return scope
    }

    mutating func when(_ node: YAMLNode, context: String) -> (Trigger, RulePatternKind) {
        let whenContext = "\(context) when"
        var reader = YAMLFieldReader(node, context: whenContext, allowed: Self.whenKeys)
        let kinds = eventKinds(reader.field("event", required: false), at: node, context: whenContext)
        let fields = Self.fields(for: kinds)
        var predicate = Predicate.always
        if let whereNode = reader.field("where", required: false) {
            predicate = self.predicate(whereNode, fields: fields, context: whenContext)
        }
        let trigger = Trigger(events: kinds, predicate: predicate)
        let patternKeys = ["for", "count", "absent", "recurring", "ratio", "sequence"].filter { node[$0] != nil }
        if patternKeys.count > 1, let second = node[patternKeys[1]] {
            reader.fail(second, "only one pattern per rule; this one has \(patternKeys.joined(separator: " and "))")
        }
        let byNode = reader.field("by", required: false)
        for key in ["keepFor", "clearedBy"] where node[key] != nil && !patternKeys.contains("for") {
            if let keyNode = node[key] { reader.fail(keyNode, "\"\(key)\" only applies to a \"for\" pattern") }
        }
        if byNode != nil, let first = patternKeys.first, first != "for", let byValue = byNode {
            reader.fail(byValue, "put \"by\" inside \"\(first)\" for this pattern")
        }
        let pattern: RulePatternKind
        switch patternKeys.first {
        case "for"?:
            let clearedBy = reader.field("clearedBy", required: false).flatMap { self.trigger($0, context: "\(whenContext) clearedBy") }
            pattern = .sustained(.init(duration: duration(node["for"], "for", context: whenContext) ?? .minutes(1),
                                       keepFor: duration(node["keepFor"], "keepFor", context: whenContext, positive: false) ?? RuleDuration(seconds: 0),
                                       clearedBy: clearedBy,
                                       by: groupKey(byNode, fields: fields, context: whenContext, default: .connector)))
        case "count"?: pattern = count(reader.field("count", required: true), fields: fields, context: whenContext)
        case "absent"?: pattern = absent(reader.field("absent", required: true), fields: fields, context: whenContext)
        case "recurring"?: pattern = recurring(reader.field("recurring", required: true), fields: fields, context: whenContext)
        case "ratio"?: pattern = ratio(reader.field("ratio", required: true), fields: fields, context: whenContext)
        case "sequence"?: pattern = sequence(reader.field("sequence", required: true), fields: fields, context: whenContext)
        default: pattern = .each(by: groupKey(byNode, fields: fields, context: whenContext, default: .connector))
        }
        absorb(reader)
        return (trigger, pattern)
    }

    mutating func count(_ node: YAMLNode?, fields: Set<String>, context: String) -> RulePatternKind {
        let fallback = RulePatternKind.count(atLeast: 1, within: .hours(1), by: .connector)
        guard let node else { return fallback }
        var reader = YAMLFieldReader(node, context: "\(context) count", allowed: ["atLeast", "within", "by", "distinct"])
        let atLeast = integer(reader.field("atLeast", required: true), "atLeast", context: "\(context) count", minimum: 1)
        let within = duration(reader.field("within", required: true), "within", context: "\(context) count")
        let by = groupKey(reader.field("by", required: false), fields: fields, context: "\(context) count", default: .connector)
        absorb(reader)
        let distinct = reader.field("distinct", required: false).map { groupKey($0, fields: fields, context: "\(context) count distinct", default: .station) }
        return .count(atLeast: atLeast ?? 1, within: within ?? .hours(1), by: by, distinct: distinct)
    }

    mutating func absent(_ node: YAMLNode?, fields: Set<String>, context: String) -> RulePatternKind {
        guard let node else { return .absent(duration: .minutes(10), warmUp: .minutes(10), by: .station) }
        var reader = YAMLFieldReader(node, context: "\(context) absent", allowed: ["for", "warmUp", "by"])
        let length = duration(reader.field("for", required: true), "for", context: "\(context) absent") ?? .minutes(10)
        let warmUp = duration(reader.field("warmUp", required: false), "warmUp", context: "\(context) absent", positive: false) ?? length
        let by = groupKey(reader.field("by", required: false), fields: fields, context: "\(context) absent", default: .station)
        if by != .station && by != .connector, let byNode = node["by"] {
            reader.fail(byNode, "\"absent\" watches stations or connectors; \"by\" must be station or connector")
        }
        absorb(reader)
        return .absent(duration: length, warmUp: warmUp, by: by)
    }

    mutating func recurring(_ node: YAMLNode?, fields: Set<String>, context: String) -> RulePatternKind {
        guard let node else { return .recurring(days: 2, within: .days(7), by: .connector) }
        let inner = "\(context) recurring"
        var reader = YAMLFieldReader(node, context: inner, allowed: ["days", "within", "by"])
        let days = integer(reader.field("days", required: true), "days", context: inner, minimum: 2) ?? 2
        let within = duration(reader.field("within", required: false), "within", context: inner) ?? .days(days)
        if within.seconds < days * 86_400, let withinNode = node["within"] {
            reader.fail(withinNode, "\"within\" (\(within)) is shorter than \(days) days, so the pattern could never fire")
        }
        let by = groupKey(reader.field("by", required: false), fields: fields, context: inner, default: .connector)
        absorb(reader)
        return .recurring(days: days, within: within, by: by)
    }

    mutating func ratio(_ node: YAMLNode?, fields: Set<String>, context: String) -> RulePatternKind {
        let inner = "\(context) ratio"
        var result = RulePatternKind.Ratio(success: .always, below: nil, above: nil, within: .hours(24), minSamples: 1, by: .site)
        guard let node else { return .ratio(result) }
        var reader = YAMLFieldReader(node, context: inner, allowed: ["success", "below", "above", "within", "minSamples", "by"])
        if let success = reader.field("success", required: true) { result.success = predicate(success, fields: fields, context: inner) }
        result.below = fraction(reader.field("below", required: false), "below", context: inner)
        result.above = fraction(reader.field("above", required: false), "above", context: inner)
        if (node["below"] == nil) == (node["above"] == nil) {
            reader.fail(node, "give exactly one of \"below\" or \"above\"")
        }
        result.within = duration(reader.field("within", required: true), "within", context: inner) ?? .hours(24)
        result.minSamples = integer(reader.field("minSamples", required: false), "minSamples", context: inner, minimum: 1) ?? 10
        result.by = groupKey(reader.field("by", required: false), fields: fields, context: inner, default: .site)
        absorb(reader)
        return .ratio(result)
    }

    mutating func sequence(_ node: YAMLNode?, fields: Set<String>, context: String) -> RulePatternKind {
        let inner = "\(context) sequence"
        guard let node else { return .each(by: .connector) }
        var reader = YAMLFieldReader(node, context: inner, allowed: ["followedBy", "notFollowedBy", "within", "by"])
        let followed = reader.field("followedBy", required: false)
        let notFollowed = reader.field("notFollowedBy", required: false)
        if (followed == nil) == (notFollowed == nil) {
            reader.fail(node, "give exactly one of \"followedBy\" or \"notFollowedBy\"")
        }
        let next = (followed ?? notFollowed).flatMap { trigger($0, context: "\(inner) \(followed != nil ? "followedBy" : "notFollowedBy")") }
        let within = duration(reader.field("within", required: true), "within", context: inner) ?? .minutes(5)
        let by = groupKey(reader.field("by", required: false), fields: fields, context: inner, default: .station)
        absorb(reader)
        return .sequence(.init(next: next ?? Trigger(events: []), within: within, expectNext: followed != nil, by: by))
    }

    mutating func guards(_ node: YAMLNode, trigger: Trigger, context: String) -> [RuleGuard] {
        let inner = "\(context) unless"
        var reader = YAMLFieldReader(node, context: inner,
                                     allowed: ["transactionActive", "maintenance", "silenced", "ruleActive", "stationOffline", "where"])
        var guards: [RuleGuard] = []
        for (key, guardCase) in [("transactionActive", RuleGuard.transactionActive), ("maintenance", .maintenance),
                                 ("silenced", .silenced), ("stationOffline", .stationOffline)] {
            if let value = reader.bool(key, required: false) {
                if value { guards.append(guardCase) }
                else if let valueNode = node[key] { reader.fail(valueNode, "\"\(key): false\" has no effect; remove it") }
            }
        }
        if let activeNode = reader.field("ruleActive", required: false) {
            if activeNode.mapping != nil {
                if let link = ruleLink(activeNode, context: "\(inner) ruleActive", naming: "whose open incidents hold it back") {
                    guards.append(.ruleActive(link))
                }
            } else {
                let others = reader.strings("ruleActive")
                if !others.isEmpty { guards.append(.ruleActive(Inhibition(rules: others))) }
            }
        }
        if let whereNode = reader.field("where", required: false) {
            guards.append(.event(predicate(whereNode, fields: Self.fields(for: trigger.events), context: inner)))
        }
        absorb(reader)
        return guards
    }

    mutating func inhibition(_ node: YAMLNode, context: String) -> Inhibition? {
        ruleLink(node, context: "\(context) inhibit", naming: "it inhibits")
    }

    /// `{ rules, labels, equal, running }`, the shape shared by `inhibit` and a `ruleActive` mapping.
    mutating func ruleLink(_ node: YAMLNode, context inner: String, naming: String) -> Inhibition? {
        var reader = YAMLFieldReader(node, context: inner, allowed: ["rules", "labels", "equal", "running"])
        let rules = reader.strings("rules")
        var labels: [String: String] = [:]
        if let labelsNode = reader.field("labels", required: false) {
            for (key, value) in labelsNode.mapping ?? [] { if let k = key.scalar, let v = value.scalar { labels[k] = v } }
            if labelsNode.mapping == nil { reader.fail(labelsNode, "\"labels\" must be a mapping of name: value") }
        }
        if rules.isEmpty && labels.isEmpty { reader.fail(node, "name the \"rules\" or \"labels\" \(naming)") }
        var equal = GroupKey.station
        if let equalNode = reader.field("equal", required: false) {
            switch equalNode.scalar {
            case "station"?: equal = .station
            case "site"?: equal = .site
            case "connector"?: equal = .connector
            default: reader.fail(equalNode, "\"equal\" must be station, site or connector")
            }
        }
        let running = reader.choice("running", Inhibition.OnRunning.self, valid: Inhibition.OnRunning.allCases, required: false) ?? .abort
        absorb(reader)
        return Inhibition(rules: rules, labels: labels, equal: equal, running: running)
    }
}
