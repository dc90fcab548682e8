import CPMS
import DomainEvents
import Foundation

/// The fraud and integrity checks inside `vigil serve`: serve's "fraud" consumer of the event
/// log hands it `transactionStarted`, `transactionEnded` and `authorizationRejected` events
/// after they are committed (never on the charger's answer path), it reads what the checks
/// need from the store, runs the pure `FraudDetector` and `RejectionWindow`, stores each new
/// signal in `fraud_signals` and then publishes it as a `fraudSuspected` event through
/// `publish`. A crash between the two leaves the signal stored without its event.
public actor FraudService {
    public let store: StationStore
    public let fraud: FraudStore
    public let detector: FraudDetector
    private var window: RejectionWindow
    private let publish: @Sendable (DomainEvent) async throws -> Void
    private let clock: @Sendable () -> Date

    /// `publish`: where `fraudSuspected` events go (serve: the event log, without waiting for
    /// room — the consumer must never wait on itself). `clock`: the time a published event
    /// carries (when the signal was found, as every event's time is when Vigil learnt it; the
    /// stored signal keeps the time of the event that triggered the check).
    public init(store: StationStore, thresholds: FraudThresholds = FraudThresholds(), clock: @escaping @Sendable () -> Date = { Date() },
                publish: @escaping @Sendable (DomainEvent) async throws -> Void) {
        self.store = store
        self.fraud = FraudStore(host: store)
        self.detector = FraudDetector(thresholds: thresholds)
        self.window = RejectionWindow(thresholds: thresholds)
        self.publish = publish
        self.clock = clock
    }

    /// Whether serve should hand this event to `observe`.
    public static func observes(_ event: DomainEvent) -> Bool {
        [.transactionStarted, .transactionEnded, .authorizationRejected].contains(event.kind)
    }

    /// Runs the checks each event calls for; returns the signals stored and published. A
    /// failure is reported through `onError` (with the station) and the next event goes on.
    @discardableResult
    public func observe(_ events: [DomainEvent], onError: @Sendable (String, Error) -> Void) async -> [FraudSignal] {
        var published: [FraudSignal] = []
        for event in events where Self.observes(event) {
            do {
                for signal in try await check(event) where try await fraud.insert(signal) {
                    try await publish(Self.event(for: signal, from: event, at: clock()))
                    published.append(signal)
                }
            } catch { onError(event.station, error) }
        }
        return published
    }

    /// The signals one event gives, nothing stored.
    func check(_ event: DomainEvent) async throws -> [FraudSignal] {
        switch event.kind {
        case .authorizationRejected:
            guard let idTag = event.fields["idTag"]?.description else { return [] }
            return window.rejected(idTag: idTag, station: event.station, at: event.time)
        case .transactionStarted, .transactionEnded:
            guard let reference = event.fields["transactionId"]?.description,
                  let id = try await store.sessionId(station: event.station, transactionRef: reference),
                  let session = try await facts(session: id) else { return [] }
            if event.kind == .transactionEnded { return detector.atEnd(session, now: event.time) }
            var others: [SessionFacts] = []
            if let token = session.idTag {
                for other in try await fraud.sessions(ofToken: token, excluding: id) {
                    if let facts = try await facts(session: other, readingSamples: false) { others.append(facts) }
                }
            }
            var token: IdTokenRecord?
            if let idTag = session.idTag { token = try await store.token(idTag) }
            let site = try await store.station(event.station)?.site
            var previous: SessionFacts?
            if let before = try await fraud.previousSession(station: session.station, evse: session.connector, before: id) {
                previous = try await facts(session: before)
            }
            return detector.atStart(session, others: others, token: token.map { FraudDetector.TokenFacts(sites: $0.sites) }, site: site,
                                    previous: previous, now: event.time)
        default:
            return []
        }
    }

    /// A session as the checks see it; nil when it is unknown or its start time unreadable.
    /// `readingSamples: false` leaves its meter values out (the concurrent-use check needs
    /// only the times of the token's other sessions, which may have thousands of samples).
    func facts(session id: Int, readingSamples: Bool = true) async throws -> SessionFacts? {
        guard let record = try await store.session(id), let start = Self.date(record.startTime) else { return nil }
        let samples = readingSamples ? try await store.samples(session: id) : []
        let register = samples.compactMap { sample -> SessionFacts.RegisterReading? in
            guard sample.measurand == "Energy.Active.Import.Register", sample.phase == nil, sample.unit == nil || sample.unit == "Wh",
                  let at = Self.date(sample.at) else { return nil }
            return SessionFacts.RegisterReading(at: at, wh: sample.value)
        }
        // 1.6 notes "start reported …", 2.0.1 "started reported …" (the Started event, `offline`).
        let late = record.anomalies.contains {
            ($0.hasPrefix("start reported") || $0.hasPrefix("started reported")) && $0.contains("queued while offline")
        }
        return SessionFacts(id: id, station: record.station, connector: record.evse, transactionId: record.transactionRef,
                            idTag: record.idToken, authorization: record.authorization, start: start,
                            stop: record.stopTime.flatMap(Self.date), meterStartWh: record.meterStartWh, meterStopWh: record.meterStopWh,
                            sampleCount: samples.count, register: register, startReportedLate: late)
    }

    /// The `fraudSuspected` event of `signal` at `time`, with the directory attributes of the
    /// event that triggered it (the same station).
    public static func event(for signal: FraudSignal, from trigger: DomainEvent, at time: Date) -> DomainEvent {
        var fields: [String: FieldValue] = ["signal": .string(signal.kind.rawValue), "detail": .string(signal.summary)]
        if let idTag = signal.idTag { fields["idTag"] = .string(idTag) }
        if let reference = signal.transactionId { fields["transactionId"] = .string(reference) }
        if let session = signal.session { fields["session"] = .number(Double(session)) }
        if let other = signal.detail["otherStation"] { fields["otherStation"] = other }
        return DomainEvent(id: RandomIdentifier.make(), kind: .fraudSuspected, time: DomainEvent.storagePrecision(time), station: signal.station,
                           connector: signal.connector, evse: signal.connector, site: trigger.site, vendor: trigger.vendor,
                           model: trigger.model, firmware: trigger.firmware, fields: fields)
    }

    /// An RFC 3339 time as the CPMS stores charger times (with or without fractions, any offset).
    static func date(_ text: String) -> Date? {
        if let date = UTCTimestamp.parse(text) { return date }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
