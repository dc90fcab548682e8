import DomainEvents
import Foundation
import OCPP

/// Sessions from OCPP 1.6 StartTransaction / MeterValues / StopTransaction and OCPP 2.0.1
/// TransactionEvent, into the one session model of `StationStore`. Each answer is sent only
/// after the change is committed.
extension StationHandlers {
    func registerSessions16(_ handlers: inout OCPPHandlers) {
        let this = self
        handlers.on(V16.StartTransactionRequest.self) { request, connection in
            let now = this.clock()
            // A charger that lost our answer retries the same start: it must get the same id
            // (and the same verdict: its own session is not a concurrent one).
            let existing = try await this.store.findRetriedStart(station: connection.stationId, evse: request.connectorId,
                                                                 idToken: request.idTag, startTime: request.timestamp.rfc3339,
                                                                 meterStartWh: Double(request.meterStart))
            let decision = try await this.authorize(request.idTag, station: connection.stationId, now: now,
                                                    transactionRef: existing.map(String.init), evse: request.connectorId)
            let info = V16.StartTransactionResponse.IdTagInfo(
                expiryDate: decision.expiry, parentIdTag: decision.parent,
                status: V16.StartTransactionResponse.IdTagInfo.Status(rawValue: decision.idTagInfo16.status.rawValue) ?? .invalid)
            if let existing { return V16.StartTransactionResponse(idTagInfo: info, transactionId: existing) }
            let id = try await this.store.startSession(
                station: connection.stationId, evse: request.connectorId, connector: 1, transactionRef: nil, idToken: request.idTag,
                authorization: decision.outcome.rawValue, startTime: request.timestamp.rfc3339,
                meterStartWh: Double(request.meterStart), registrationForUnknown: this.registrationForUnknown, now: now.rfc3339)
            try await this.flagLateReport(session: id, station: connection.stationId, what: "start", chargerTime: request.timestamp, now: now)
            try await this.emit(.transactionStarted, station: connection.stationId, at: now, chargerTime: request.timestamp,
                            connector: request.connectorId, evse: request.connectorId,
                            fields: ["transactionId": .string(String(id)), "idTag": .string(request.idTag)])
            return V16.StartTransactionResponse(idTagInfo: info, transactionId: id)
        }
        handlers.on(V16.MeterValuesRequest.self) { request, connection in
            if let transactionId = request.transactionId,
               let known = try await this.store.session(station: connection.stationId, transactionRef: String(transactionId)) {
                let (session, hasEnded) = (known.id, known.hasEnded)
                let samples = request.samples
                if !hasEnded { try await this.noteUnreadable(request.readings, session: session) }
                if hasEnded {
                    // An ended session's record does not change (it may be priced already): noted, not added.
                    try await this.store.addAnomaly(session: session, "meter values reported after the session ended, not added")
                    return V16.MeterValuesResponse()
                }
                try await this.store.addSamples(session: session, samples)
                if let last = request.meterValue.map(\.timestamp).max(by: { $0.date < $1.date }) {
                    try await this.flagLateReport(session: session, station: connection.stationId, what: "meter values", chargerTime: last,
                                                  now: this.clock())
                }
            }
            return V16.MeterValuesResponse()
        }
        handlers.on(V16.StopTransactionRequest.self) { request, connection in
            let now = this.clock()
            // A stop retried after a lost answer is answered again but recorded once; one that
            // says another stop time is noted on the session (and not applied either).
            let known = try await this.store.session(station: connection.stationId, transactionRef: String(request.transactionId))
            if let known, known.hasEnded, known.stopTime != request.timestamp.rfc3339 {
                // One note however often firmware re-stamps its retries (the record keeps the first stop).
                try await this.store.addAnomaly(session: known.id, "StopTransaction repeated with another stop time, not applied")
            }
            if let session = known?.id, known?.hasEnded == false {
                try await this.noteUnreadable(request.readings, session: session)
                try await this.store.addSamples(session: session, request.samples)
                if try await this.store.stopSession(id: session, stopTime: request.timestamp.rfc3339, meterStopWh: Double(request.meterStop),
                                                    reason: request.reason?.rawValue ?? "Local", now: now.rfc3339) {
                    try await this.flagLateReport(session: session, station: connection.stationId, what: "stop", chargerTime: request.timestamp, now: now)
                    try await this.emitEnded(session: session, station: connection.stationId, at: now, chargerTime: request.timestamp)
                }
            }
            // The same verdict Start got for this station (its sites included), not the bare token's.
            let decision = try await request.idTag.asyncMap {
                try await this.authorize($0, station: connection.stationId, now: now, concurrency: false)
            }
            // An unknown transaction (free-vend firmware, a start lost while offline) is recorded
            // from its stop, and acknowledged: the charger would otherwise retry it forever.
            if known == nil {
                try await this.recordUnstartedStop(request, station: connection.stationId, authorization: decision?.outcome.rawValue, now: now)
            }
            guard let decision else { return V16.StopTransactionResponse() }
            return V16.StopTransactionResponse(idTagInfo: V16.StopTransactionResponse.IdTagInfo(
                expiryDate: decision.expiry, parentIdTag: decision.parent,
                status: V16.StopTransactionResponse.IdTagInfo.Status(rawValue: decision.idTagInfo16.status.rawValue) ?? .invalid))
        }
    }

