import Foundation
import VendorCatalog

/// Recurring errors over a range: the most frequent codes per site (or of one station), with
/// the catalogue's title, first and last seen, mean time to recovery and between faults.
public struct ErrorMetricsReport: Sendable {
    public var from: Date
    public var to: Date
    /// Most frequent first (`RecurringErrors`), cut to the limit asked for.
    public var errors: [RecurringErrors.Group]

    /// The JSON shape of `vigil metrics errors --json` and `GET /api/v1/metrics/errors`.
    public var jsonObject: [String: Any] {
        func optional(_ value: Any?) -> Any { value ?? NSNull() }
        return ["from": StoreTime.format(from), "to": StoreTime.format(to), "errors": errors.map { group -> [String: Any] in
            ["vendor": group.vendor, "code": group.code, "ocppErrorCode": optional(group.ocppErrorCode), "title": optional(group.title),
             "count": group.count, "stations": group.stations.count, "site": optional(group.site),
             "firstSeen": StoreTime.format(group.firstSeen), "lastSeen": StoreTime.format(group.lastSeen),
             "meanTimeToRecoverySeconds": optional(group.meanTimeToRecoverySeconds),
             "meanTimeBetweenFaultsSeconds": optional(group.meanTimeBetweenFaultsSeconds)]
        }]
    }
}

extension StationStore {
    /// The `limit` most frequent faults of `station` (or of `site`'s stations, or of every
    /// station) that began in `from…to`, by site, vendor and code. The vendor is the station's
    /// own (BootNotification `chargePointVendor`), `-` when unknown; titles come from
    /// `catalog.faultEntry` for the station's vendor, model and firmware (nil without a catalogue).
    public func errorMetrics(station: String? = nil, site: String? = nil, from: Date, to: Date, limit: Int,
                             catalog: VendorCatalog?) throws -> ErrorMetricsReport {
        let range = DateInterval(start: from, end: max(from, to))
        let faults = try faultEpisodes(station: station, site: site, from: range.start, to: range.end)
        var records: [String: StationRecord] = [:]
        let inputs = faults.map { item -> RecurringErrors.Input in
            records[item.station.id] = item.station
            return RecurringErrors.Input(station: item.station.id, site: item.station.site, vendor: item.station.vendor ?? "-",
                                         evse: item.evse, connector: item.connector, episodes: item.episodes)
        }
        let groups = RecurringErrors.groups(inputs, range: range) { input, episode in
            let record = records[input.station]
            return catalog?.faultEntry(CatalogQuery(chargePointVendor: record?.vendor, model: record?.model, firmware: record?.firmware,
                                                    vendorErrorCode: episode.vendorErrorCode, ocppErrorCode: episode.ocppErrorCode))?.entry.title
        }
        return ErrorMetricsReport(from: range.start, to: range.end, errors: Array(groups.prefix(max(0, limit))))
    }
}
