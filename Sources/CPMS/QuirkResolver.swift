import OCPP
import VendorCatalog

/// The OCPP tolerances each station gets from its vendor's quirk profile in the catalogue,
/// by the vendor, model and firmware the registry has for it. Cached per station; a boot
/// (which may change model or firmware) clears the station's entry.
actor QuirkResolver {
    private let catalog: VendorCatalog
    private let store: StationStore
    private var cache: [String: OCPPLeniency] = [:]

    init(catalog: VendorCatalog, store: StationStore) {
        self.catalog = catalog
        self.store = store
    }

    func leniency(for station: String) async -> OCPPLeniency {
        if let cached = cache[station] { return cached }
        guard let record = try? await store.station(station) else { return [] }   // unknown yet: strict
        let quirks = catalog.quirks(for: CatalogQuery(chargePointVendor: record.vendor, model: record.model, firmware: record.firmware))
        var leniency: OCPPLeniency = []
        for name in quirks.flatMap(\.leniency) { if let option = OCPPLeniency(name: name) { leniency.insert(option) } }
        cache[station] = leniency
        return leniency
    }

    func invalidate(_ station: String) {
        cache[station] = nil
    }
}