    func registerSessions201(_ handlers: inout OCPPHandlers) {
        let this = self
        handlers.on(V201.TransactionEventRequest.self) { request, connection in
            let now = this.clock()
            let reference = request.transactionInfo.transactionId
            if request.eventType == .ended { this.transactionEnding?(connection.stationId, reference) }
            let samples = (request.meterValue ?? []).flatMap { value in
                value.sampledValue.map { sample in
                    let measurand = sample.measurand?.rawValue ?? "Energy.Active.Import.Register"
                    return MeterSample(at: value.timestamp.rfc3339, measurand: measurand,
                                       value: sample.value * pow(10, Double(sample.unitOfMeasure?.multiplier ?? 0)),
                                       unit: sample.unitOfMeasure?.unit ?? MeterSample.defaultUnit(for: measurand), phase: sample.phase?.rawValue,
                                       context: sample.context?.rawValue)
                }
            }.filter(\.value.isFinite)   // a value scaled past the largest double is no reading
            let energy = samples.map(\.normalised).last { $0.measurand == "Energy.Active.Import.Register" && $0.phase == nil }?.value
            var decision: AuthorizationDecision?
            // NoAuthorization is a station charging without a card (free vend, set up on the
            // station): nothing to check, and no token the session can name — Accepted, so the
            // station does not stop it, with authorization `noAuthorization`.
            let token = request.idToken.flatMap { $0.type == .noAuthorization ? nil : $0.idToken }
            if let token {
                decision = try await this.authorize(token, station: connection.stationId, now: now, transactionRef: reference,
                                                    evse: request.evse?.id)
            } else if request.idToken != nil {
                decision = AuthorizationDecision(outcome: .accepted)
            }
            // Recorded as such (free vend is not a missing token), and billed like a session without one.
            let authorization = token == nil ? (request.idToken == nil ? nil : "noAuthorization") : decision?.outcome.rawValue
            // Any event of a transaction not seen yet opens it (an Updated may arrive first after an outage).
            let known = try await this.store.session(station: connection.stationId, transactionRef: reference)
            var session = known?.id
            var reportedLate: Bool?
            if session == nil {
                session = try await this.store.startSession(
                    station: connection.stationId, evse: request.evse?.id ?? 0, connector: request.evse?.connectorId ?? 0,
                    transactionRef: reference, idToken: token,
                    authorization: authorization ?? "none", startTime: request.timestamp.rfc3339,
                    meterStartWh: request.eventType == .started ? energy : nil, registrationForUnknown: this.registrationForUnknown,
                    now: now.rfc3339)
                // On the record before the rules and the fraud checks hear of the start (an
                // `offline` start with a blocked card is offlineStartBadToken however soon it came).
                if let session {
                    reportedLate = try await this.flagLateReport(session: session, station: connection.stationId, what: request.eventType.rawValue.lowercased(),
                                                                 chargerTime: request.timestamp, now: now, offline: request.offline == true)
                }
                try await this.emit(.transactionStarted, station: connection.stationId, at: now, chargerTime: request.timestamp,
                                connector: request.evse?.id, evse: request.evse?.id,
                                fields: CPMS.fields([("transactionId", reference), ("idTag", token)]))
            }
            if let session, let known, known.hasEnded {
                // An ended session's record does not change (it may be priced already). An Ended
                // retried after a lost answer (the same stop time) gets the same answer; anything
                // else of a transaction that has ended — a late Updated, its id reused — is noted.
                // (One note per kind: a reused id sending Updated every minute adds no more.)
                if request.eventType == .ended, known.stopTime == request.timestamp.rfc3339 {
                    if let finalCost = this.finalCost {
                        return V201.TransactionEventResponse(totalCost: await finalCost(session), idTokenInfo: decision?.idTokenInfo201)
                    }
                } else {
                    try await this.store.addAnomaly(session: session, "TransactionEvent \(request.eventType.rawValue) after the transaction ended, not applied")
                }
                return V201.TransactionEventResponse(idTokenInfo: decision?.idTokenInfo201)
            }
            if let session {
                // Only when the first event left something out (a write per message otherwise:
                // much firmware repeats the idToken in every Updated).
                if let known, (token != nil && !known.hasToken) || (request.eventType == .started
                    && (!known.hasMeterStart || request.timestamp.date < (StoreTime.parse(known.startTime) ?? .distantPast))) {
                    // A token presented after the start, or a Started arriving after another
                    // event of its transaction: the session learns what its first event lacked.
                    try await this.store.completeSessionStart(
                        id: session, idToken: token, authorization: authorization,
                        startTime: request.eventType == .started ? request.timestamp.rfc3339 : nil,
                        meterStartWh: request.eventType == .started ? energy : nil, now: now.rfc3339)
                }
                // Authorized first, the EVSE named later: the session moves there.
                if let known, known.evse == 0, let evse = request.evse, evse.id > 0 {
                    try await this.store.placeSession(id: session, evse: evse.id, connector: evse.connectorId ?? 0, ref: reference, now: now.rfc3339)
                }
                try await this.store.addSamples(session: session, samples)
                // Whether energy flows, for utilisation: 2.0.1 connector statuses say only Occupied.
                let evse = request.evse?.id ?? known?.evse ?? 0
                if evse > 0, let state = request.eventType == .ended ? "Ended" : request.transactionInfo.chargingState?.rawValue {
                    try await this.store.recordChargingState(station: connection.stationId, evse: evse, state: state, now: now.rfc3339,
                                                             starting: known == nil)
                }
                // 2.0.1 says so itself (`offline`); the clock skew catches firmware that does not.
                if reportedLate == nil {
                    reportedLate = try await this.flagLateReport(session: session, station: connection.stationId, what: request.eventType.rawValue.lowercased(),
                                                                 chargerTime: request.timestamp, now: now, offline: request.offline == true)
                }
                if request.eventType == .ended {
                    if try await this.store.stopSession(id: session, stopTime: request.timestamp.rfc3339, meterStopWh: energy,
                                                        reason: request.transactionInfo.stoppedReason?.rawValue ?? "Local", now: now.rfc3339) {
                        try await this.emitEnded(session: session, station: connection.stationId, at: now, chargerTime: request.timestamp)
                    }
                    // The price to show, once the stop is stored: what the session's CDR will say.
                    if let finalCost = this.finalCost {
                        return V201.TransactionEventResponse(totalCost: await finalCost(session), idTokenInfo: decision?.idTokenInfo201)
                    }
                }
                // A running cost may be due: the listener only queues it, to go after this answer.
                // Not for a report queued while offline: a replayed backlog's Ended follows at once, and
                // the charger would get the running cost of a transaction it has closed.
                if request.eventType == .updated, !samples.isEmpty, reportedLate != true, let listener = this.runningSessionUpdated {
                    listener(RunningSessionUpdate(session: session, station: connection.stationId, transactionId: reference,
                                                  chargerTime: request.timestamp.rfc3339))
                }
            }
            return V201.TransactionEventResponse(idTokenInfo: decision?.idTokenInfo201)
        }
    }
}

