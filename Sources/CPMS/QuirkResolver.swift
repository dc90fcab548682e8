import OCPP
import VendorCatalog

/// The quirk profile each station gets from its vendor's entries in the catalogue, by the
/// vendor, model and firmware the registry has for it, as the OCPP layer applies it
/// (`StationQuirks`). Cached per station; a boot (which may change model or firmware) clears
/// the station's entry.
actor QuirkResolver {
    private let catalog: VendorCatalog
    private let store: StationStore
    private var cache: [String: StationQuirks] = [:]

    init(catalog: VendorCatalog, store: StationStore) {
        self.catalog = catalog
        self.store = store
    }

    func quirks(for station: String) async -> StationQuirks {
        if let cached = cache[station] { return cached }
        guard let record = try? await store.station(station) else { return StationQuirks() }   // unknown yet: strict
        let matching = catalog.quirks(for: CatalogQuery(chargePointVendor: record.vendor, model: record.model, firmware: record.firmware))
        let quirks = Self.profile(matching)
        cache[station] = quirks
        return quirks
    }

    /// The profile for a BootNotification's own payload (1.6 chargePointVendor/Model and
    /// firmwareVersion; 2.0.1 chargingStation.vendorName/model/firmwareVersion), not cached.
    nonisolated func quirks(forBoot payload: JSONObject) -> StationQuirks {
        func text(_ object: JSONObject?, _ key: String) -> String? {
            if case .string(let value)? = object?[key] { return value } else { return nil }
        }
        var station: JSONObject?
        if case .object(let nested)? = payload["chargingStation"] { station = nested }
        let vendor = text(payload, "chargePointVendor") ?? text(station, "vendorName")
        let model = text(payload, "chargePointModel") ?? text(station, "model")
        let firmware = text(payload, "firmwareVersion") ?? text(station, "firmwareVersion")
        guard vendor != nil || model != nil else { return StationQuirks() }
        return Self.profile(catalog.quirks(for: CatalogQuery(chargePointVendor: vendor, model: model, firmware: firmware)))
    }

    func invalidate(_ station: String) {
        cache[station] = nil
    }

    /// The catalogue's quirks in the OCPP layer's terms.
    static func profile(_ quirks: [VendorQuirk]) -> StationQuirks {
        var profile = StationQuirks()
        for quirk in quirks {
            for name in quirk.leniency {
                guard let option = OCPPLeniency(name: name) else { continue }
                profile.tolerances.append(StationQuirks.Tolerance(quirk: quirk.id, option: option, actions: quirk.actions, fields: quirk.fields))
            }
            profile.substitutions += quirk.substitutions.map {
                StationQuirks.Substitution(quirk: quirk.id, action: $0.action, field: $0.field, from: $0.from, to: $0.to)
            }
            profile.repairs += quirk.repairs.map { StationQuirks.FrameRepair(quirk: quirk.id, from: $0.from, to: $0.to) }
            profile.replyDelays += quirk.replyDelays.map {
                StationQuirks.ReplyDelay(quirk: quirk.id, action: $0.action, delay: .milliseconds($0.milliseconds))
            }
            if quirk.remoteStartNeedsConnector && profile.remoteStartNeedsConnector == nil { profile.remoteStartNeedsConnector = quirk.id }
        }
        return profile
    }
}
