/// The alert routes a rule set can send to, for the configuration's check that each has an
/// endpoint: every alert rung's and `remedy: catalogue` fallback's, and always `oncall` (the
/// default route, the engine's own pages when a disable ends a ladder with no alert, and the
/// executor's safety and breaker pages).
extension RuleSet {
    public var alertRoutes: Set<String> {
        var routes: Set<String> = ["oncall"]
        for rule in rules where rule.enabled {
            var hasOwnAlert = false
            for rung in rule.ladder {
                switch rung.action {
                case .alert(let spec): routes.insert(spec.route); hasOwnAlert = true
                case .catalogueRemedy(let fallback): routes.insert(fallback.route); hasOwnAlert = true
                default: break
                }
            }
            if !hasOwnAlert { routes.insert(rule.ladderFallback.route) }
        }
        return routes
    }
}
