import CPMS
import Foundation

/// How well Vigil's remediation works: per rule and per vendor/model, the actions taken, the
/// share verification judged recovered, and how long faults took to recover with a Vigil
/// action and without one — a pure calculation over commands and fault episodes (no I/O, no
/// clock).
///
/// - An **action** is a command the station may have acted on: sent, accepted, scheduled,
///   timed out or unknown (`isAction`). Refused, held, rejected, failed, queued, expired and
///   dry-run commands were not carried out and are not actions.
/// - **Verified**: actions whose verification said the station recovered (`verified = true`);
///   the share is verified ÷ actions (nil without actions). An action without a verdict (no
///   check on its rung, or none yet) counts as not verified.
/// - A fault episode (`FaultEpisodes`) was **handled by Vigil** when an action on its station —
///   for its connector (by EVSE) or the whole station — was created between its start and its
///   recovery. Recovered episodes with such an action give the median recovery with an action
///   (and, for each rule and vendor/model that acted on it, that row's median); recovered ones
///   without give the median without (a person, or the charger itself, cleared it).
public enum RemediationEffectiveness {
    /// One command as the calculation needs it.
    public struct Action: Sendable, Equatable {
        public var rule: String
        public var station: String
        /// The EVSE (1.6: connector) it was for; nil or 0 for the whole station.
        public var connector: Int?
        public var vendor: String
        public var model: String
        public var createdAt: Date
        public var status: CommandStatus
        public var verified: Bool?

        public init(rule: String, station: String, connector: Int?, vendor: String, model: String, createdAt: Date,
                    status: CommandStatus, verified: Bool?) {
            self.rule = rule
            self.station = station
            self.connector = connector
            self.vendor = vendor
            self.model = model
            self.createdAt = createdAt
            self.status = status
            self.verified = verified
        }

        /// The station may have acted on it (see the type).
        public var isAction: Bool { [.sent, .accepted, .scheduled, .timedOut, .unknown].contains(status) }
    }

    /// One connector's fault episodes.
    public struct Faults: Sendable {
        public var station: String
        public var evse: Int
        public var episodes: [FaultEpisodes.Episode]

        public init(station: String, evse: Int, episodes: [FaultEpisodes.Episode]) {
            self.station = station
            self.evse = evse
            self.episodes = episodes
        }
    }

    /// One row: a rule, or a vendor and model.
    public struct Row: Sendable, Equatable {
        public var key: [String]
        public var actions = 0
        public var verified = 0
        public var recoveries: [Double] = []

        public var verifiedShare: Double? { actions > 0 ? Double(verified) / Double(actions) : nil }
        public var medianRecoverySeconds: Double? { SessionMetrics.median(recoveries.sorted()) }
    }

    /// The result.
    public struct Figures: Sendable, Equatable {
        /// By rule id, then by vendor and model; each sorted by actions (most first), then key.
        public var byRule: [Row]
        public var byModel: [Row]
        public var recoveriesWithAction: [Double]
        public var recoveriesWithoutAction: [Double]

        public var medianRecoveryWithActionSeconds: Double? { SessionMetrics.median(recoveriesWithAction.sorted()) }
        public var medianRecoveryWithoutActionSeconds: Double? { SessionMetrics.median(recoveriesWithoutAction.sorted()) }
    }

    /// The figures of `actions` created in `range` and of `faults`' episodes begun in it.
    public static func compute(actions: [Action], faults: [Faults], range: DateInterval) -> Figures {
        let taken = actions.filter { $0.isAction && $0.createdAt >= range.start && $0.createdAt < range.end }
        var byRule: [[String]: Row] = [:], byModel: [[String]: Row] = [:]
        for action in taken {
            for (key, table) in [([action.rule], 0), ([action.vendor, action.model], 1)] {
                var row = (table == 0 ? byRule[key] : byModel[key]) ?? Row(key: key)
                row.actions += 1
                if action.verified == true { row.verified += 1 }
                if table == 0 { byRule[key] = row } else { byModel[key] = row }
            }
        }
        let byStation = Dictionary(grouping: taken, by: \.station)
        var withAction: [Double] = [], withoutAction: [Double] = []
        for connector in faults {
            for episode in connector.episodes where episode.start >= range.start && episode.start < range.end {
                guard let recovered = episode.recovered, let seconds = episode.secondsToRecovery else { continue }
                let acting = (byStation[connector.station] ?? []).filter { action in
                    (action.connector ?? 0 == 0 || action.connector == connector.evse)
                        && action.createdAt >= episode.start && action.createdAt <= recovered
                }
                if acting.isEmpty { withoutAction.append(seconds); continue }
                withAction.append(seconds)
                for key in Set(acting.map { [$0.rule] }) { byRule[key]?.recoveries.append(seconds) }
                for key in Set(acting.map { [$0.vendor, $0.model] }) { byModel[key]?.recoveries.append(seconds) }
            }
        }
        func ordered(_ rows: [[String]: Row]) -> [Row] {
            rows.values.sorted { $0.actions != $1.actions ? $0.actions > $1.actions : $0.key.lexicographicallyPrecedes($1.key) }
        }
        return Figures(byRule: ordered(byRule), byModel: ordered(byModel), recoveriesWithAction: withAction,
                       recoveriesWithoutAction: withoutAction)
    }
}
