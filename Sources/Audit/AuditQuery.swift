/// A filter for `vigil audit query` and exports; nil fields match anything.
public struct AuditQuery: Sendable {
    public var from: String?
    public var to: String?
    public var station: String?
    public var site: String?
    public var rule: String?
    public var action: String?
    public var outcome: String?
    public var actor: String?
    public var kind: String?
    public var limit: Int

    public init(from: String? = nil, to: String? = nil, station: String? = nil, site: String? = nil, rule: String? = nil,
                action: String? = nil, outcome: String? = nil, actor: String? = nil, kind: String? = nil, limit: Int = 1_000) {
        self.from = from
        self.to = to
        self.station = station
        self.site = site
        self.rule = rule
        self.action = action
        self.outcome = outcome
        self.actor = actor
        self.kind = kind
        self.limit = limit
    }
}
