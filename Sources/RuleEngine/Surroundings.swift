import Foundation
import DomainEvents

/// `when: { around: … }`: conditions on a target's surroundings — its connector, its station or
/// its site as the engine knows them from their events at the moment the pattern would fire
/// ("this connector idle while its site is busy", "more than 30% of the site's connectors
/// Faulted"). Every test must hold for the pattern to fire.
public struct Surroundings: Sendable, Equatable {
    public var tests: [Test]

    public init(tests: [Test]) { self.tests = tests }

    /// One measure at one level, with the test its value must pass.
    public struct Test: Sendable, Equatable {
        public var level: Level
        public var measure: Measure
        /// For windowed measures (`sessions`): how far back they count.
        public var within: RuleDuration?
        public var test: FieldTest
    }

    /// Whose surroundings: the target's own connector, its station, or its site.
    public enum Level: String, Sendable, CaseIterable {
        case connector, station, site
    }

    /// What is measured. Counts are of connectors (a connector is known once it has reported a
    /// status or a session); shares are a count over the known connectors (0 when none).
    public enum Measure: String, Sendable, CaseIterable {
        /// connector only: its last reported status (`Available`, `Faulted` …).
        case status
        case connectors
        /// Last status Available and no session on it.
        case available
        /// A session is active on it (a transaction, or the status Charging/SuspendedEV/SuspendedEVSE).
        case charging
        case faulted
        case unavailable
        case availableShare, chargingShare, faultedShare, unavailableShare
        /// Sessions started within `within` (windowed).
        case sessions
        /// site only: known stations, those disconnected, those with a connector Faulted.
        case stations, offlineStations, faultedStations

        var isWindowed: Bool { self == .sessions }

        /// The measures each level offers.
        static func offered(at level: Level) -> [Measure] {
            switch level {
            case .connector: return [.status, .charging, .sessions]
            case .station: return [.connectors, .available, .charging, .faulted, .unavailable, .availableShare, .chargingShare,
                                   .faultedShare, .unavailableShare, .sessions]
            case .site: return offered(at: .station) + [.stations, .offlineStations, .faultedStations]
            }
        }
    }

    /// The longest window any windowed test looks back, so the engine keeps session starts that long.
    var sessionHorizon: TimeInterval {
        tests.compactMap { $0.measure == .sessions ? $0.within?.timeInterval : nil }.max() ?? 0
    }

    /// The level the target must pin: connector tests need a connector target, station tests a
    /// station (or connector) target, site tests a place.
    var finestLevel: Level? {
        if tests.contains(where: { $0.level == .connector }) { return .connector }
        if tests.contains(where: { $0.level == .station }) { return .station }
        return tests.isEmpty ? nil : .site
    }

    /// Plain words for `rules explain`.
    public var spoken: String {
        tests.map { test in
            let window = test.within.map { " within \($0)" } ?? ""
            return test.test.spoken(field: "the \(test.level.rawValue)'s \(test.measure.rawValue)\(window)")
        }.joined(separator: " and ")
    }
}

extension StationFacts {
    /// How many kept session starts are later than `since` (they are in time order).
    func sessionsStarted(after since: Date) -> Int {
        var low = 0, high = sessionStarts.count
        while low < high {
            let middle = (low + high) / 2
            if sessionStarts[middle].time > since { high = middle } else { low = middle + 1 }
        }
        return sessionStarts.count - low
    }
}

/// One session start a station reported, kept while some rule's `around` may count it.
struct SessionStart: Sendable, Codable, Equatable {
    var time: Date
    var connector: Int

    /// At most this many are kept per station (the oldest go first), bounding memory and the
    /// cost of a `sessions` test whatever the window.
    static let limit = 2_000
}

/// Computes `around` measures from the engine's station facts. Reads only; the cost is the
/// connectors of one station (connector, station tests) or of one site's stations (site tests).
struct SurroundingsReader {
    let stations: [String: StationFacts]
    let siteStations: [String: Set<String>]
    let time: Date

    func holds(_ surroundings: Surroundings, target: RuleTarget) -> Bool {
        let site = target.site ?? target.station.flatMap { stations[$0]?.site }
        return surroundings.tests.allSatisfy { test in
            test.test.matches(value(test, station: target.station, connector: target.connector, site: site))
        }
    }

    func value(_ test: Surroundings.Test, station: String?, connector: Int?, site: String?) -> FieldValue? {
        let since = test.within.map { time.addingTimeInterval(-$0.timeInterval) }
        switch test.level {
        case .connector:
            guard let station, let connector, let facts = stations[station] else { return nil }
            switch test.measure {
            case .status: return facts.statuses[connector].map { .string($0) }
            case .charging: return .number(facts.hasActiveTransaction(connector: connector) ? 1 : 0)
            case .sessions: return .number(Double(facts.sessionStarts.filter { $0.connector == connector && $0.time > since ?? .distantPast }.count))
            default: return nil
            }
        case .station:
            guard let station, let facts = stations[station] else { return nil }
            var tally = Tally()
            tally.add(facts, since: since, measure: test.measure)
            return tally.value(of: test.measure)
        case .site:
            guard let site, let members = siteStations[site] else { return nil }
            var tally = Tally()
            // Sums do not depend on the order, so the set is walked as it is.
            for member in members {
                guard let facts = stations[member] else { continue }
                tally.add(facts, since: since, measure: test.measure)
            }
            return tally.value(of: test.measure)
        }
    }

    /// Connector counts summed over stations.
    struct Tally {
        var connectors = 0, available = 0, charging = 0, faulted = 0, unavailable = 0, sessions = 0
        var stations = 0, offlineStations = 0, faultedStations = 0

        /// Adds one station; only what `measure` needs is counted.
        mutating func add(_ facts: StationFacts, since: Date?, measure: Surroundings.Measure) {
            stations += 1
            if !facts.isConnected { offlineStations += 1 }
            if let since { sessions += facts.sessionsStarted(after: since) }
            guard ![.sessions, .stations, .offlineStations].contains(measure) else { return }
            var anyFaulted = false
            for connector in facts.knownConnectors {
                connectors += 1
                let status = facts.statuses[connector]
                if facts.hasActiveTransaction(connector: connector) { charging += 1 }
                else if status == ConnectorStatus.available.rawValue { available += 1 }
                if status == ConnectorStatus.faulted.rawValue { faulted += 1; anyFaulted = true }
                if status == ConnectorStatus.unavailable.rawValue { unavailable += 1 }
            }
            if anyFaulted { faultedStations += 1 }
        }

        func value(of measure: Surroundings.Measure) -> FieldValue? {
            func share(_ count: Int) -> FieldValue { .number(connectors == 0 ? 0 : Double(count) / Double(connectors)) }
            switch measure {
            case .status: return nil
            case .connectors: return .number(Double(connectors))
            case .available: return .number(Double(available))
            case .charging: return .number(Double(charging))
            case .faulted: return .number(Double(faulted))
            case .unavailable: return .number(Double(unavailable))
            case .availableShare: return share(available)
            case .chargingShare: return share(charging)
            case .faultedShare: return share(faulted)
            case .unavailableShare: return share(unavailable)
            case .sessions: return .number(Double(sessions))
            case .stations: return .number(Double(stations))
            case .offlineStations: return .number(Double(offlineStations))
            case .faultedStations: return .number(Double(faultedStations))
            }
        }
    }
}
