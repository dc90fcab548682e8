import Foundation
import VendorCatalog

/// An alert someone wants raised: the rule (or executor safeguard) and target it is about,
/// the route named in the rule, and the rendered text with the guidance and evidence.
public struct AlertRequest: Sendable, Equatable {
    public var rule: String
    public var target: String
    public var station: String?
    public var site: String?
    public var vendor: String?
    public var route: String
    public var severity: Severity
    public var title: String
    public var text: String
    public var decisionId: Int?
    /// What Vigil did or learned changed (a station answered after the alert went out): the
    /// open alert is updated and the update sent at once instead of waiting for the repeat
    /// interval; with no open alert nothing is raised.
    public var outcomeChanged = false

    public init(rule: String, target: String, station: String?, site: String?, vendor: String? = nil, route: String, severity: Severity,
                title: String, text: String, decisionId: Int?) {
        self.rule = rule
        self.target = target
        self.station = station
        self.site = site
        self.vendor = vendor
        self.route = route
        self.severity = severity
        self.title = title
        self.text = text
        self.decisionId = decisionId
    }

    /// Alerts group by rule and target: one open alert each.
    public var groupKey: String { "\(rule)|\(target)" }

}
