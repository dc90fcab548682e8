import Foundation
import VendorCatalog
import YAMLKit

/// Reading `where` predicates, triggers and durations from YAML; part of `RuleReader`.
extension RuleReader {
    /// A `where` mapping: field tests joined by "and", plus `all`, `any`, `not`.
    mutating func predicate(_ node: YAMLNode, fields: Set<String>, context: String) -> Predicate {
        guard let pairs = node.mapping else {
            fail(node, "\(context): \"where\" must be a mapping of field: condition, got a \(node.kindName)")
            return .always
        }
        var parts: [Predicate] = []
        for (keyNode, value) in pairs {
            let key = keyNode.scalar ?? ""
            switch key {
            case "all", "any":
                guard let items = value.sequence, !items.isEmpty else {
                    fail(value, "\(context): \"\(key)\" must be a non-empty list of conditions")
                    continue
                }
                let inner = items.map { predicate($0, fields: fields, context: context) }
                parts.append(key == "all" ? .all(inner) : .any(inner))
            case "not":
                parts.append(.not(predicate(value, fields: fields, context: context)))
            default:
                guard fields.contains(key) else {
                    var message = "\(context): unknown field \"\(key)\" for this event"
                    if let suggestion = Self.closest(to: key, in: fields) { message += " (did you mean \"\(suggestion)\"?)" }
                    else { message += "; fields here are \(fields.sorted().joined(separator: ", "))" }
                    fail(keyNode, message)
                    continue
                }
                if let test = fieldTest(value, field: key, context: context) { parts.append(.test(field: key, test)) }
            }
        }
        return parts.count == 1 ? parts[0] : .all(parts)
    }

    static let testOperators = ["equals", "in", "not", "glob", "regex", "exists", "gt", "gte", "lt", "lte"]

    /// `Faulted`, `[A, B]`, or a mapping of operators (all must hold).
    mutating func fieldTest(_ node: YAMLNode, field: String, context: String) -> FieldTest? {
        if let text = node.scalar { return .equals(text) }
        if let items = node.sequence {
            let values = items.compactMap(\.scalar)
            guard values.count == items.count, !values.isEmpty else {
                fail(node, "\(context): the list for \"\(field)\" must hold plain values")
                return nil
            }
            return .oneOf(values)
        }
        guard let pairs = node.mapping, !pairs.isEmpty else {
            fail(node, "\(context): the condition for \"\(field)\" is empty; give a value, a list, or operators such as { glob: \"E1*\" }")
            return nil
        }
        var tests: [FieldTest] = []
        for (keyNode, value) in pairs {
            let op = keyNode.scalar ?? ""
            switch op {
            case "equals":
                if let text = scalar(value, "\(field).equals", context) { tests.append(.equals(text)) }
            case "in":
                let values = value.sequence?.compactMap(\.scalar) ?? []
                if values.isEmpty { fail(value, "\(context): \"\(field).in\" must be a non-empty list of values") }
                else { tests.append(.oneOf(values)) }
            case "not":
                if let inner = fieldTest(value, field: field, context: context) { tests.append(.not(inner)) }
            case "glob":
                if let text = scalar(value, "\(field).glob", context) { tests.append(.glob(Glob(text, caseSensitive: true))) }
            case "regex":
                guard let text = scalar(value, "\(field).regex", context) else { continue }
                if let regex = RuleRegex(text) { tests.append(.regex(regex)) }
                else { fail(value, "\(context): \"\(field).regex\" is not a valid regular expression: \(text)") }
            case "exists":
                switch value.scalar {
                case "true": tests.append(.exists(true))
                case "false": tests.append(.exists(false))
                default: fail(value, "\(context): \"\(field).exists\" must be true or false")
                }
            case "gt", "gte", "lt", "lte":
                guard let text = scalar(value, "\(field).\(op)", context) else { continue }
                guard let number = Double(text), number.isFinite, let comparison = FieldTest.Comparison(rawValue: op) else {
                    fail(value, "\(context): \"\(field).\(op)\" must be a number, got \"\(text)\"")
                    continue
                }
                tests.append(.compare(comparison, number))
            default:
                var message = "\(context): unknown operator \"\(op)\" for \"\(field)\""
                if let suggestion = Self.closest(to: op, in: Set(Self.testOperators)) { message += " (did you mean \"\(suggestion)\"?)" }
                else { message += "; operators are \(Self.testOperators.joined(separator: ", "))" }
                fail(keyNode, message)
            }
        }
        guard !tests.isEmpty else { return nil }
        return tests.count == 1 ? tests[0] : .all(tests)
    }

    mutating func scalar(_ node: YAMLNode, _ name: String, _ context: String) -> String? {
        guard let text = node.scalar else {
            fail(node, "\(context): \"\(name)\" must be a plain value, got a \(node.kindName)")
            return nil
        }
        return text
    }

