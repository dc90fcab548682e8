/// The alert routes a rule set can send to, for the configuration's check that each has an
/// endpoint: every alert rung's, every `remedy: catalogue` fallback's, and `oncall` for a rule
/// whose reset the engine may replace by an alert without one of its own (the default route).
extension RuleSet {
    public var alertRoutes: Set<String> {
        var routes: Set<String> = []
        for rule in rules {
            var hasOwnAlert = false
            for rung in rule.ladder {
                switch rung.action {
                case .alert(let spec): routes.insert(spec.route); hasOwnAlert = true
                case .catalogueRemedy(let fallback): routes.insert(fallback.route); hasOwnAlert = true
                default: break
                }
            }
            if !hasOwnAlert && rule.ladder.contains(where: { if case .reset = $0.action { return true } else { return false } }) {
                routes.insert(rule.ladderFallback.route)
            }
        }
        return routes
    }
}
