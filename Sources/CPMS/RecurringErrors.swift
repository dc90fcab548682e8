import Foundation

/// Which faults recur, where, and how long they last: fault episodes (`FaultEpisodes`) grouped
/// by site, vendor and code — a pure calculation (no I/O, no clock).
///
/// - A group is one code of one vendor at one site (stations without a site form their own,
///   site nil). `count` is its episodes; `stations` how many stations had one.
/// - Mean time to recovery: the mean of the group's recovered episodes' times to recovery;
///   nil when none recovered.
/// - Mean time between faults: the mean up-time between consecutive episodes of the code on
///   the same connector — from one's recovery to the next one's start; nil when no connector
///   had it twice (with a recovery between).
/// - Sorted by count, most first; then site, vendor and code, so the order is stable.
public enum RecurringErrors {
    /// One connector's episodes, with where it is.
    public struct Input: Sendable {
        public var station: String
        public var site: String?
        public var vendor: String
        public var evse: Int
        public var connector: Int
        public var episodes: [FaultEpisodes.Episode]

        public init(station: String, site: String?, vendor: String, evse: Int, connector: Int, episodes: [FaultEpisodes.Episode]) {
            self.station = station
            self.site = site
            self.vendor = vendor
            self.evse = evse
            self.connector = connector
            self.episodes = episodes
        }
    }

    /// One recurring code.
    public struct Group: Sendable, Equatable {
        public var site: String?
        public var vendor: String
        public var code: String
        public var ocppErrorCode: String?
        /// The catalogue's title for the code (its first episode's), nil when it has none.
        public var title: String?
        public var count = 0
        public var stations: Set<String> = []
        public var firstSeen: Date
        public var lastSeen: Date
        public var recoveries: [Double] = []
        public var upTimes: [Double] = []

        public var meanTimeToRecoverySeconds: Double? { recoveries.isEmpty ? nil : recoveries.reduce(0, +) / Double(recoveries.count) }
        public var meanTimeBetweenFaultsSeconds: Double? { upTimes.isEmpty ? nil : upTimes.reduce(0, +) / Double(upTimes.count) }
    }

    /// The groups of `inputs`' episodes that began in `range`, most frequent first; `title`
    /// names a code (the catalogue's entry for it at that station), asked once per group.
    public static func groups(_ inputs: [Input], range: DateInterval,
                              title: (Input, FaultEpisodes.Episode) -> String? = { _, _ in nil }) -> [Group] {
        struct Key: Hashable { var site: String?; var vendor: String; var code: String }
        var groups: [Key: Group] = [:]
        for input in inputs {
            let episodes = input.episodes.filter { $0.start >= range.start && $0.start < range.end }.sorted { $0.start < $1.start }
            var lastRecovery: [String: Date] = [:]   // by code, on this connector
            for episode in episodes {
                let key = Key(site: input.site, vendor: input.vendor, code: episode.code)
                var group = groups[key] ?? Group(site: input.site, vendor: input.vendor, code: episode.code,
                                                 ocppErrorCode: episode.ocppErrorCode, title: groups[key] == nil ? title(input, episode) : nil,
                                                 firstSeen: episode.start, lastSeen: episode.start)
                group.count += 1
                group.stations.insert(input.station)
                group.firstSeen = min(group.firstSeen, episode.start)
                group.lastSeen = max(group.lastSeen, episode.start)
                if group.ocppErrorCode == nil { group.ocppErrorCode = episode.ocppErrorCode }
                if let seconds = episode.secondsToRecovery { group.recoveries.append(seconds) }
                if let previous = lastRecovery[episode.code] { group.upTimes.append(episode.start.timeIntervalSince(previous)) }
                lastRecovery[episode.code] = episode.recovered
                groups[key] = group
            }
        }
        return groups.values.sorted { a, b in
            if a.count != b.count { return a.count > b.count }
            return ((a.site ?? ""), a.vendor, a.code) < ((b.site ?? ""), b.vendor, b.code)
        }
    }
}
