import Foundation
import YAMLKit

/// Reading `when: { around: … }`; part of `RuleReader`.
extension RuleReader {
    /// `around: { site: { faultedShare: { gt: 0.3 } }, connector: { status: Available } }`: per
    /// level, measure → a test (a value, a list or operators); `sessions` also takes `within`.
    mutating func surroundings(_ node: YAMLNode, by: GroupKey, context: String) -> Surroundings? {
        guard let levels = node.mapping, !levels.isEmpty else {
            fail(node, "\(context): \"around\" must be a mapping of connector, station and/or site to their measures")
            return nil
        }
        var tests: [Surroundings.Test] = []
        for (levelNode, measuresNode) in levels {
            let name = levelNode.scalar ?? ""
            guard let level = Surroundings.Level(rawValue: name) else {
                var message = "\(context): unknown level \"\(name)\"; use connector, station or site"
                if let suggestion = Self.closest(to: name, in: Set(Surroundings.Level.allCases.map(\.rawValue))) {
                    message += " (did you mean \"\(suggestion)\"?)"
                }
                fail(levelNode, message)
                continue
            }
            let place = by.placeLevel
            switch level {
            case .connector where place != .connector:
                fail(levelNode, "\(context): \"connector\" measures need a connector target (by: connector); this rule groups by \(by)")
                continue
            case .station where place != .connector && place != .station:
                fail(levelNode, "\(context): \"station\" measures need a station or connector target; this rule groups by \(by)")
                continue
            case .site where place == nil:
                fail(levelNode, "\(context): \"site\" measures need a connector, station or site target; this rule groups by \(by)")
                continue
            default: break
            }
            guard let measures = measuresNode.mapping, !measures.isEmpty else {
                fail(measuresNode, "\(context) \(name): give measures such as { faultedShare: { gt: 0.3 } }")
                continue
            }
            let offered = Surroundings.Measure.offered(at: level)
            for (measureNode, testNode) in measures {
                let measureName = measureNode.scalar ?? ""
                guard let measure = Surroundings.Measure(rawValue: measureName), offered.contains(measure) else {
                    var message = "\(context) \(name): unknown measure \"\(measureName)\""
                    if let suggestion = Self.closest(to: measureName, in: Set(offered.map(\.rawValue))) {
                        message += " (did you mean \"\(suggestion)\"?)"
                    } else {
                        message += "; a \(name) offers \(offered.map(\.rawValue).joined(separator: ", "))"
                    }
                    fail(measureNode, message)
                    continue
                }
                if let test = surroundingsTest(testNode, level: level, measure: measure, context: "\(context) \(name) \(measureName)") {
                    tests.append(test)
                }
            }
        }
        return tests.isEmpty ? nil : Surroundings(tests: tests)
    }

    /// One measure's test; a windowed measure takes its `within` from the operator mapping.
    mutating func surroundingsTest(_ node: YAMLNode, level: Surroundings.Level, measure: Surroundings.Measure,
                                   context: String) -> Surroundings.Test? {
        var within: RuleDuration?
        var testNode = node
        if let pairs = node.mapping, let withinPair = pairs.first(where: { $0.0.scalar == "within" }) {
            guard measure.isWindowed else {
                fail(withinPair.0, "\(context): \"within\" only applies to sessions")
                return nil
            }
            within = duration(withinPair.1, "within", context: context)
            let rest = pairs.filter { $0.0.scalar != "within" }
            guard !rest.isEmpty else {
                fail(node, "\(context): give a test besides \"within\", such as { within: 3d, gte: 5 }")
                return nil
            }
            testNode = YAMLNode(.mapping(rest), mark: node.mark)
        }
        if measure.isWindowed && within == nil {
            fail(node, "\(context): say how far back to count, such as { within: 24h, gte: 5 }")
            return nil
        }
        guard let test = fieldTest(testNode, field: measure.rawValue, context: context) else { return nil }
        return Surroundings.Test(level: level, measure: measure, within: within, test: test)
    }
}
