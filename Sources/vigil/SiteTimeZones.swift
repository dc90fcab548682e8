import Billing
import Foundation

/// The time zone each site's tariff bands are read in: the one lookup `vigil serve` and the
/// `vigil billing` commands hand to `BillingService`.
///
/// Wiring point: the config file's `sites:` list (`{id, name, timeZone}`, being added for
/// the insight metrics) is not read yet, so every site is priced in UTC. When it lands, build
/// this lookup from it — `sites.first { $0.id == site }?.timeZone`, UTC for a station without
/// a site or a site not listed — and nothing else in billing changes.
enum SiteTimeZones {
    static func lookup(configPath: String?) -> @Sendable (String?) -> TimeZone {
        BillingService.utcEverywhere
    }
}
