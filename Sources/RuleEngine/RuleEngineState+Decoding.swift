import Foundation

// Saved states outlive the build that wrote them: a Vigil upgrade must not lose its windows,
// cooldowns and budgets. So every collection decodes as empty when an older state lacks it
// (Swift's synthesised decoding would refuse the whole state for one new field).

extension KeyedDecodingContainer {
    func value<T: Decodable>(_ key: Key, default fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }
}

extension RuleEngineState {
    enum CodingKeys: String, CodingKey { case clock, startedAt, stations, siteStations, rules, deadlines, laddersRunning, fleetHoldUntil }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        clock = try container.decodeIfPresent(Date.self, forKey: .clock)
        startedAt = try container.decodeIfPresent(Date.self, forKey: .startedAt)
        stations = try container.value(.stations, default: [:])
        siteStations = try container.value(.siteStations, default: [:])
        if !container.contains(.siteStations) {
            for (station, facts) in stations { if let site = facts.site { siteStations[site, default: []].insert(station) } }
        }
        rules = try container.value(.rules, default: [:])
        deadlines = try container.value(.deadlines, default: [:])
        laddersRunning = try container.value(.laddersRunning, default: [])
        fleetHoldUntil = try container.decodeIfPresent(Date.self, forKey: .fleetHoldUntil)
        // Without saved deadlines, every rule with state is scanned at the first tick.
        if !container.contains(.deadlines) {
            for id in rules.keys { deadlines[id] = .distantPast }
        }
    }
}

extension RuleRuntime {
    enum CodingKeys: String, CodingKey {
        case hash, groups, ladders, attempts, cooldownUntil, budgetUses, trips, haltedUntil, episodes, lastSuppression
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        hash = try container.decode(String.self, forKey: .hash)
        groups = try container.value(.groups, default: [:])
        ladders = try container.value(.ladders, default: [:])
        attempts = try container.value(.attempts, default: [:])
        cooldownUntil = try container.value(.cooldownUntil, default: [:])
        budgetUses = try container.value(.budgetUses, default: [])
        trips = try container.value(.trips, default: [:])
        haltedUntil = try container.value(.haltedUntil, default: [:])
        episodes = try container.value(.episodes, default: [:])
        lastSuppression = try container.value(.lastSuppression, default: [:])
    }
}

extension GroupWindow {
    enum CodingKeys: String, CodingKey {
        case target, since, clearedAt, fired, times, eventIds, distinctKeys, days, dayTimes, samples, lastSeen, pending, lastEvent
        case recheckAt
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        target = try container.decode(RuleTarget.self, forKey: .target)
        since = try container.decodeIfPresent(Date.self, forKey: .since)
        clearedAt = try container.decodeIfPresent(Date.self, forKey: .clearedAt)
        fired = try container.value(.fired, default: false)
        times = try container.value(.times, default: [])
        eventIds = try container.value(.eventIds, default: [])
        distinctKeys = try container.value(.distinctKeys, default: [])
        days = try container.value(.days, default: [:])
        dayTimes = try container.value(.dayTimes, default: [:])
        samples = try container.value(.samples, default: [])
        lastSeen = try container.decodeIfPresent(Date.self, forKey: .lastSeen)
        pending = try container.value(.pending, default: [])
        lastEvent = try container.decodeIfPresent(DomainEvent.self, forKey: .lastEvent)
        recheckAt = try container.decodeIfPresent(Date.self, forKey: .recheckAt)
    }
}

extension StationFacts {
    enum CodingKeys: String, CodingKey {
        case site, isConnected, connectedAt, transactions, busyConnectors, neverResetFaults, disabledByVigil, resetByVigilAt
        case resetBootSeen, statuses, sessionStarts
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        site = try container.decodeIfPresent(String.self, forKey: .site)
        isConnected = try container.value(.isConnected, default: false)
        connectedAt = try container.decodeIfPresent(Date.self, forKey: .connectedAt)
        transactions = try container.value(.transactions, default: [:])
        busyConnectors = try container.value(.busyConnectors, default: [])
        neverResetFaults = try container.value(.neverResetFaults, default: [:])
        disabledByVigil = try container.value(.disabledByVigil, default: [])
        resetByVigilAt = try container.decodeIfPresent(Date.self, forKey: .resetByVigilAt)
        resetBootSeen = try container.value(.resetBootSeen, default: false)
        statuses = try container.value(.statuses, default: [:])
        sessionStarts = try container.value(.sessionStarts, default: [])
    }
}

extension Ladder {
    enum CodingKeys: String, CodingKey { case target, rung, waiting, deadline, event, eventIds, firstSeen, tried, disabledUntold }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        target = try container.decode(RuleTarget.self, forKey: .target)
        rung = try container.decode(Int.self, forKey: .rung)
        waiting = try container.decodeIfPresent(Waiting.self, forKey: .waiting)
        deadline = try container.decodeIfPresent(Date.self, forKey: .deadline)
        event = try container.decode(DomainEvent.self, forKey: .event)
        eventIds = try container.value(.eventIds, default: [])
        firstSeen = try container.decode(Date.self, forKey: .firstSeen)
        tried = try container.value(.tried, default: [])
        disabledUntold = try container.value(.disabledUntold, default: false)
    }
}
