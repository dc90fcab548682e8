import Foundation
import VendorCatalog

/// A condition over one event's fields, from a rule's `where` (or `unless`, `verify`,
/// `success`): field tests combined with all/any/not. Pure and total: a missing field never
/// matches anything but `exists: false`.
public indirect enum Predicate: Sendable, Equatable {
    case always
    case test(field: String, FieldTest)
    case all([Predicate])
    case any([Predicate])
    case not(Predicate)

    public func matches(_ event: DomainEvent) -> Bool {
        switch self {
        case .always: return true
        case .test(let field, let test): return test.matches(event.value(of: field))
        case .all(let parts): return parts.allSatisfy { $0.matches(event) }
        case .any(let parts): return parts.contains { $0.matches(event) }
        case .not(let inner): return !inner.matches(event)
        }
    }

    /// Field names it reads, for load-time checks.
    public var fieldNames: [String] {
        switch self {
        case .always: return []
        case .test(let field, _): return [field]
        case .all(let parts), .any(let parts): return parts.flatMap(\.fieldNames)
        case .not(let inner): return inner.fieldNames
        }
    }

    /// Plain words for `rules explain`.
    public var spoken: String {
        switch self {
        case .always: return "any"
        case .test(let field, let test): return test.spoken(field: field)
        case .all(let parts): return parts.map(\.spoken).joined(separator: " and ")
        case .any(let parts): return "(" + parts.map(\.spoken).joined(separator: " or ") + ")"
        case .not(let inner): return "not (\(inner.spoken))"
        }
    }
}

/// One test of one field's value.
public indirect enum FieldTest: Sendable, Equatable {
    case equals(String)
    case oneOf([String])
    case glob(Glob)
    case regex(RuleRegex)
    case exists(Bool)
    case compare(Comparison, Double)
    case not(FieldTest)
    case all([FieldTest])

    public enum Comparison: String, Sendable, CaseIterable {
        case gt, gte, lt, lte
        var symbol: String { ["gt": ">", "gte": "≥", "lt": "<", "lte": "≤"][rawValue] ?? rawValue }
    }

    public func matches(_ value: FieldValue?) -> Bool {
        switch self {
        case .exists(let expected): return (value != nil) == expected
        case .not(let inner): return !inner.matches(value)
        case .all(let tests): return tests.allSatisfy { $0.matches(value) }
        default: break
        }
        guard let value else { return false }
        switch self {
        case .equals(let literal): return Self.equal(value, literal)
        case .oneOf(let literals): return literals.contains { Self.equal(value, $0) }
        case .glob(let glob): return glob.matches(value.description)
        case .regex(let pattern): return pattern.matches(value.description)
        case .compare(let comparison, let bound):
            guard let number = value.number else { return false }
            switch comparison {
            case .gt: return number > bound
            case .gte: return number >= bound
            case .lt: return number < bound
            case .lte: return number <= bound
            }
        case .exists, .not, .all: return false
        }
    }

    /// Strings compare exactly (OCPP values are case-sensitive); numbers numerically; booleans
    /// by their YAML spelling.
    static func equal(_ value: FieldValue, _ literal: String) -> Bool {
        switch value {
        case .string(let text): return text == literal
        case .number(let number): return Double(literal) == number
        case .bool(let flag): return literal == (flag ? "true" : "false")
        }
    }

    func spoken(field: String) -> String {
        switch self {
        case .equals(let literal): return "\(field) is \(literal)"
        case .oneOf(let literals): return "\(field) is one of \(literals.joined(separator: ", "))"
        case .glob(let glob): return "\(field) matches \(glob.pattern)"
        case .regex(let pattern): return "\(field) matches /\(pattern.source)/"
        case .exists(let expected): return expected ? "\(field) is present" : "\(field) is absent"
        case .compare(let comparison, let bound): return "\(field) \(comparison.symbol) \(FieldValue.number(bound))"
        case .not(let inner): return "not (\(inner.spoken(field: field)))"
        case .all(let tests): return tests.map { $0.spoken(field: field) }.joined(separator: " and ")
        }
    }
}

/// A compiled regular expression from a rule (`regex:`), matched anywhere in the value unless
/// anchored. NSRegularExpression is immutable after creation and documented thread-safe.
public struct RuleRegex: @unchecked Sendable, Equatable {
    // @unchecked: NSRegularExpression is immutable once built and Apple documents it as safe
    // to use from several threads at once; the struct exposes no way to mutate it.
    public let source: String
    private let expression: NSRegularExpression

    public init?(_ source: String) {
        guard let expression = try? NSRegularExpression(pattern: source) else { return nil }
        self.source = source
        self.expression = expression
    }

    public func matches(_ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    public static func == (a: RuleRegex, b: RuleRegex) -> Bool { a.source == b.source }
}
