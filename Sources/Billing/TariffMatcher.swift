import Foundation
import DomainEvents

/// Chooses the tariff for a session among the versions in force when it started. The most
/// specific match wins: a tariff names a site (weight 4), a connector type (2) and a group (1)
/// or leaves each open, and the highest total among those whose named criteria all hold is
/// used — site+connectorType+group > site+connectorType > site+group > site >
/// connectorType+group > connectorType > group > none. The file cannot hold two tariffs with
/// the same criteria (`TariffReader`), so there is never a tie — except through an unknown
/// connector type: when the session's connector has no declared type, a tariff's
/// `connectorType` is ignored (neither excludes the tariff nor adds to its weight), and on a
/// tie the tariff without a connector type wins, then the one first in id order. A declared
/// type that no tariff names excludes every typed tariff: the session falls back to the most
/// specific tariff without a connector type.
public enum TariffMatcher {
    /// The version to price `session` with, or nil when none applies.
    public static func match(_ session: PricingSession, among versions: [TariffVersion]) -> TariffVersion? {
        var best: (version: TariffVersion, weight: Int, ignoredType: Bool)?
        for version in versions {
            guard let tariff = version.tariff else { continue }
            var weight = 0
            var ignoredType = false
            if let site = tariff.site {
                guard site == session.site else { continue }
                weight += 4
            }
            if let type = tariff.connectorType {
                if let known = session.connectorType {
                    // A stored version may predate the canonical spelling (`CCS2`): parsed, it compares as `cCCS2`.
                    guard ConnectorType(parsing: type) == known else { continue }
                    weight += 2
                } else {
                    ignoredType = true
                }
            }
            if let group = tariff.group {
                // Groups are parent id tags, which compare without letter case (as OCPP's idTag).
                guard group.caseInsensitiveCompare(session.group) == .orderedSame else { continue }
                weight += 1
            }
            if let current = best {
                let better = weight > current.weight
                    || (weight == current.weight && current.ignoredType && !ignoredType)
                    || (weight == current.weight && current.ignoredType == ignoredType && version.tariffId < current.version.tariffId)
                if !better { continue }
            }
            best = (version, weight, ignoredType)
        }
        return best?.version
    }

    /// Each tariff's version in force at `instant` (milliseconds): the latest with `validFrom`
    /// at or before it; withdrawn tariffs are left out.
    public static func inForce(_ versions: [TariffVersion], at instant: Int) -> [TariffVersion] {
        var latest: [String: TariffVersion] = [:]
        for version in versions where version.validFrom <= instant {
            if let current = latest[version.tariffId], current.version > version.version { continue }
            latest[version.tariffId] = version
        }
        return latest.values.filter { $0.tariff != nil }.sorted { $0.tariffId < $1.tariffId }
    }
}