extension StationHandlers {
    /// A 1.6 reading that is not a number (`"abc"`, a decimal comma `"6,5"`, `"NaN"`) is left out
    /// of the session — and said so on its record, once per measurand, with the first such
    /// value: nothing is dropped silently. Signed readings (`format: SignedData`) are not
    /// numbers by design and are not noted.
    func noteUnreadable(_ readings: [RawReading], session: Int) async throws {
        var noted: Set<String> = []   // one write per measurand and message
        for reading in readings where !reading.signed && MeterSample.decimal(reading.value) == nil
            && noted.insert(reading.measurand ?? "").inserted {
            let prefix = "meter values of \(reading.measurand ?? "Energy.Active.Import.Register") that are not numbers were left out"
            let shown = reading.value.count > 40 ? String(reading.value.prefix(40)) + "…" : reading.value
            try await store.addAnomaly(session: session, "\(prefix) (first: \(shown.debugDescription.replacingOccurrences(of: ";", with: ",")))",
                                       oncePer: prefix)
        }
    }

    /// Records on the session that a part of it was reported late — queued by the charger
    /// while it was offline (its own `offline` flag, or its timestamp beyond the clock skew):
    /// the record keeps the charger's times, and the anomaly says they arrived afterwards.
    /// Whether it was late (queued while offline).
    @discardableResult
    func flagLateReport(session: Int, station: String, what: String, chargerTime: OCPPDateTime, now: OCPPDateTime,
                        offline: Bool = false) async throws -> Bool {
        let delay = try await store.reportDelay(station: station, chargerTime: chargerTime.date, now: now.date)
        guard offline || delay != nil else { return false }
        let late = delay.map { " \(Self.describe(seconds: $0)) after it happened" } ?? ""
        try await store.addAnomaly(session: session, "\(what) reported\(late) (queued while offline)")
        return true
    }

