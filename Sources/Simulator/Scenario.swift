import Foundation
import OCPP
import YAMLKit

/// What to simulate: sites of stations with their personalities, drivers, and faults to inject
/// with how each responds to remediation. Loaded from YAML (docs/simulator.md).
public struct Scenario: Sendable {
    public var name: String
    /// Simulated seconds to run.
    public var duration: Double
    public var speed: Double
    public var sites: [Site]
    public var drivers: Drivers
    public var faults: [Fault]

    public struct Site: Sendable {
        public var name: String
        public var prefix: String
        public var stations: Int
        public var personalities: [String]
    }

    public struct Drivers: Sendable {
        /// Sessions started per connector per simulated hour.
        public var sessionsPerHour: Double = 1
        public var energyKWh: ClosedRange<Double> = 5...30
        public var powerKW: Double = 11
        /// Tokens the CSMS knows; the simulator also tries `unknownShare` unknown ones.
        public var tokens: [String] = ["SIM-TOKEN-1"]
        public var unknownShare: Double = 0
        /// 24 weights, one per hour of the (simulated, UTC) day, scaling `sessionsPerHour`:
        /// arrivals peak in the evening and fall away at night. Empty: the same all day.
        public var arrivalsByHour: [Double] = []

        /// The arrival rate at a simulated time.
        public func sessionsPerHour(at date: Date) -> Double {
            guard arrivalsByHour.count == 24 else { return sessionsPerHour }
            let hour = Int(date.timeIntervalSince1970 / 3_600) % 24
            return sessionsPerHour * arrivalsByHour[hour]
        }
    }

    /// How a faulted connector answers remediation.
    public enum Behaviour: String, Sendable, CaseIterable {
        case recoversAfterSoftReset, needsHardReset, neverRecovers, rebootLoops, goesSilent, rejectsCommands
        case recoversAfterUnlock, recoversByItself
    }

    public struct Fault: Sendable {
        public var at: Double
        public var station: String
        public var connector: Int
        public var errorCode: String
        public var vendorErrorCode: String?
        public var info: String?
        public var behaviour: Behaviour
        /// For `recoversByItself`: simulated seconds until it clears.
        public var clearsAfter: Double
        /// Where the fault's connector is written (or the fault itself), for `problems(against:)`.
        public var mark: YAMLMark? = nil
    }

