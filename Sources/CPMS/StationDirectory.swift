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

/// Where the CPMS hands the domain events it produces (the durable `EventLog`). Called on the
/// connection's task before the charger is answered; it returns once the event is durable,
/// may wait while the consumers are far behind (backpressure: the answer then comes later),
/// never drops, and throws when the event could not be recorded (the charger then gets an
/// error instead of an answer that would claim it was).
public typealias DomainEventSink = @Sendable (DomainEvent) async throws -> Void

/// Builds domain events for one station with its directory attributes and a fresh id.
public struct DomainEventFactory: Sendable {
    public let directory: StationDirectory
    public let sink: DomainEventSink
    /// The durable event log, when the sink is it: writes that describe a change then append
    /// their events in their own transaction (`StationStore.StatusEvents`).
    public let log: EventLog?

    public init(directory: StationDirectory, sink: @escaping DomainEventSink) {
        self.directory = directory
        self.sink = sink
        self.log = nil
    }

    /// Events go to `log`: appended by `EventLog.append`, or by the write they describe.
    public init(directory: StationDirectory, log: EventLog) {
        self.directory = directory
        self.sink = { event in try await log.append(event) }
        self.log = log
    }

    /// Builds an event with the station's `attributes` (looked up beforehand), its times to the
    /// millisecond as the log stores them, and a fresh id.
    public static func make(_ kind: EventKind, station: String, attributes: StationDirectory.Attributes, at time: Date,
                            chargerTime: Date? = nil, connector: Int? = nil, evse: Int? = nil,
                            fields: [String: FieldValue] = [:]) -> DomainEvent {
        DomainEvent(id: newId(), kind: kind, time: DomainEvent.storagePrecision(time),
                    chargerTime: chargerTime.map(DomainEvent.storagePrecision), station: station,
                    connector: connector, evse: evse, site: attributes.site, vendor: attributes.vendor,
                    model: attributes.model, firmware: attributes.firmware, fields: fields)
    }

    /// Builds the event (its times to the millisecond, as the log stores them) and hands it to
    /// the sink.
    public func emit(_ kind: EventKind, station: String, at time: Date, chargerTime: Date? = nil, connector: Int? = nil,
                     evse: Int? = nil, fields: [String: FieldValue] = [:]) async throws {
        let attributes = await directory.attributes(of: station)
        try await sink(Self.make(kind, station: station, attributes: attributes, at: time, chargerTime: chargerTime, connector: connector,
                                 evse: evse, fields: fields))
    }

    static func newId() -> String {
        UUID().uuidString.lowercased()
    }
}


/// Fields from optional strings, leaving out the missing ones.
func fields(_ pairs: [(String, String?)]) -> [String: FieldValue] {
    var result: [String: FieldValue] = [:]
    for (name, value) in pairs { if let value, !value.isEmpty { result[name] = .string(value) } }
    return result
}
