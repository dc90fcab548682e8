import Foundation
import VendorCatalog
import YAMLKit

/// One webhook endpoint for a route name that rules use (`alert: { route: oncall }`); several
/// endpoints may share a name (Slack and PagerDuty for `oncall`).
public struct AlertRoute: Sendable, Equatable {
    public enum Format: String, Sendable, CaseIterable { case generic, slack, pagerduty, alertmanager }

    public var name: String
    public var url: URL
    public var format: Format
    /// Signs every request (`X-Vigil-Signature`); required.
    public var secret: String
    /// Alerts below this severity are not sent here.
    public var minSeverity: Severity
    /// Globs on the alert's site and vendor (case-insensitive); empty matches all.
    public var sites: [String]
    public var vendors: [String]
    /// At most this many requests per minute to this endpoint; the rest wait.
    public var ratePerMinute: Int
    public var timeout: TimeInterval
    /// PagerDuty's integration (routing) key.
    public var routingKey: String?

    public init(name: String, url: URL, format: Format, secret: String, minSeverity: Severity = .info, sites: [String] = [],
                vendors: [String] = [], ratePerMinute: Int = 60, timeout: TimeInterval = 10, routingKey: String? = nil) {
        self.name = name
        self.url = url
        self.format = format
        self.secret = secret
        self.minSeverity = minSeverity
        self.sites = sites
        self.vendors = vendors
        self.ratePerMinute = ratePerMinute
        self.timeout = timeout
        self.routingKey = routingKey
    }

    /// The endpoint's identity in the outbox, the audit trail, the log and `vigil alerts`: the
    /// name, the masked URL and a fingerprint of the whole URL (several endpoints of one name
    /// may mask alike) — `oncall https://hooks.slack.com/services/… [1f0c93ab]`. Never the URL
    /// itself: the dispatcher finds the route by this identity in the loaded configuration.
    public var endpoint: String { "\(name) \(Redacted.url(url)) [\(Redacted.fingerprint(url.absoluteString))]" }

    /// The identity that rows queued by earlier versions carry: name and URL in clear
    /// (`AlertDispatcher.run` rewrites them to `endpoint`).
    var legacyEndpoint: String { "\(name) \(url.absoluteString)" }

    public func accepts(_ request: AlertRequest) -> Bool {
        guard request.severity >= minSeverity else { return false }
        return Self.matches(sites, request.site) && Self.matches(vendors, request.vendor)
    }

    static func matches(_ globs: [String], _ value: String?) -> Bool {
        guard !globs.isEmpty else { return true }
        guard let value else { return false }
        return globs.contains { Glob($0).matches(value) }   // case-insensitive, as the catalogue's vendor patterns
    }
}

/// The `alerts:` section of the serve config file.
public struct AlertSettings: Sendable {
    public var routes: [AlertRoute] = []
    /// A delivery still failing after this long is dead-lettered (visible, retryable).
    public var giveUpAfter: TimeInterval = 86_400
    /// A repeat of an open alert is sent again at most this often.
    public var repeatInterval: TimeInterval = 3_600

    public init() {}

    /// Reads `alerts: { giveUpAfter, repeatInterval, routes: [...] }`; every mistake is collected.
    public static func read(_ node: YAMLNode) -> (AlertSettings, [YAMLError]) {
        var settings = AlertSettings()
        var reader = YAMLFieldReader(node, context: "config alerts", allowed: ["giveUpAfter", "repeatInterval", "routes"])
        var errors: [YAMLError] = []
        for (key, keyPath) in [("giveUpAfter", \AlertSettings.giveUpAfter), ("repeatInterval", \AlertSettings.repeatInterval)] {
            guard let text = reader.string(key, required: false), let valueNode = node[key] else { continue }
            if let seconds = seconds(text), seconds > 0 { settings[keyPath: keyPath] = seconds }
            else { reader.fail(valueNode, "\"\(key)\" must be a duration such as 30m, 24h or 7d, got \"\(text)\"") }
        }
        for item in reader.field("routes", required: false)?.sequence ?? [] {
            let allowed = ["name", "url", "format", "secret", "minSeverity", "sites", "vendors", "ratePerMinute", "timeout", "routingKey"]
            var route = YAMLFieldReader(item, context: "config alert route", allowed: allowed)
            let name = route.string("name") ?? ""
            var url: URL?
            if let text = route.string("url"), let urlNode = item["url"] {
                url = URL(string: text)
                if url?.scheme != "http" && url?.scheme != "https" || url?.host == nil {
                    route.fail(urlNode, "\"url\" must be an http:// or https:// URL, got \"\(text)\"")
                    url = nil
                }
            }
            let format = route.choice("format", AlertRoute.Format.self, valid: AlertRoute.Format.allCases, required: false) ?? .generic
            let secret = route.string("secret") ?? ""
            if secret.count < 16, let secretNode = item["secret"] { route.fail(secretNode, "\"secret\" must be at least 16 characters") }
            let named = route.string("minSeverity", required: false) ?? Severity.info.rawValue
            let minSeverity = Severity(rawValue: named) ?? .info
            if Severity(rawValue: named) == nil, let severityNode = item["minSeverity"] {
                route.fail(severityNode, "\"minSeverity\" must be one of \(Severity.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var rate = 60
            if let text = route.string("ratePerMinute", required: false), let rateNode = item["ratePerMinute"] {
                if let value = Int(text), value > 0 { rate = value } else { route.fail(rateNode, "\"ratePerMinute\" must be a positive whole number") }
            }
            var timeout: TimeInterval = 10
            if let text = route.string("timeout", required: false), let timeoutNode = item["timeout"] {
                if let value = seconds(text), value > 0, value <= 120 { timeout = value } else { route.fail(timeoutNode, "\"timeout\" must be a duration from 1s to 2m") }
            }
            let routingKey = route.string("routingKey", required: false)
            if format == .pagerduty && routingKey == nil { route.fail(item, "a pagerduty route needs \"routingKey\" (the integration key)") }
            errors += route.errors
            if route.errors.isEmpty, let url {
                settings.routes.append(AlertRoute(name: name, url: url, format: format, secret: secret, minSeverity: minSeverity,
                                                  sites: route.strings("sites"), vendors: route.strings("vendors"), ratePerMinute: rate,
                                                  timeout: timeout, routingKey: routingKey))
            }
        }
        return (settings, reader.errors + errors)
    }

    /// `90s`, `30m`, `24h`, `7d`.
    static func seconds(_ text: String) -> TimeInterval? { DurationText.seconds(text) }
}
