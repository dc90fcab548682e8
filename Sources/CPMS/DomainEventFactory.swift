import DomainEvents
import Foundation

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
        RandomIdentifier.make()
    }
}

/// Fields from optional strings, leaving out the missing ones.
func fields(_ pairs: [(String, String?)]) -> [String: FieldValue] {
    var result: [String: FieldValue] = [:]
    for (name, value) in pairs { if let value, !value.isEmpty { result[name] = .string(value) } }
    return result
}