    static func describe(seconds: Double) -> String {
        switch seconds {
        case ..<3_600: return "\(Int((seconds / 60).rounded())) min"
        case ..<172_800: return String(format: "%.1f h", seconds / 3_600)
        default: return "\(Int(seconds / 86_400)) days"
        }
    }

    /// Stop reasons that mean the session failed rather than the driver ending it.
    static let failedStopReasons: Set<String> = ["EmergencyStop", "GroundFault", "HardReset", "ImmediateReset", "OvercurrentFault",
                                                 "PowerLoss", "PowerQuality", "Reboot", "SoftReset", "Timeout"]

    /// transactionEnded, with energy, duration and whether the session succeeded: it
    /// delivered energy (at least 100 Wh) and did not end for a fault.
    func emitEnded(session: Int, station: String, at now: OCPPDateTime, chargerTime: OCPPDateTime) async throws {
        guard events != nil, let record = try await store.session(session) else { return }
        var values = CPMS.fields([("transactionId", record.transactionRef), ("idTag", record.idToken), ("reason", record.stopReason)])
        let energy = record.energyWh ?? 0
        values["energyWh"] = .number(energy)
        if let start = OCPPDateTime(rfc3339: record.startTime), let stop = record.stopTime.flatMap({ OCPPDateTime(rfc3339: $0) }) {
            values["durationSeconds"] = .number(Double(stop.secondsSinceEpoch - start.secondsSinceEpoch))
        }
        values["success"] = .bool(energy >= 100 && !Self.failedStopReasons.contains(record.stopReason ?? ""))
        try await emit(.transactionEnded, station: station, at: now, chargerTime: chargerTime, connector: record.evse, evse: record.evse,
                   fields: values)
    }
}

extension MeterSample {
    /// A 1.6 sampled value (the same fields in MeterValues and StopTransaction, which the
    /// schemas define as separate types). The value is a decimal string; signed data and
    /// non-numbers are not samples. The schema defaults apply: Energy.Active.Import.Register, and
    /// Wh for an energy measurand (others: `defaultUnit(for:)`).
    static func ocpp16(at time: OCPPDateTime, value: String, isSigned: Bool, measurand: String?, unit: String?,
                       phase: String?, context: String?) -> MeterSample? {
        guard !isSigned, let number = decimal(value) else { return nil }
        let measurand = measurand ?? "Energy.Active.Import.Register"
        return MeterSample(at: time.rfc3339, measurand: measurand, value: number,
                           unit: unit ?? defaultUnit(for: measurand), phase: phase, context: context)
    }
}

extension MeterSample {
    /// `text` as a finite decimal number — digits with an optional sign, fraction and exponent
    /// (`230.4`, `-1`, `1.5e3`) — or nil: `Double(_:)` alone would also take `nan`, `inf` and
    /// hexadecimal (`0x10`), which no meter shows and which the store cannot keep.
    static func decimal(_ text: String) -> Double? {
        var digits = 0
        var seenPoint = false
        var seenExponent = false
        var exponentDigits = 0
        var previous: UInt8 = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if seenExponent { exponentDigits += 1 } else { digits += 1 }
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                // A sign only first, or right after the exponent's `e`.
                guard previous == 0 || previous == UInt8(ascii: "e") || previous == UInt8(ascii: "E") else { return nil }
            case UInt8(ascii: "."):
                guard !seenPoint, !seenExponent else { return nil }
                seenPoint = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                guard !seenExponent, digits > 0 else { return nil }
                seenExponent = true
            default:
                return nil
            }
            previous = byte
        }
        guard digits > 0, !seenExponent || exponentDigits > 0, let number = Double(text), number.isFinite else { return nil }
        return number
    }
}

/// One line of a session's fault list: `<charger time> <code> [vendor code] [info]`.
func sessionError(at time: OCPPDateTime, code: String, vendorCode: String?, info: String?) -> String {
    var parts = [time.rfc3339, code]
    if let vendorCode, !vendorCode.isEmpty, vendorCode.lowercased() != "null" { parts.append(vendorCode) }
    if let info, !info.isEmpty, info.lowercased() != "null" { parts.append("(\(info))") }
    return parts.joined(separator: " ")
}