    /// `event: statusChanged` or `event: [booted, connected]`.
    mutating func eventKinds(_ node: YAMLNode?, at owner: YAMLNode, context: String) -> [EventKind] {
        guard let node else {
            fail(owner, "\(context): missing required key \"event\"")
            return []
        }
        let names = node.scalar.map { [$0] } ?? node.sequence?.compactMap(\.scalar) ?? []
        if names.isEmpty { fail(node, "\(context): \"event\" must name an event kind or a list of them") }
        var kinds: [EventKind] = []
        for name in names {
            if let kind = EventKind(rawValue: name), kind != .tick, kind != .approval { kinds.append(kind); continue }
            let valid = EventKind.allCases.filter { $0 != .tick && $0 != .approval }.map(\.rawValue)
            var message = "\(context): unknown event \"\(name)\""
            if let suggestion = Self.closest(to: name, in: Set(valid)) { message += " (did you mean \"\(suggestion)\"?)" }
            else { message += "; events are \(valid.joined(separator: ", "))" }
            fail(node, message)
        }
        return kinds
    }

    static func fields(for kinds: [EventKind]) -> Set<String> {
        var names = Set(EventKind.commonFields)
        for kind in kinds { names.formUnion(kind.fields) }
        return names
    }

    /// `{ event: …, where: … }`, used by sequence steps, clearing conditions and verifications.
    mutating func trigger(_ node: YAMLNode, context: String, extraKeys: [String] = []) -> Trigger? {
        var reader = YAMLFieldReader(node, context: context, allowed: ["event", "where"] + extraKeys)
        let kinds = eventKinds(reader.field("event", required: false), at: node, context: context)
        var predicate = Predicate.always
        if let whereNode = reader.field("where", required: false) {
            predicate = self.predicate(whereNode, fields: Self.fields(for: kinds), context: context)
        }
        absorb(reader)
        return kinds.isEmpty ? nil : Trigger(events: kinds, predicate: predicate)
    }

    /// A duration value such as `5m`; `positive` rejects `0s`.
    mutating func duration(_ node: YAMLNode?, _ name: String, context: String, positive: Bool = true) -> RuleDuration? {
        guard let node else { return nil }
        guard let text = node.scalar, let duration = RuleDuration(parsing: text) else {
            fail(node, "\(context): \"\(name)\" must be a duration such as 30s, 5m, 2h, 7d, got \(node.scalar.map { "\"\($0)\"" } ?? "a \(node.kindName)")")
            return nil
        }
        if positive, duration.seconds == 0 { fail(node, "\(context): \"\(name)\" must be longer than 0s") }
        return duration
    }

    mutating func integer(_ node: YAMLNode?, _ name: String, context: String, minimum: Int) -> Int? {
        guard let node else { return nil }
        guard let text = node.scalar, let value = Int(text), value >= minimum else {
            fail(node, "\(context): \"\(name)\" must be a whole number of at least \(minimum), got \(node.scalar.map { "\"\($0)\"" } ?? "a \(node.kindName)")")
            return nil
        }
        return value
    }

    mutating func fraction(_ node: YAMLNode?, _ name: String, context: String) -> Double? {
        guard let node else { return nil }
        guard let text = node.scalar, let value = Double(text), value >= 0, value <= 1 else {
            fail(node, "\(context): \"\(name)\" must be a share between 0 and 1 (0.6 = 60%), got \(node.scalar.map { "\"\($0)\"" } ?? "a \(node.kindName)")")
            return nil
        }
        return value
    }

    /// `by: station`; connector, station, site, vendor, model, fleet or an event field — or a list
    /// of them (`by: [station, ocppErrorCode]`), one window per combination.
    mutating func groupKey(_ node: YAMLNode?, fields: Set<String>, context: String, default fallback: GroupKey) -> GroupKey {
        guard let node else { return fallback }
        if let items = node.sequence {
            guard items.count >= 2 else {
                fail(node, "\(context): a list in \"by\" needs at least two names (write a single one without brackets)")
                return fallback
            }
            var parts: [GroupKey] = []
            for item in items {
                guard item.sequence == nil else {
                    fail(item, "\(context): \"by\" lists names, not lists")
                    continue
                }
                let part = groupKey(item, fields: fields, context: context, default: fallback)
                if parts.contains(part) { fail(item, "\(context): \"\(part)\" is listed twice in \"by\"") } else { parts.append(part) }
            }
            return parts.count >= 2 ? .composite(parts) : fallback
        }
        guard let name = node.scalar else {
            fail(node, "\(context): \"by\" must be connector, station, site, vendor, model, fleet or an event field")
            return fallback
        }
        let named = ["connector", "station", "site", "vendor", "model", "fleet"]
        if named.contains(name) || fields.contains(name) { return GroupKey(name: name) }
        var message = "\(context): cannot group \"by\" \"\(name)\""
        if let suggestion = Self.closest(to: name, in: Set(named).union(fields)) { message += " (did you mean \"\(suggestion)\"?)" }
        else { message += "; use connector, station, site, vendor, model, fleet or a field of the event" }
        fail(node, message)
        return fallback
    }

    static func closest(to key: String, in candidates: Set<String>) -> String? {
        YAMLFieldReader.closest(to: key, in: candidates.sorted())
    }
}
