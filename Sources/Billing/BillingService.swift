import CPMS
import DomainEvents
import Foundation

/// Prices sessions as they end, inside `vigil serve`: it records the config file's tariff
/// versions at start, prices a session once the CPMS has committed its end (never on the
/// charger's answer path: serve feeds it `transactionEnded` events from the event log), and
/// sweeps at start-up for ended sessions that are still unpriced (a crash between the stop and
/// its CDR). A session no tariff applies to gets an `unpriced_sessions` row instead of a CDR.
public struct BillingService: Sendable {
    public let store: StationStore
    public let billing: BillingStore
    /// The time zone of a site (nil: a station without a site). The wiring point for the
    /// config file's `sites:` (`timeZone`); until then every site is priced in UTC.
    public let timeZone: @Sendable (String?) -> TimeZone

    public init(store: StationStore, timeZone: @escaping @Sendable (String?) -> TimeZone = BillingService.utcEverywhere) {
        self.store = store
        self.billing = BillingStore(host: store)
        self.timeZone = timeZone
    }

    /// The default zone lookup: UTC for every site.
    public static let utcEverywhere: @Sendable (String?) -> TimeZone = { _ in TimeZone.gmt }

    /// What pricing one session came to.
    public enum Outcome: Sendable, Equatable {
        case priced(ChargeDetailRecord)
        case unpriced(reason: String)
        /// It had a CDR or an unpriced record already.
        case alreadyDone
        /// Not a session, or not ended.
        case notEnded
    }

    /// Whether serve should hand this event to `observe`.
    public static func observes(_ event: DomainEvent) -> Bool { event.kind == .transactionEnded }

    /// Prices the sessions the `transactionEnded` events name; a failure is reported through
    /// `onError` and left for the next start-up's sweep.
    public func observe(_ events: [DomainEvent], now: @Sendable () -> Date = { Date() },
                        onError: @Sendable (String, Error) -> Void) async {
        for event in events where Self.observes(event) {
            guard case .string(let reference)? = event.fields["transactionId"] else { continue }
            do {
                guard let id = try await store.sessionId(station: event.station, transactionRef: reference) else { continue }
                _ = try await price(session: id, now: now())
            } catch { onError("\(event.station)/\(reference)", error) }
        }
    }

    /// Prices every ended session that stopped since the first tariff version and has neither
    /// a CDR nor an unpriced record. Returns how many got a CDR and how many were unpriced.
    public func sweep(now: Date) async throws -> (priced: Int, unpriced: Int) {
        guard let since = try await billing.versions().map(\.validFrom).min() else { return (0, 0) }
        var priced = 0, unpriced = 0
        while true {
            let batch = try await billing.sessionsToPrice(since: since, limit: 500)
            if batch.isEmpty { break }
            for id in batch {
                switch try await price(session: id, now: now) {
                case .priced: priced += 1
                case .unpriced: unpriced += 1
                case .alreadyDone, .notEnded: break
                }
            }
            if batch.count < 500 { break }
        }
        return (priced, unpriced)
    }

    /// Prices `session` with the tariff version in force when it started and writes its CDR
    /// (or its unpriced record). Idempotent: a session already done is left alone.
    public func price(session id: Int, now: Date) async throws -> Outcome {
        if try await billing.cdr(session: id) != nil { return .alreadyDone }
        guard let record = try await store.session(id), !record.isActive, let stopTime = record.stopTime else { return .notEnded }
        let stamp = Instant.milliseconds(now)
        func unpriced(_ reason: String) async throws -> Outcome {
            try await billing.markUnpriced(session: id, station: record.station, start: record.startTime, stop: stopTime, reason: reason, now: stamp)
            return .unpriced(reason: reason)
        }
        if let refusal = Self.notBillable(record) { return try await unpriced(refusal) }
        guard let session = try await pricingSession(record) else {
            return try await unpriced("unreadable start or stop time (\(record.startTime) – \(stopTime))")
        }
        let versions = try await billing.versions()
        let candidates = TariffMatcher.inForce(versions, at: session.start)
        if candidates.isEmpty, let first = versions.map(\.validFrom).min(), session.start < first {
            // Not "no tariff applies": the charger's start is before any tariff existed.
            return try await unpriced("the session started (\(record.startTime), the charger's time) before the first tariff version took "
                                      + "effect (\(Instant.format(first))): it was running when tariffs were first configured, or the "
                                      + "charger's clock is behind")
        }
        guard let version = TariffMatcher.match(session, among: candidates) else {
            return try await unpriced("no tariff applies (site \(session.site ?? "none"), connector type \(session.connectorType?.rawValue ?? "not declared"), "
                                      + "group \(session.group), \(candidates.count) in force at the start)")
        }
        do {
            let cdr = try PricingEngine.price(session, with: version, timeZone: timeZone(session.site))
            if let reason = Self.nothingDelivered(cdr) { return try await unpriced(reason) }
            return try await billing.insert(cdr, now: stamp) ? .priced(cdr) : .alreadyDone
        } catch let error as PricingEngine.PricingError {
            return try await unpriced(error.description)
        }
    }

