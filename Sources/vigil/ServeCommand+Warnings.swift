import CPMS
import Foundation

/// The start-up warnings for each risky default in force (docs/security.md, production checklist).
extension ServeCommand {
    struct RiskyDefault {
        var message: String
        var fix: String
    }

    func riskyDefaults(usesTLS: Bool) -> [RiskyDefault] {
        var warnings: [RiskyDefault] = []
        let loopback = ["127.0.0.1", "::1", "localhost"].contains(ocppAddress.host)
        if !usesTLS && !loopback {
            warnings.append(RiskyDefault(message: "chargers connect over plain ws:// on \(ocppAddress): credentials and commands cross the network in clear",
                                         fix: "--tls-cert and --tls-key (security profiles 2 and 3), or a TLS proxy in front"))
        }
        if stationAuth == .optional {
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
