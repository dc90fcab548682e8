import DomainEvents
import Foundation

/// The session checks, pure: no I/O and no clock (the time of the triggering event is a
/// parameter), so each is tested with hand-built `SessionFacts`. `atStart` runs when a
/// session's start is committed, `atEnd` when its end is; each returns the signals found, with
/// keys that make a repeated check store nothing new. The authorisation checks keep state and
/// live in `RejectionWindow`.
public struct FraudDetector: Sendable {
    public var thresholds: FraudThresholds

    public init(thresholds: FraudThresholds = FraudThresholds()) {
        self.thresholds = thresholds
    }

    /// The token's registry entry as the start check needs it.
    public struct TokenFacts: Sendable, Equatable {
        /// Sites where the token may charge; empty: everywhere.
        public var sites: [String]
        public init(sites: [String]) { self.sites = sites }
    }

    /// Checks a session that just started: the token's other sessions (`others`, any station)
    /// for concurrent use, the token's sites against the station's `site`, an offline start
    /// with a bad token, and the register against `previous` (the connector's session before
    /// this one). `now`: when Vigil received the start.
    public func atStart(_ session: SessionFacts, others: [SessionFacts], token: TokenFacts?, site: String?,
                        previous: SessionFacts?, now: Date) -> [FraudSignal] {
        var found: [FraudSignal] = []
        func signal(_ kind: FraudSignal.Kind, key suffix: String = "", _ detail: [String: FieldValue]) {
            found.append(FraudSignal(kind: kind, key: "\(kind.rawValue):\(session.id)\(suffix)", station: session.station,
                                     connector: session.connector, session: session.id, transactionId: session.transactionId,
                                     idTag: session.idTag, time: now, detail: detail))
        }
        // The later of two overlapping sessions is the suspect one, so each pair is reported once
        // (at the second start), whichever order the consumer reads them in. A session still
        // open is running now, unless it is old enough to be taken for one whose end was lost.
        let end = session.stop ?? .distantFuture
        let overlapping = others.filter { other in
            guard other.id != session.id, other.station != session.station, let token = session.idTag,
                  other.idTag?.caseInsensitiveCompare(token) == .orderedSame,
                  other.start < session.start || (other.start == session.start && other.id < session.id) else { return false }
            let abandonedAt = other.start.addingTimeInterval(thresholds.abandonedSessionAfter)
            let otherEnd = other.stop ?? (now < abandonedAt ? .distantFuture : abandonedAt)
            return other.start < end && otherEnd > session.start
        }.sorted { $0.start < $1.start }
        // One signal per pair: the earliest other session under the session's own key (as
        // before), each further one under `concurrentUse:<session>:<other>`.
        for (index, other) in overlapping.enumerated() {
            signal(.concurrentUse, key: index == 0 ? "" : ":\(other.id)",
                   ["otherStation": .string(other.station), "otherSession": .number(Double(other.id)),
                    "otherTransactionId": .string(other.transactionId),
                    "otherStart": .string(UTCTimestamp.format(other.start, milliseconds: false)),
                    "start": .string(UTCTimestamp.format(session.start, milliseconds: false)),
                    "overlapping": .number(Double(overlapping.count))])
        }
        if let token, !token.sites.isEmpty,
           !token.sites.contains(where: { $0.caseInsensitiveCompare(site ?? "") == .orderedSame }) {
            signal(.siteNotAllowed, ["site": .string(site ?? "none"), "allowedSites": .string(token.sites.joined(separator: ","))])
        }
        let delay = now.timeIntervalSince(session.start)
        let startedOffline = session.startReportedLate || delay >= thresholds.offlineStartDelay
        if startedOffline, let verdict = session.authorization, Self.badTokenVerdicts.contains(verdict) {
            signal(.offlineStartBadToken, ["authorization": .string(verdict), "delaySeconds": .number(delay.rounded()),
                                           "queuedOffline": .bool(session.startReportedLate)])
        }
        if let previous, previous.id != session.id, let before = previous.meterStopWh ?? previous.register.last?.wh,
           let begin = session.meterStartWh, before - begin > thresholds.backwardsToleranceWh {
            signal(.registerBackwards, key: ":previous", ["previousSession": .number(Double(previous.id)),
                                                          "previousStopWh": .number(before), "meterStartWh": .number(begin),
                                                          "between": .string("sessions")])
        }
        return found
    }

    /// The verdicts that make a token bad for `offlineStartBadToken`.
    public static let badTokenVerdicts: Set<String> = ["blocked", "expired", "invalid", "unknown"]

    /// Checks a session that just ended: its register against meterStart/meterStop, its energy
    /// against the connector's power, its meter values, and its register's direction.
    public func atEnd(_ session: SessionFacts, now: Date) -> [FraudSignal] {
        var found: [FraudSignal] = []
        func signal(_ kind: FraudSignal.Kind, key suffix: String = "", _ detail: [String: FieldValue]) {
            found.append(FraudSignal(kind: kind, key: "\(kind.rawValue):\(session.id)\(suffix)", station: session.station,
                                     connector: session.connector, session: session.id, transactionId: session.transactionId,
                                     idTag: session.idTag, time: now, detail: detail))
        }
        let readings = session.register.sorted { $0.at < $1.at }
        let tolerance = thresholds.backwardsToleranceWh
        var backwards: (from: Double, to: Double)?
        if let start = session.meterStartWh, let stop = session.meterStopWh, start - stop > tolerance { backwards = (start, stop) }
        for (earlier, later) in zip(readings, readings.dropFirst()) where backwards == nil && earlier.wh - later.wh > tolerance {
            backwards = (earlier.wh, later.wh)
        }
        if let (from, to) = backwards {
            signal(.registerBackwards, key: ":session", ["fromWh": .number(from), "toWh": .number(to), "between": .string("readings")])
        }
        if let reported = session.reportedWh, reported >= 0, let start = session.meterStartWh, let stop = session.meterStopWh,
           let low = readings.map(\.wh).min(), let high = readings.map(\.wh).max() {
            let allowance = thresholds.registerTolerance(forEnergy: reported)
            if low < start - allowance || high > stop + allowance {
                signal(.registerMismatch, ["reportedWh": .number(reported), "meterStartWh": .number(start), "meterStopWh": .number(stop),
                                           "sampledMinWh": .number(low), "sampledMaxWh": .number(high),
                                           "toleranceWh": .number(allowance.rounded())])
            }
        }
        if let duration = session.durationSeconds {
            let energy = session.reportedWh ?? readings.last.map { last in last.wh - (readings.first?.wh ?? last.wh) }
            let maxKW = thresholds.maxPower(of: session.station)
            let allowed = maxKW * 1_000 * max(duration, 0) / 3_600 + thresholds.registerToleranceWh
            if let energy, energy > allowed {
                signal(.energyAbovePower, ["energyWh": .number(energy), "durationSeconds": .number(duration.rounded()),
                                           "maxPowerKW": .number(maxKW), "allowedWh": .number(allowed.rounded()),
                                           "impliedPowerKW": .number(duration > 0 ? (energy / duration * 3.6).rounded() : 0)])
            }
            if session.sampleCount == 0 && duration >= thresholds.noMeterValuesMinDuration {
                signal(.noMeterValues, ["durationSeconds": .number(duration.rounded()),
                                        "reportedWh": session.reportedWh.map(FieldValue.number) ?? .string("none")])
            }
        }
        return found
    }
}