    /// Why `record` is not billed, or nil when it is: a session whose token Vigil refused when
    /// it started (blocked, expired, invalid, at a site it is not allowed at, in use elsewhere)
    /// is not billed to that token — the charger ran it anyway (offline, or ignoring the
    /// answer) — and gets an unpriced record naming the verdict, for follow-up, instead of a
    /// CDR. Accepted tokens, unknown ones (the `adhoc` group: cards Vigil does not hold, such as
    /// a payment terminal's), sessions without a token (`none`) and 2.0.1 free vend
    /// (`noAuthorization`) are priced.
    public static func notBillable(_ record: SessionRecord) -> String? {
        guard let verdict = record.authorization, !["accepted", "unknown", "none", "noAuthorization"].contains(verdict) else { return nil }
        return "the token was refused when the session started (\(verdict)): not billed to it"
    }

    /// A CDR for a session that delivered no energy is not written: nothing was sold, and a
    /// session fee for a failed start is what drivers dispute. Nil when `cdr` is billable.
    public static func nothingDelivered(_ cdr: ChargeDetailRecord) -> String? {
        guard let energy = Decimal(string: cdr.energyWh), energy <= 0 else { return nil }
        return "no energy delivered (\(cdr.energyWh) Wh): nothing to bill"
    }

    /// What pricing needs of a session: its site, its connector's declared type, its token's
    /// group and its energy register readings — all as they are now, when it is priced (right
    /// after it ends). An ended session is priced to its stop; a running one, given `until`
    /// (milliseconds, the charger's time of its latest report), to `until` or its latest
    /// register reading, whichever is later. Nil when its times cannot be read.
    public func pricingSession(_ record: SessionRecord, until running: Int? = nil) async throws -> PricingSession? {
        guard let start = Instant.parse(record.startTime), let ended = running ?? record.stopTime.flatMap(Instant.parse) else { return nil }
        let site = try await store.station(record.station)?.site
        let connectorType = try await store.connectorType(station: record.station, evse: record.evse, connector: record.connector)
        var group = Tariff.adhocGroup
        if let token = record.idToken, let parent = try await store.token(token)?.parent, !parent.isEmpty { group = parent }
        let samples = try await store.samples(session: record.id).compactMap { sample -> RegisterSample? in
            guard sample.measurand == "Energy.Active.Import.Register", sample.phase == nil, sample.unit == nil || sample.unit == "Wh",
                  let at = Instant.parse(sample.at) else { return nil }
            return RegisterSample(at: at, wh: sample.value)
        }
        let stop = running == nil ? ended : max(ended, samples.map(\.at).max() ?? ended)
        return PricingSession(id: record.id, station: record.station, site: site, evse: record.evse, connector: record.connector,
                              connectorType: connectorType, idToken: record.idToken, group: group, authorization: record.authorization,
                              start: start, stop: stop, meterStartWh: record.meterStartWh, meterStopWh: record.meterStopWh,
                              registerSamples: samples)
    }
}

extension BillingService {
    /// Prices the sessions that ended in `[from, to)` (milliseconds) under `draft` — every
    /// draft tariff taken as in force, whatever the session's start — beside their stored CDRs,
    /// with serve's own refusals: a session whose token was refused, or that delivered no
    /// energy, is not priced by the draft either. Writes nothing.
    public func rerate(draft: [Tariff], from: Int, to: Int) async throws -> RerateReport {
        let versions = draft.map { TariffVersion.draft($0) }
        var report = RerateReport()
        for id in try await billing.endedSessions(from: from, to: to) {
            guard let record = try await store.session(id) else { continue }
            var line = RerateReport.Line(session: id, station: record.station)
            if let stored = try await billing.cdr(session: id)?.record {
                line.oldTariff = "\(stored.tariffId) v\(stored.tariffVersion)"
                (line.oldCurrency, line.oldNet, line.oldGross) = (stored.currency, stored.net, stored.gross)
            }
            if let refusal = Self.notBillable(record) {
                line.problem = refusal   // as serve: never priced under any tariff
            } else if let session = try await pricingSession(record) {
                if let version = TariffMatcher.match(session, among: versions) {
                    do {
                        let cdr = try PricingEngine.price(session, with: version, timeZone: timeZone(session.site))
                        if let reason = Self.nothingDelivered(cdr) {
                            line.problem = reason
                        } else {
                            line.newTariff = cdr.tariffId
                            (line.newCurrency, line.newNet, line.newGross) = (cdr.currency, cdr.net, cdr.gross)
                        }
                    } catch { line.problem = error.description }
                } else {
                    line.problem = "no draft tariff applies (site \(session.site ?? "none"), group \(session.group))"
                }
            } else {
                line.problem = "unreadable start or stop time"
            }
            report.lines.append(line)
        }
        return report
    }
}
