import Foundation
import YAMLKit

/// A rule test: events at times relative to a start, and the decisions the rules must make in
/// response, in order. `vigil rules test` runs every file of Rules/tests/ and prints a diff for
/// each one that fails. The format is documented in docs/rules.md.
public struct RuleFixture: Sendable {
    public var file: String
    public var description: String
    /// Only these rules' decisions are compared (all when empty).
    public var rules: [String]
    public var start: Date
    public var events: [DomainEvent]
    public var until: Date
    public var expected: [ExpectedDecision]

    /// One expected decision: when (offset from start), which rule, what, for whom.
    public struct ExpectedDecision: Sendable, Equatable {
        public var offset: RuleDuration
        public var rule: String
        public var kind: Decision.Kind
        public var action: String?
        public var target: String?
        /// Text the alert's title or text must contain.
        public var textContains: [String]
        public var mark: YAMLMark

        func describe() -> String {
            var text = "at \(offset) \(rule) \(kind.rawValue)"
            if let action { text += " \(action)" }
            if let target { text += " \(target)" }
            for needle in textContains { text += " text~\"\(needle)\"" }
            return text
        }
    }

    public static let defaultStart = Date(timeIntervalSince1970: 1_767_225_600) // 2026-01-01T00:00:00Z

    static let eventKeys = ["at", "event", "id", "station", "connector", "evse", "site", "vendor", "model", "firmware", "chargerTime"]

    /// Parses a fixture file; every problem is reported at its `file:line:col`.
    public static func parse(_ text: String, file: String) -> Result<RuleFixture, RuleLoadError> {
        let root: YAMLNode?
        do { root = try YAMLParser.parse(text, file: file) } catch { return .failure(RuleLoadError(errors: [error])) }
        guard let root else {
            return .failure(RuleLoadError(errors: [YAMLError(mark: YAMLMark(file: file, line: 1, column: 1), problem: "empty fixture")]))
        }
        var reader = YAMLFieldReader(root, context: "fixture", allowed: ["description", "rules", "start", "station", "events", "until", "expect"])
        var errors: [YAMLError] = []
        var fixture = RuleFixture(file: file, description: reader.string("description", required: false) ?? "",
                                  rules: reader.strings("rules"), start: defaultStart, events: [], until: defaultStart, expected: [])
        if let startNode = reader.field("start", required: false) {
            if let text = startNode.scalar, let date = parseDate(text) { fixture.start = date }
            else { reader.fail(startNode, "\"start\" must be an ISO 8601 time such as 2026-01-05T08:00:00Z") }
        }
        var defaults: [String: String] = ["station": "CP-1"]
        if let stationNode = reader.field("station", required: false) {
            var stationReader = YAMLFieldReader(stationNode, context: "fixture station", allowed: ["id", "site", "vendor", "model", "firmware"])
            for key in ["site", "vendor", "model", "firmware"] { defaults[key] = stationReader.string(key, required: false) }
            defaults["station"] = stationReader.string("id", required: false) ?? "CP-1"
            errors += stationReader.errors
        }
        var latest = RuleDuration(seconds: 0)
        for (index, item) in (reader.field("events", required: true)?.sequence ?? []).enumerated() {
            guard let event = parseEvent(item, index: index, defaults: defaults, start: fixture.start, errors: &errors) else { continue }
            fixture.events.append(event)
            latest = max(latest, RuleDuration(seconds: Int(event.time.timeIntervalSince(fixture.start))))
        }
        var until = latest
        if let untilNode = reader.field("until", required: false) {
            if let text = untilNode.scalar, let duration = RuleDuration(parsing: text) { until = max(until, duration) }
            else { reader.fail(untilNode, "\"until\" must be a duration after start, such as 2h") }
        }
        fixture.until = fixture.start.adding(until)
        for item in reader.field("expect", required: false)?.sequence ?? [] {
            var expectReader = YAMLFieldReader(item, context: "expected decision", allowed: ["at", "rule", "decision", "action", "target", "textContains"])
            let offset = expectReader.string("at").flatMap(RuleDuration.init(parsing:))
            if offset == nil, let atNode = item["at"] { expectReader.fail(atNode, "\"at\" must be a duration after start, such as 5m10s") }
            let rule = expectReader.string("rule") ?? ""
            let kind = expectReader.choice("decision", Decision.Kind.self, valid: Decision.Kind.allCases, required: false) ?? .act
            let expected = ExpectedDecision(offset: offset ?? RuleDuration(seconds: 0), rule: rule, kind: kind,
                                            action: expectReader.string("action", required: false),
                                            target: expectReader.string("target", required: false),
                                            textContains: expectReader.strings("textContains"), mark: item.mark)
            errors += expectReader.errors
            fixture.expected.append(expected)
        }
        errors = reader.errors + errors
        return errors.isEmpty ? .success(fixture) : .failure(RuleLoadError(errors: errors))
    }

    static func parseEvent(_ node: YAMLNode, index: Int, defaults: [String: String], start: Date,
                           errors: inout [YAMLError]) -> DomainEvent? {
        let context = "event \(index + 1)"
        let kindName = node["event"]?.scalar ?? ""
        guard let kind = EventKind(rawValue: kindName) else {
            errors.append(YAMLError(mark: (node["event"] ?? node).mark,
                                    problem: "\(context): \"event\" must be one of \(EventKind.allCases.map(\.rawValue).joined(separator: ", "))"))
            return nil
        }
        var reader = YAMLFieldReader(node, context: "\(context) (\(kindName))", allowed: eventKeys + kind.fields)
        guard let atText = reader.string("at"), let at = RuleDuration(parsing: atText) else {
            if let atNode = node["at"] { reader.fail(atNode, "\"at\" must be a duration after start, such as 30s") }
            errors += reader.errors
            return nil
        }
        var fields: [String: FieldValue] = [:]
        for name in kind.fields {
            guard let value = node[name] else { continue }
            guard case .scalar(let text, let quoted) = value.value else {
                reader.fail(value, "\"\(name)\" must be a plain value")
                continue
            }
            if !quoted, text == "true" || text == "false" { fields[name] = .bool(text == "true") }
            else if !quoted, let number = Double(text), name != "vendorErrorCode", name != "idTag" { fields[name] = .number(number) }
            else { fields[name] = .string(text) }
        }
        let connector = reader.string("connector", required: false).flatMap { Int($0) }
        let evse = reader.string("evse", required: false).flatMap { Int($0) }
        let chargerTime = reader.string("chargerTime", required: false).flatMap(parseDate)
        let event = DomainEvent(id: reader.string("id", required: false) ?? "e\(index + 1)", kind: kind, time: start.adding(at),
                                chargerTime: chargerTime, station: reader.string("station", required: false) ?? defaults["station"] ?? "CP-1",
                                connector: connector, evse: evse,
                                site: reader.string("site", required: false) ?? defaults["site"],
                                vendor: reader.string("vendor", required: false) ?? defaults["vendor"],
                                model: reader.string("model", required: false) ?? defaults["model"],
                                firmware: reader.string("firmware", required: false) ?? defaults["firmware"], fields: fields)
        errors += reader.errors
        return event
    }

    static func parseDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
