import CPMS
import Foundation
import VendorCatalog

/// Whether a station has a fault open that must never be reset automatically: its open faults
/// (from the store) classed by the vendor catalogue's `autoReset`. The executor checks it
/// before every automatic reset, and a manual reset of such a station needs `force`.
///
/// A fault is classed as the rule engine classes it: by the vendor's entry for its vendor code,
/// else by the generic entry for its OCPP code (the catalogue's lookup order), so the engine's
/// decisions and this check agree. Without a catalogue no fault can be classed, so every open
/// fault counts as never-reset: the check fails closed. A store that cannot be read throws.
public struct NeverResetCheck: Sendable {
    let store: StationStore
    let catalog: VendorCatalog?

    public init(store: StationStore, catalog: VendorCatalog?) {
        self.store = store
        self.catalog = catalog
    }

    /// The first such fault, by EVSE, with the name of the catalogue entry that classes it.
    public func openFault(station: String) async throws -> (StationStore.OpenFault, String)? {
        try await openFaults(station: station, first: true).first
    }

    /// Every such fault, by EVSE, each with the name of the catalogue entry that classes it.
    public func openFaults(station: String, first: Bool = false) async throws -> [(StationStore.OpenFault, String)] {
        let faults = try await store.openFaults(station: station)
        guard !faults.isEmpty else { return [] }
        let record = try await store.station(station)
        var found: [(StationStore.OpenFault, String)] = []
        for fault in faults {
            guard let catalog else {
                found.append((fault, "\(fault.code) (no vendor catalogue is loaded to class it, so it counts as never-reset)"))
                if first { break } else { continue }
            }
            let match = catalog.faultEntry(CatalogQuery(vendorId: fault.vendorId, chargePointVendor: record?.vendor, model: record?.model,
                                                        firmware: record?.firmware, vendorErrorCode: fault.vendorErrorCode,
                                                        ocppErrorCode: fault.code.rawValue))
            if let entry = match?.entry, entry.neverAutoReset {
                found.append((fault, "\(entry.vendor) \(entry.code)"))
                if first { break }
            }
        }
        return found
    }

    /// "CP-1 has Generic OCPP GroundFailure open on connector 2 since …".
    public static func describe(station: String, fault: StationStore.OpenFault, entry: String) -> String {
        let place = fault.evse == 0 ? "the station itself" : "connector \(fault.evse)"
        return "\(station) has \(entry) open on \(place) since \(fault.raisedAt)"
    }
}
