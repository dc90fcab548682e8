import DomainEvents
import Foundation

/// How much of a time range a connector could be used, and why not for the rest: a pure
/// calculation over histories given to it (no I/O, no clock — every time is an input).
///
/// Each instant of the range is exactly one of available or down, and a down instant has one
/// cause, the first that holds in this order (precedence):
/// 1. `maintenance` — inside a maintenance window for the station or its site: planned work
///    is not a failure, whatever else happens during it (a fault in a window is maintenance);
/// 2. `offline` — the station is not connected; its connectors' reported status is stale;
/// 3. `faulted` — the connector's last report is Faulted;
/// 4. `unavailable` — the connector's last report is Unavailable (taken out of service by the
///    station, an operator or Vigil).
/// Everything else is available, including an online connector that has not reported a
/// status yet (no evidence of a problem) and every in-session status.
///
/// Of the available time, the figures also say how much was in use (session metrics'
/// utilisation): `chargingSeconds` while the last report was Charging, SuspendedEV or
/// SuspendedEVSE (a session with energy flowing or paused) — or, in 2.0.1, Occupied while the
/// EVSE's transaction said one of those (`ChargingChange`) — `occupiedSeconds` while it was any
/// of Preparing, Charging, SuspendedEV, SuspendedEVSE, Finishing or (2.0.1) Occupied — a
/// vehicle at the connector. Charging time is part of occupied time.
///
/// Times are as the store holds them: connectivity changes at the station's `last_seen` of
/// the flip (an offline spell counts from the last message heard), statuses by the time
/// Vigil received them, not the charger's own time: received time is on one clock for every
/// station, never in the future, and is what an operator saw; a report queued while offline
/// arrives after the station reconnected and so cannot rewrite the offline spell.
/// The state at the start of the range is carried in from `stateBefore` / `statusBefore`
/// (the last change before it); with no connectivity known before the range, the station
/// counts as offline until its first change to online.
public enum ConnectorAvailability {
    /// Why a connector was down.
    public enum Cause: String, Sendable, CaseIterable, Codable {
        case maintenance, offline, faulted, unavailable
    }

    /// A change of the station's connection at `at`.
    public struct ConnectivityChange: Sendable, Equatable {
        public var at: Date
        public var online: Bool
        public init(at: Date, online: Bool) { self.at = at; self.online = online }
    }

    /// A connector's status as received at `at`.
    public struct StatusChange: Sendable, Equatable {
        public var at: Date
        public var status: ConnectorStatus
        public init(at: Date, status: ConnectorStatus) { self.at = at; self.status = status }
    }

    /// A 2.0.1 EVSE's charging state changing (TransactionEvent `chargingState`): `charging`
    /// for Charging, SuspendedEV and SuspendedEVSE. 2.0.1 connector statuses say only Occupied,
    /// so while a connector is Occupied its charging time comes from these.
    public struct ChargingChange: Sendable, Equatable {
        public var at: Date
        public var charging: Bool
        public init(at: Date, charging: Bool) { self.at = at; self.charging = charging }
    }

    /// Seconds of a range: in total, available, and down by cause. Sums of figures (a station
    /// from its connectors, a site from its stations) add seconds, so an aggregate's
    /// availability is its available seconds over its total seconds — each connector weighs
    /// by the time it was measured, and a ratio of sums never averages averages.
    public struct Figures: Sendable, Equatable {
        public var totalSeconds: Double = 0
        public var availableSeconds: Double = 0
        public var downtime: [Cause: Double] = [:]
        /// Of the available seconds, those in a charging status, and those occupied (see the type).
        public var chargingSeconds: Double = 0
        public var occupiedSeconds: Double = 0
        /// The station was online at no instant of the range (true for an aggregate only when
        /// true for every part of it).
        public var neverConnected = false

        public init(totalSeconds: Double = 0, availableSeconds: Double = 0, downtime: [Cause: Double] = [:], neverConnected: Bool = false) {
            self.totalSeconds = totalSeconds
            self.availableSeconds = availableSeconds
            self.downtime = downtime
            self.neverConnected = neverConnected
        }

        /// Available over total seconds; nil for an empty range or aggregate.
        public var availability: Double? { totalSeconds > 0 ? availableSeconds / totalSeconds : nil }

        /// The sum of `parts` (see the type's note on aggregation).
        public static func sum(_ parts: [Figures]) -> Figures {
            var total = Figures(neverConnected: !parts.isEmpty)
            for part in parts {
                total.totalSeconds += part.totalSeconds
                total.availableSeconds += part.availableSeconds
                total.chargingSeconds += part.chargingSeconds
                total.occupiedSeconds += part.occupiedSeconds
                for (cause, seconds) in part.downtime { total.downtime[cause, default: 0] += seconds }
                total.neverConnected = total.neverConnected && part.neverConnected
            }
            return total
        }
    }

