import Alerts
import CPMS
import Foundation
import RuleEngine
import Transport

/// The start-up warnings: each risky setting or default in force (docs/security.md, production
/// checklist). `vigil serve` logs them at start and `vigil config check` prints them; both take
/// them from `startupWarnings`, so the two never disagree.
extension ServeCommand {
    struct RiskyDefault: Equatable {
        var message: String
        /// What to do instead, when there is one simple fix.
        var fix: String?
        /// Extra log fields (`path`, `http`, `route`).
        var fields: [String: String] = [:]

        init(message: String, fix: String? = nil, fields: [String: String] = [:]) {
            self.message = message
            self.fix = fix
            self.fields = fields
        }
    }

    static let noRulesWarning = "no rules directory; no rule will act until one is created and vigil is reloaded (SIGHUP)"
    static let noCatalogWarning = "no vendor catalogue; faults get no manufacturer guidance, and no station with an open fault is reset automatically (it cannot be classed)"

    /// The files holding secrets, with what each is: the database, the audit key, the config
    /// file, the TLS private key.
    func secretFiles(auditKey: String) -> [(what: String, path: String)] {
        var files = [("audit key", auditKey)]
        // A PostgreSQL database's privacy is the server's roles and pg_hba.conf, not a file mode.
        if case .sqlite(let path) = database { files.insert(("database", path), at: 0) }
        if let configPath { files.append(("config file", configPath)) }
        if let tlsKey { files.append(("TLS private key", tlsKey)) }
        return files
    }

    /// Every warning for the settings in force, in the order serve logs them. `hasAPIUsers` is
    /// whether the database holds an API user (false when there is no database yet); `http` is
    /// the API's address (as bound, when serve has bound it).
    func startupWarnings(usesTLS: Bool, hasAPIUsers: Bool, http: SocketAddress, auditKey: String, ruleSet: RuleSet? = nil) -> [RiskyDefault] {
        var warnings = PrivateFiles.exposed(secretFiles(auditKey: auditKey)).map { path, message in
            RiskyDefault(message: message, fields: ["path": path])
        }
        if alertSettings.routes.isEmpty {
            warnings.append(RiskyDefault(message: "no alert routes configured (alerts: routes: in the config file); alerts are kept and audited, not sent"))
        } else if let ruleSet {
            // A route the rules send to (the shipped ones use technician, security, fraud …) with no
            // endpoint: its alerts go to oncall instead, or nowhere without that either.
            let configured = Set(alertSettings.routes.map(\.name))
            for route in ruleSet.alertRoutes.subtracting(configured).sorted() {
                let goes = configured.contains("oncall") ? "they are sent to the oncall route instead" : "they are kept and audited, not sent"
                warnings.append(RiskyDefault(message: "the rules send alerts to route \(route), which has no endpoint (alerts: routes:); \(goes)",
                                             fix: "a route named \(route)", fields: ["route": route]))
            }
        }
        for route in alertSettings.routes where route.url.scheme == "http" && !Self.isLocal(route.url.host ?? "") {
            warnings.append(RiskyDefault(message: "the alert route \(route.endpoint) sends over plain http:// to \(route.url.host ?? "?"): alerts cross the network in clear and can be read or replayed",
                                         fix: "an https:// URL", fields: ["route": route.name]))
        }
        if !hasAPIUsers {
            warnings.append(RiskyDefault(message: "the HTTP API has no users and is open to anyone who can reach --http; add one with `vigil users add`",
                                         fields: ["http": http.description]))
        }
        warnings += riskyDefaults(usesTLS: usesTLS)
        let listed = Set(sites.map(\.id))
        for station in declaredStations where !sites.isEmpty {
            guard let site = station.site, !listed.contains(site) else { continue }
            let id = station.id
            warnings.append(RiskyDefault(message: "station \(id) is at site \"\(site)\", which sites: does not list; its local hours count in UTC",
                                         fix: "a sites: entry {id: \(site), timeZone: …}", fields: ["station": id, "site": site]))
        }
        if ["0.0.0.0", "::"].contains(http.host) && httpAllowedHosts.isEmpty {
            warnings.append(RiskyDefault(message: "the HTTP API listens on all interfaces but answers only requests whose Host is \(http); "
                                         + "name the host:port clients use with --http-allowed-hosts", fields: ["http": http.description]))
        }
        return warnings
    }

    /// A loopback name or address: traffic to it does not leave the host.
    static func isLocal(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return bare == "localhost" || bare == "::1" || bare.hasPrefix("127.")
    }

    func riskyDefaults(usesTLS: Bool) -> [RiskyDefault] {
        var warnings: [RiskyDefault] = []
        if !usesTLS && !Self.isLocal(ocppAddress.host) {
            warnings.append(RiskyDefault(message: "chargers connect over plain ws:// on \(ocppAddress): credentials and commands cross the network in clear",
                                         fix: "--tls-cert and --tls-key (security profiles 2 and 3), or a TLS proxy in front"))
        }
        if effectiveStationAuth == .optional {
            warnings.append(RiskyDefault(message: "stations without a password may connect (--station-auth optional): anyone who knows a station id can speak for it until it has authenticated once",
                                         fix: "vigil stations password ID for each station, then --station-auth required"))
        }
        if unknownStations == .accept {
            warnings.append(RiskyDefault(message: "any unknown station id is accepted and registered (--unknown-stations accept)",
                                         fix: "--unknown-stations pending or reject, with stations declared in advance"))
        }
        if duplicateConnections == .keepNew {
            warnings.append(RiskyDefault(message: "a second connection under a connected station's id replaces it (--duplicate-connections keep-new); an unauthenticated one never replaces an authenticated one",
                                         fix: "station passwords or certificates, or --duplicate-connections keep-old"))
        }
        return warnings
    }
}
