import DomainEvents
import Foundation
import Synchronization

/// What every domain event says about its station (site, vendor, model, firmware), cached in
/// memory so that turning a message into an event costs no database read. Filled from the
/// store on first use and refreshed by every BootNotification.
public final class StationDirectory: Sendable {
    public struct Attributes: Sendable, Equatable {
        public var site: String?
        public var vendor: String?
        public var model: String?
        public var firmware: String?

        public init(site: String? = nil, vendor: String? = nil, model: String? = nil, firmware: String? = nil) {
            self.site = site
            self.vendor = vendor
            self.model = model
            self.firmware = firmware
        }
    }

    private let cache = Mutex<[String: Attributes]>([:])
    private let store: StationStore

    public init(store: StationStore) {
        self.store = store
    }

    public func attributes(of station: String) async -> Attributes {
        if let known = cache.withLock({ $0[station] }) { return known }
        let record = try? await store.station(station)
        let attributes = Attributes(site: record?.site, vendor: record?.vendor, model: record?.model, firmware: record?.firmware)
        cache.withLock { $0[station] = attributes }
        return attributes
    }

    /// Changes a station's attributes (what the store knows is loaded first, so a boot does
    /// not forget the site).
    public func update(_ station: String, _ change: (inout Attributes) -> Void) async {
        _ = await attributes(of: station)
        cache.withLock { cache in
            var attributes = cache[station] ?? Attributes()
            change(&attributes)
            cache[station] = attributes
        }
    }

    public func forget(_ station: String) {
        _ = cache.withLock { $0.removeValue(forKey: station) }
    }
}