    /// The figures of one connector over `range`. `connectivity` and `statuses` may hold
    /// changes outside the range (ignored) and in any order (sorted by time, stable).
    /// `maintenance` are the windows that apply to this connector's station (or its site).
    /// `charging` and `chargingBefore`: the connector's EVSE's 2.0.1 charging states (none for 1.6).
    public static func compute(range: DateInterval, connectivity: [ConnectivityChange], stateBefore: Bool?,
                               statuses: [StatusChange], statusBefore: ConnectorStatus?,
                               maintenance: [DateInterval], charging: [ChargingChange] = [], chargingBefore: Bool = false) -> Figures {
        let start = range.start, end = range.end
        let links = connectivity.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        let reports = statuses.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        let flows = charging.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        var flowing = chargingBefore
        for change in flows where change.at <= start { flowing = change.charging }
        // The state at the start: the last change at or before it, else the one carried in.
        var online = stateBefore ?? false
        var status = statusBefore
        for change in links where change.at <= start { online = change.online }
        for change in reports where change.at <= start { status = change.status }
        if status != .occupied { flowing = false }   // as below: energy only flows in an Occupied spell
        // Every instant where something may change, inside the range, in order, once each.
        var cuts: [Date] = [start, end]
        cuts.reserveCapacity(links.count + reports.count + 2 * maintenance.count + 2)
        for change in links where change.at > start && change.at < end { cuts.append(change.at) }
        for change in reports where change.at > start && change.at < end { cuts.append(change.at) }
        for change in flows where change.at > start && change.at < end { cuts.append(change.at) }
        for window in maintenance {
            if window.start > start && window.start < end { cuts.append(window.start) }
            if window.end > start && window.end < end { cuts.append(window.end) }
        }
        cuts.sort()
        var points: [Date] = []
        points.reserveCapacity(cuts.count)
        for cut in cuts where cut != points.last { points.append(cut) }
        var figures = Figures()
        var everOnline = false
        var nextLink = links.firstIndex { $0.at > start } ?? links.endIndex
        var nextReport = reports.firstIndex { $0.at > start } ?? reports.endIndex
        var nextFlow = flows.firstIndex { $0.at > start } ?? flows.endIndex
        for (from, to) in zip(points, points.dropFirst()) {
            while nextLink < links.endIndex && links[nextLink].at <= from { online = links[nextLink].online; nextLink += 1 }
            while nextReport < reports.endIndex && reports[nextReport].at <= from {
                status = reports[nextReport].status
                nextReport += 1
                // A new Occupied spell starts without energy: a transaction whose end was lost
                // must not leave its last "Charging" to the next vehicle's.
                if status != .occupied { flowing = false }
            }
            while nextFlow < flows.endIndex && flows[nextFlow].at <= from { flowing = flows[nextFlow].charging; nextFlow += 1 }
            // To the millisecond, as the store keeps times: sums of whole spans stay exact.
            let seconds = (to.timeIntervalSince(from) * 1_000).rounded() / 1_000
            guard seconds > 0 else { continue }
            figures.totalSeconds += seconds
            if online { everOnline = true }
            let inMaintenance = maintenance.contains { $0.start <= from && from < $0.end }
            let cause: Cause? = inMaintenance ? .maintenance
                : !online ? .offline
                : status == .faulted ? .faulted
                : status == .unavailable ? .unavailable
                : nil
            if let cause {
                figures.downtime[cause, default: 0] += seconds
            } else {
                figures.availableSeconds += seconds
                if status.map(Self.isCharging) == true || (status == .occupied && flowing) { figures.chargingSeconds += seconds }
                if status.map(Self.isOccupied) == true { figures.occupiedSeconds += seconds }
            }
        }
        figures.neverConnected = !everOnline && figures.totalSeconds > 0
        return figures
    }

    /// Energy flowing or paused mid-session: Charging, SuspendedEV, SuspendedEVSE.
    public static func isCharging(_ status: ConnectorStatus) -> Bool { status.isInSession }

    /// A vehicle at the connector: Preparing through Finishing, and 2.0.1's Occupied.
    public static func isOccupied(_ status: ConnectorStatus) -> Bool {
        [.preparing, .charging, .suspendedEV, .suspendedEVSE, .finishing, .occupied].contains(status)
    }
}
