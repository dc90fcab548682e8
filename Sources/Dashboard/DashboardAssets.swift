/// The dashboard's files: the page (`/dashboard`) and, by name, what it loads
/// (`/dashboard/{name}`). Scripts load in the order the page lists them; each adds to the one
/// global `Vigil` object (no modules, no build step).
public struct DashboardAssets: Sendable {
    public let page: DashboardAsset
    public let files: [String: DashboardAsset]

    public init(page: DashboardAsset, files: [DashboardAsset]) {
        self.page = page
        self.files = Dictionary(files.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func asset(named name: String) -> DashboardAsset? { files[name] }

    /// The shipped dashboard.
    public static let shared = DashboardAssets(
        page: DashboardAsset(name: "index.html", contentType: "text/html; charset=utf-8", text: indexHTML),
        files: [
            .styleSheet("base.css", baseCSS), .styleSheet("components.css", componentsCSS),
            .script("util.js", utilJS), .script("api.js", apiJS), .script("live.js", liveJS), .script("charts.js", chartsJS),
            .script("network.js", networkJS), .script("site.js", siteJS), .script("charger.js", chargerJS),
            .script("errors.js", errorsJS), .script("remediation.js", remediationJS), .script("audit.js", auditJS),
            .script("app.js", appJS),
        ])
}
