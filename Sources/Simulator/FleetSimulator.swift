import Foundation
import Synchronization

/// Runs a scenario: one `SimulatedStation` per station of its sites against a CSMS, a live
/// log of what happens, and a summary at the end — sessions, faults injected and what became
/// of each (remediated, taken out of service, still faulted) with the time to remediation.
public struct FleetSimulator: Sendable {
    public let scenario: Scenario
    public let personalities: [String: Personality]
    /// `ws://host:port/ocpp/` — station ids are appended.
    public let url: String
    public let log: @Sendable (String) -> Void

    public init(scenario: Scenario, personalities: [Personality], url: String, log: @escaping @Sendable (String) -> Void) throws {
        self.scenario = scenario
        self.personalities = Dictionary(personalities.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.url = url.hasSuffix("/") ? url : url + "/"
        self.log = log
        let missing = Set(scenario.sites.flatMap(\.personalities)).subtracting(self.personalities.keys)
        if !missing.isEmpty { throw SimulatorSetupError(description: "unknown personalities: \(missing.sorted().joined(separator: ", "))") }
    }

    public struct SimulatorSetupError: Error, CustomStringConvertible { public var description: String }

    /// What the summary reports about one injected fault.
    public struct FaultOutcome: Sendable {
        public var station: String
        public var connector: Int
        public var code: String
        public var behaviour: Scenario.Behaviour
        public var injectedAt: Double
        public var firstCommandAt: Double?
        public var commands: [String] = []
        public var recoveredAt: Double?
        public var disabledAt: Double?
    }

    public struct Summary: Sendable {
        public var stations = 0
        public var sessions = 0
        public var energyWh = 0
        public var refusedSessions = 0
        public var faults: [FaultOutcome] = []
        public var problems: [String] = []
    }

    public func run() async -> Summary {
        let clock = SimClock(speed: scenario.speed)
        let summary = Mutex(Summary())
        let log = self.log
        let report: @Sendable (SimulationEvent) -> Void = { event in
            let time = String(format: "%7.1fs", clock.elapsed)
            summary.withLock { summary in
                switch event {
                case .faultInjected(let station, let connector, let code, let behaviour, let at):
                    summary.faults.append(FaultOutcome(station: station, connector: connector, code: code, behaviour: behaviour, injectedAt: at))
                    log("\(time)  \(station)/\(connector)  FAULT \(code) (\(behaviour.rawValue))")
                case .commandReceived(let station, let action, let detail, let answer, let at):
                    if let index = summary.faults.lastIndex(where: { $0.station == station && $0.recoveredAt == nil }) {
                        if summary.faults[index].firstCommandAt == nil { summary.faults[index].firstCommandAt = at }
                        summary.faults[index].commands.append("\(action) \(detail) → \(answer)")
                    }
                    log("\(time)  \(station)  ← \(action) \(detail), answered \(answer)")
                case .recovered(let station, let connector, let at):
                    if let index = summary.faults.lastIndex(where: { $0.station == station && $0.connector == connector && $0.recoveredAt == nil }) {
                        summary.faults[index].recoveredAt = at
                    }
                    log("\(time)  \(station)/\(connector)  recovered")
                case .disabled(let station, let connector, let at):
                    if let index = summary.faults.lastIndex(where: { $0.station == station && $0.connector == connector && $0.recoveredAt == nil }) {
                        summary.faults[index].disabledAt = summary.faults[index].disabledAt ?? at
                    }
                    log("\(time)  \(station)/\(connector)  taken out of service")
                case .sessionCompleted(_, let energy):
                    summary.sessions += 1
                    summary.energyWh += energy
                case .sessionRefused(let station, let token, let status):
                    summary.refusedSessions += 1
                    log("\(time)  \(station)  session refused for \(token): \(status)")
                case .problem(let station, let message):
                    summary.problems.append("\(station): \(message)")
                    log("\(time)  \(station)  problem: \(message)")
                case .connected, .booted:
                    break
                }
            }
        }
        let cards = TokenPool()
        let stations = scenario.stations.enumerated().compactMap { index, station -> SimulatedStation? in
            guard let personality = personalities[station.personality] else { return nil }
            return SimulatedStation(id: station.id, site: station.site, personality: personality, scenario: scenario, clock: clock,
                                    url: url, seed: UInt64(index + 1) &* 0x9E37_79B9, tokens: cards, report: report)
        }
        summary.withLock { $0.stations = stations.count }
        log("simulating \(stations.count) station\(stations.count == 1 ? "" : "s") on \(scenario.sites.count) site\(scenario.sites.count == 1 ? "" : "s") for \(Int(scenario.duration)) s at speed \(scenario.speed)×")
        await withTaskGroup(of: Void.self) { group in
            for (index, station) in stations.enumerated() {
                group.addTask {
                    // Stagger connections: a real fleet does not connect in one millisecond.
                    try? await Task.sleep(for: .milliseconds(index % 200 * 5))
                    await station.run()
                }
            }
        }
        return summary.withLock { $0 }
    }

    /// The summary as text.
    public static func describe(_ summary: Summary) -> [String] {
        var lines = ["stations: \(summary.stations)", "sessions completed: \(summary.sessions) (\(summary.energyWh / 1_000) kWh), refused: \(summary.refusedSessions)",
                     "faults injected: \(summary.faults.count)"]
        func wasRemediated(_ fault: FaultOutcome) -> Bool {
            guard let recovered = fault.recoveredAt, let command = fault.firstCommandAt else { return false }
            return command <= recovered
        }
        let remediated = summary.faults.filter(wasRemediated)
        let selfHealed = summary.faults.filter { $0.recoveredAt != nil && !wasRemediated($0) }
        let disabled = summary.faults.filter { $0.recoveredAt == nil && $0.disabledAt != nil }
        lines.append("  remediated by a command: \(remediated.count), recovered by themselves: \(selfHealed.count), taken out of service: \(disabled.count), still faulted: \(summary.faults.count - remediated.count - selfHealed.count - disabled.count)")
        let times = remediated.compactMap { fault in fault.recoveredAt.map { $0 - fault.injectedAt } }.sorted()
        if !times.isEmpty {
            // The median of an even count is the mean of the middle two (120 s and 180 s: 150 s).
            let median = times.count.isMultiple(of: 2) ? (times[times.count / 2 - 1] + times[times.count / 2]) / 2 : times[times.count / 2]
            lines.append(String(format: "  time to remediation: median %.0f s, worst %.0f s (simulated)", median, times.last ?? 0))
        }
        for fault in summary.faults {
            var line = "  \(fault.station)/\(fault.connector) \(fault.code) [\(fault.behaviour.rawValue)] at \(Int(fault.injectedAt)) s: "
            if fault.commands.isEmpty { line += "no command received" } else { line += fault.commands.joined(separator: "; ") }
            if let recovered = fault.recoveredAt { line += "; recovered at \(Int(recovered)) s" }
            else if let disabled = fault.disabledAt { line += "; out of service from \(Int(disabled)) s" }
            lines.append(line)
        }
        for problem in summary.problems.prefix(10) { lines.append("  problem: \(problem)") }
        return lines
    }
}