    /// What only the personalities can tell about the faults: a connector the station does not
    /// have, at the fault's line and column (`load` checks everything else).
    public func problems(against personalities: [Personality]) -> [YAMLError] {
        let byName = Dictionary(personalities.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let stationPersonality = Dictionary(stations.map { ($0.id, $0.personality) }, uniquingKeysWith: { first, _ in first })
        return faults.compactMap { fault in
            guard let name = stationPersonality[fault.station], let personality = byName[name], fault.connector > personality.connectors,
                  let mark = fault.mark else { return nil }
            return YAMLError(mark: mark, problem: "scenario fault: \(fault.station) (\(name)) has \(personality.connectors) connector"
                             + "\(personality.connectors == 1 ? "" : "s"), got connector \(fault.connector)")
        }
    }

    /// Station ids in site order: `NORTH-1`, `NORTH-2` …, with their site and personality name.
    public var stations: [(id: String, site: String, personality: String)] {
        sites.flatMap { site in
            (0..<site.stations).map { index in
                ("\(site.prefix)-\(index + 1)", site.name, site.personalities[index % max(1, site.personalities.count)])
            }
        }
    }

    public static func load(_ text: String, file: String) -> Result<Scenario, SimulationError> {
        let root: YAMLNode?
        do { root = try YAMLParser.parse(text, file: file) } catch { return .failure(SimulationError(errors: [error])) }
        guard let root else { return .failure(SimulationError(errors: [YAMLError(mark: YAMLMark(file: file, line: 1, column: 1), problem: "empty scenario")])) }
        var reader = YAMLFieldReader(root, context: "scenario", allowed: ["name", "duration", "speed", "sites", "drivers", "faults"])
        var errors: [YAMLError] = []
        func duration(_ reader: inout YAMLFieldReader, _ node: YAMLNode, _ key: String, _ fallback: Double) -> Double {
            guard let text = reader.string(key, required: false) else { return fallback }
            if let value = Self.seconds(text) { return value }
            if let valueNode = node[key] { reader.fail(valueNode, "\"\(key)\" must be a duration such as 30s, 5m, 2h") }
            return fallback
        }
        var scenario = Scenario(name: reader.string("name", required: false) ?? file, duration: duration(&reader, root, "duration", 600),
                                speed: Double(reader.string("speed", required: false) ?? "1") ?? 1, sites: [], drivers: Drivers(), faults: [])
        for item in reader.field("sites", required: true)?.sequence ?? [] {
            var site = YAMLFieldReader(item, context: "scenario site", allowed: ["name", "prefix", "stations", "personalities"])
            let name = site.string("name") ?? ""
            let count = Int(site.string("stations") ?? "") ?? 0
            if count < 1 || count > 20_000, let node = item["stations"] { site.fail(node, "\"stations\" must be 1 to 20000") }
            let personalities = site.strings("personalities", required: true)
            scenario.sites.append(Site(name: name, prefix: site.string("prefix", required: false) ?? name.uppercased(), stations: count,
                                       personalities: personalities))
            errors += site.errors
        }
        if let node = reader.field("drivers", required: false) {
            var drivers = YAMLFieldReader(node, context: "scenario drivers",
                                          allowed: ["sessionsPerHour", "energyKWh", "powerKW", "tokens", "unknownShare", "arrivalsByHour"])
            let weights = drivers.strings("arrivalsByHour").compactMap(Double.init)
            if let weightsNode = node["arrivalsByHour"] {
                if weights.count == 24 && weights.allSatisfy({ $0 >= 0 }) { scenario.drivers.arrivalsByHour = weights }
                else { drivers.fail(weightsNode, "\"arrivalsByHour\" must list 24 non-negative weights, one per hour from 00 UTC") }
            }
            if let text = drivers.string("sessionsPerHour", required: false) { scenario.drivers.sessionsPerHour = Double(text) ?? 1 }
            if let text = drivers.string("powerKW", required: false) { scenario.drivers.powerKW = Double(text) ?? 11 }
            if let text = drivers.string("unknownShare", required: false) { scenario.drivers.unknownShare = Double(text) ?? 0 }
            let energy = drivers.strings("energyKWh").compactMap(Double.init)
            if energy.count == 2, energy[0] <= energy[1] { scenario.drivers.energyKWh = energy[0]...energy[1] }
            let tokens = drivers.strings("tokens")
            if !tokens.isEmpty { scenario.drivers.tokens = tokens }
            errors += drivers.errors
        }
        let known = Set(scenario.stations.map(\.id))
        for item in reader.field("faults", required: false)?.sequence ?? [] {
            var fault = YAMLFieldReader(item, context: "scenario fault",
                                        allowed: ["at", "station", "connector", "errorCode", "vendorErrorCode", "info", "behaviour", "clearsAfter"])
            let station = fault.string("station") ?? ""
            if !station.isEmpty, !known.contains(station), let node = item["station"] {
                fault.fail(node, "no station \"\(station)\" in this scenario (stations are named PREFIX-N, e.g. \(scenario.stations.first?.id ?? "-"))")
            }
            let behaviour = fault.choice("behaviour", Behaviour.self, valid: Behaviour.allCases) ?? .neverRecovers
            // Checked here, at the fault's line, not found out while the fleet runs.
            let connectorText = fault.string("connector", required: false) ?? "1"
            let connector = Int(connectorText) ?? 0
            if connector < 1, let node = item["connector"] {
                fault.fail(node, "\"connector\" must be a connector number from 1, got \"\(connectorText)\"")
            }
            let errorCode = fault.string("errorCode", required: false) ?? "InternalError"
            if V16.StatusNotificationRequest.ErrorCode(rawValue: errorCode) == nil || errorCode == "NoError", let node = item["errorCode"] {
                let codes = V16.StatusNotificationRequest.ErrorCode.allCases.map(\.rawValue).filter { $0 != "NoError" }
                let hint = YAMLFieldReader.closest(to: errorCode, in: codes).map { " (did you mean \"\($0)\"?)" } ?? ""
                fault.fail(node, "\"errorCode\" must be an OCPP 1.6 error code other than NoError, got \"\(errorCode)\"\(hint)")
            }
            scenario.faults.append(Fault(at: duration(&fault, item, "at", 0), station: station,
                                         connector: max(connector, 1),
                                         errorCode: errorCode,
                                         vendorErrorCode: fault.string("vendorErrorCode", required: false), info: fault.string("info", required: false),
                                         behaviour: behaviour, clearsAfter: duration(&fault, item, "clearsAfter", 120),
                                         mark: item["connector"]?.mark ?? item.mark))
            errors += fault.errors
        }
        errors = reader.errors + errors
        return errors.isEmpty ? .success(scenario) : .failure(SimulationError(errors: errors))
    }

    /// `45s`, `5m`, `2h`, `1d`, or plain seconds.
    public static func seconds(_ text: String) -> Double? { DurationText.seconds(text, allowBareNumber: true) }
}
