import Billing
import CPMS
import Foundation

/// The time zone each site's tariff bands are read in: the one lookup `vigil serve` and the
/// `vigil billing` commands hand to `BillingService`, built from the config file's `sites:`
/// (`{id, name, timeZone}`) — the same zones the insight metrics count local hours in. UTC for
/// a station without a site, at a site not listed, or with no config file.
enum SiteTimeZones {
    /// The lookup over `sites` (`SiteDirectory.timeZone(of:)`).
    static func lookup(_ sites: SiteDirectory) -> @Sendable (String?) -> TimeZone {
        { sites.timeZone(of: $0) }
    }

    /// The lookup over the `sites:` of the config file at `configPath`; UTC everywhere without
    /// one. Throws every mistake in the file, as `vigil config check` reports them.
    static func lookup(configPath: String?) throws(UsageError) -> @Sendable (String?) -> TimeZone {
        guard let configPath else { return BillingService.utcEverywhere }
        return lookup(SiteDirectory(try ServeConfigFile.load(path: configPath).sites))
    }
}
