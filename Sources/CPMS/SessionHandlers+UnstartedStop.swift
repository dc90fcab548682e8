import OCPP

/// A 1.6 StopTransaction for a transaction Vigil never saw start — free-vend firmware, a start
/// the charger lost or never sent while offline, a database restored from before it. The stop
/// is a session all the same: recorded from what the stop says, so the energy, the card and
/// the charger's reasons are on record for metrics, billing and disputes.
extension StationHandlers {
    /// Records `request` as a completed session (once: a stop retried after a lost answer finds
    /// it, even re-stamped). Its reference is `unstarted-<transactionId>-<meterStop>` — never a
    /// number, so it cannot meet a transaction id Vigil hands out later, and two stops reusing id
    /// 0 or -1 stay apart (a meter register only grows). Its start is its first meter value (time
    /// and register reading) when `transactionData` carries one, else its stop; it ran on no
    /// known connector (a stop names none). A session an earlier attempt opened but could not
    /// finish (a write failed midway, the charger retried) is finished now.
    func recordUnstartedStop(_ request: V16.StopTransactionRequest, station: String, authorization: String?, now: OCPPDateTime) async throws {
        let reference = "unstarted-\(request.transactionId)-\(request.meterStop)"
        let earlier = try await store.session(station: station, transactionRef: reference)
        if earlier?.hasEnded == true { return }
        let samples = request.samples
        let first = samples.map(\.normalised).filter { $0.measurand == "Energy.Active.Import.Register" && $0.phase == nil }
            .min { (StoreTime.parse($0.at) ?? .distantFuture) < (StoreTime.parse($1.at) ?? .distantFuture) }
        let start = first?.at ?? request.timestamp.rfc3339
        // startSession returns the open one an earlier attempt left, by its reference.
        let session = try await store.startSession(station: station, evse: 0, connector: 0, transactionRef: reference, idToken: request.idTag,
                                                   authorization: authorization ?? "none", startTime: start, meterStartWh: first?.value,
                                                   registrationForUnknown: registrationForUnknown, now: now.rfc3339)
        try await store.addAnomaly(session: session, "no StartTransaction was received for transaction \(request.transactionId): recorded from "
                                   + "its stop (started \(first == nil ? "at its stop: no meter value says when" : "at its first meter value"))")
        try await noteUnreadable(request.readings, session: session)
        try await store.addSamples(session: session, samples)
        if try await store.stopSession(id: session, stopTime: request.timestamp.rfc3339, meterStopWh: Double(request.meterStop),
                                       reason: request.reason?.rawValue ?? "Local", now: now.rfc3339) {
            try await flagLateReport(session: session, station: station, what: "stop", chargerTime: request.timestamp, now: now)
            try await emitEnded(session: session, station: station, at: now, chargerTime: request.timestamp)
        }
    }
}

extension Optional {
    /// `map` with an asynchronous, throwing transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
