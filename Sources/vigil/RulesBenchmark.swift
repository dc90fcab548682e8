import Foundation
import RuleEngine
import ServiceLog

/// `vigil bench rules`: the pure engine on one core with a realistic mix of 500 rules (ten
/// pattern kinds, scoped by vendor, site and station so each event concerns a few dozen), over
/// a synthetic fleet of 1,000 stations on 20 sites: evaluation rate, and a replay of one
/// million events with the engine ticked at every deadline, as `vigil rules replay` does.
struct RulesBenchmark {
    var ruleCount = 500
    var stations = 1_000
    var replayEvents = 1_000_000

    func run() throws {
        let ruleSet = try Self.ruleSet(count: ruleCount)
        let engine = RuleEngine(ruleSet: ruleSet)
        printLine("rules benchmark: \(ruleSet.rules.count) rules, \(stations) stations on 20 sites, one core")
        var generator = EventGenerator(stations: stations)
        let sample = (0..<200_000).map { _ in generator.next() }
        var state = RuleEngineState()
        engine.start(at: sample[0].time, state: &state)
        let clock = ContinuousClock()
        var decisions = 0
        let evaluation = clock.measure {
            for event in sample { decisions += engine.evaluate(event, state: &state, now: event.time).count }
        }
        printLine(String(format: "evaluate:  %9.0f events/s through %d rules (%d decisions from %d events)",
                         Double(sample.count) / evaluation.seconds, ruleSet.rules.count, decisions, sample.count))
        BenchResults.shared.add("rules", "events evaluated, \(ruleSet.rules.count) rules", Double(sample.count) / evaluation.seconds, "per s")

        var replayState = RuleEngineState()
        var replayGenerator = EventGenerator(stations: stations)
        var replayDecisions = 0
        let first = replayGenerator.next()
        engine.start(at: first.time, state: &replayState)
        let replay = clock.measure {
            var event = first
            for index in 0..<replayEvents {
                if index > 0 { event = replayGenerator.next() }
                while let due = engine.nextDeadline(replayState), due < event.time {
                    replayDecisions += engine.tick(at: due, state: &replayState).count
                }
                replayDecisions += engine.evaluate(event, state: &replayState, now: event.time).count
            }
        }
        let stateBytes = (try? JSONEncoder().encode(replayState).count) ?? 0
        let simulated = replayGenerator.elapsed / 86_400
        printLine(String(format: "replay:    %d events (%.1f simulated days) in %.2f s = %.0f events/s, %d decisions, state %.1f MiB",
                         replayEvents, simulated, replay.seconds, Double(replayEvents) / replay.seconds, replayDecisions,
                         Double(stateBytes) / 1_048_576))
        BenchResults.shared.add("rules", "replay, \(replayEvents) events", Double(replayEvents) / replay.seconds, "events/s")
        try patternCosts()
    }

    /// The second-edition patterns, one shape at a time: 20 unscoped rules of the shape over the
    /// same event mix, ticked at every deadline; the cost per event and per rule, beside a plain
    /// `each` rule as the baseline.
    func patternCosts() throws {
        let shapes: [(String, String)] = [
            ("each (baseline)", "when: { event: statusChanged, where: { to: Faulted } }\n  then: [{ alert: { route: oncall } }]"),
            ("count by station", "when: { event: statusChanged, where: { to: Faulted }, count: { atLeast: 3, within: 1h, by: station } }\n  then: [{ alert: { route: oncall } }]"),
            ("count distinct station by site", "when: { event: statusChanged, where: { to: Faulted }, count: { atLeast: 5, distinct: station, within: 10m, by: site } }\n  then: [{ alert: { route: oncall } }]"),
            ("recurring by [station, ocppErrorCode]", "when: { event: statusChanged, where: { to: Faulted }, recurring: { days: 3, within: 7d, by: [station, ocppErrorCode] } }\n  then: [{ alert: { route: oncall, title: \"{{group.ocppErrorCode}}\" } }]"),
            ("absent by station", "when: { event: transactionStarted, absent: { for: 1h, warmUp: 0s, by: station } }\n  then: [{ alert: { route: oncall } }]"),
            ("absent + around station, site sessions", "when: { event: transactionStarted, absent: { for: 1h, warmUp: 0s, by: station }, around: { station: { available: { gte: 1 } }, site: { sessions: { within: 3d, gte: 400 } } } }\n  then: [{ alert: { route: oncall } }]"),
            ("each by site + around site faultedShare", "when: { event: statusChanged, where: { to: Faulted }, by: site, around: { site: { faultedShare: { gt: 0.05 } } } }\n  then: [{ alert: { route: oncall } }]"),
            ("for + ruleActive labels, running: pause", "labels: { automation: commands }\n  when: { event: statusChanged, where: { to: Faulted }, for: 5m }\n  unless: { ruleActive: { labels: { kind: loop }, equal: station, running: pause } }\n  then: [{ reset: soft, verify: { status: Available, within: 3m } }, { reset: hard }]"),
            ("record + inhibit by labels, running: pause", "labels: { kind: loop }\n  when: { event: booted, count: { atLeast: 2, within: 1h, by: station } }\n  then: [{ record: { title: \"{{station}} loops\" } }]\n  inhibit: { labels: { automation: commands }, equal: site, running: pause }"),
        ]
        let perShape = 20, eventCount = 200_000
        printLine("pattern costs: \(perShape) unscoped rules of one shape, \(eventCount) events of the same mix, ticked at every deadline")
        var baseline: Double?
        for (name, body) in shapes {
            var yaml = ""
            for index in 0..<perShape { yaml += "- id: shape-\(index)\n  \(body)\n" }
            let set: RuleSet
            switch RuleSet.load(files: [("shapes.yaml", yaml)]) {
            case .success(let loaded): set = loaded
            case .failure(let error): throw CommandFailure(description: "benchmark shape \(name) does not load:\n\(error)")
            }
            let engine = RuleEngine(ruleSet: set)
            var generator = EventGenerator(stations: stations)
            let events = (0..<eventCount).map { _ in generator.next() }
            var state = RuleEngineState()
            engine.start(at: events[0].time, state: &state)
            var decisions = 0
            let elapsed = ContinuousClock().measure {
                for event in events {
                    while let due = engine.nextDeadline(state), due < event.time { decisions += engine.tick(at: due, state: &state).count }
                    decisions += engine.evaluate(event, state: &state, now: event.time).count
                }
            }
            let perEvent = elapsed.seconds / Double(eventCount) * 1e9
            let perRule = perEvent / Double(perShape)
            let relative = baseline.map { String(format: ", %.1f× each", perEvent / $0) } ?? ""
            printLine("  " + name.padding(toLength: 44, withPad: " ", startingAt: 0)
                      + String(format: "%7.0f ns/event, %5.0f ns per rule%@ (%d decisions)", perEvent, perRule, relative as NSString, decisions))
            BenchResults.shared.add("rules", "pattern \(name), per event per rule", perRule, "ns")
            if baseline == nil { baseline = perEvent }
        }
    }

    /// Ten rule shapes, each repeated with its own scope.
    static func ruleSet(count: Int) throws -> RuleSet {
        var yaml = ""
        for index in 0..<count {
            let vendor = "Vendor\(index % 20)", site = "site-\(index % 20)", prefix = "CP-\(index % 10)"
            switch index % 10 {
            case 0:
                yaml += """
                - id: stuck-\(index)
                  scope: { vendors: [\(vendor)] }
                  when: { event: statusChanged, where: { to: Faulted, ocppErrorCode: [InternalError, OtherError] }, for: 5m, keepFor: 30s }
                  unless: { transactionActive: true }
                  then:
                    - reset: soft
                      verify: { status: Available, within: 3m }
                    - reset: hard
                      verify: { status: Available, within: 5m }
                    - disableConnector: true
                    - alert: { route: oncall, text: "{{station}}/{{connector}} {{vendorErrorCode}} {{attempts}}" }
                  limits: { cooldown: 30m, maxAttempts: 3, budgets: [{ per: station, max: 2, within: 24h, action: reset }] }

                """
            case 1:
                yaml += "- id: reboots-\(index)\n  scope: { sites: [\(site)] }\n  when: { event: booted, count: { atLeast: 3, within: 1h, by: station } }\n  then: [{ alert: { route: oncall } }]\n"
            case 2:
                yaml += "- id: silent-\(index)\n  scope: { stations: [\"\(prefix)*\"] }\n  when: { event: heartbeat, absent: { for: 15m } }\n  then: [{ triggerMessage: Heartbeat, verify: { event: heartbeat, within: 2m } }, { alert: { route: oncall } }]\n"
            case 3:
                yaml += "- id: recurring-\(index)\n  scope: { vendors: [\(vendor)] }\n  when: { event: statusChanged, where: { to: Faulted }, recurring: { days: 3, within: 7d } }\n  then: [{ alert: { route: oncall } }]\n"
            case 4:
                yaml += "- id: success-\(index)\n  scope: { sites: [\(site)] }\n  when: { event: transactionEnded, ratio: { success: { success: true }, below: 0.6, within: 24h, minSamples: 20, by: site } }\n  then: [{ alert: { route: oncall } }]\n"
            case 5:
                yaml += "- id: no-boot-\(index)\n  scope: { vendors: [\(vendor)] }\n  when: { event: commandResult, where: { action: Reset, status: Accepted }, sequence: { notFollowedBy: { event: booted }, within: 10m } }\n  then: [{ alert: { route: oncall } }]\n"
            case 6:
                yaml += "- id: auth-\(index)\n  scope: { sites: [\(site)] }\n  when: { event: authorizationRejected, count: { atLeast: 5, within: 10m, by: station } }\n  then: [{ alert: { route: oncall } }]\n"
            case 7:
                yaml += "- id: security-\(index)\n  scope: { vendors: [\(vendor)] }\n  when: { event: securityEvent }\n  then: [{ alert: { route: security } }]\n"
            case 8:
                yaml += "- id: firmware-\(index)\n  scope: { vendors: [\(vendor)] }\n  when: { event: firmwareStatus, where: { status: { in: [InstallationFailed, DownloadFailed] } } }\n  then: [{ alert: { route: oncall } }]\n"
            default:
                yaml += "- id: offline-\(index)\n  scope: { sites: [\(site)] }\n  when: { event: disconnected, for: 10m, clearedBy: { event: connected }, by: station }\n  then: [{ alert: { route: oncall } }]\n"
            }
        }
        switch RuleSet.load(files: [("bench.yaml", yaml)]) {
        case .success(let set): return set
        case .failure(let error): throw CommandFailure(description: "benchmark rules do not load:\n\(error)")
        }
    }

    /// A deterministic fleet: heartbeats, status changes (a few faults), sessions, boots,
    /// disconnects, authorisation failures, command results; about 6 events a second.
    struct EventGenerator {
        let stations: Int
        var state: UInt64 = 0x5EED
        var time = Date(timeIntervalSince1970: 1_767_225_600)
        var count = 0
        var elapsed: TimeInterval { time.timeIntervalSince1970 - 1_767_225_600 }

        mutating func random(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }

        mutating func next() -> DomainEvent {
            count += 1
            time = time.addingTimeInterval(Double(random(300)) / 1_000)
            let number = random(stations)
            let station = "CP-\(number)", site = "site-\(number % 20)", vendor = "Vendor\(number % 20)"
            let connector = 1 + random(2)
            let roll = random(1_000)
            let kind: EventKind
            var fields: [String: FieldValue] = [:]
            switch roll {
            case 0..<450: kind = .heartbeat
            case 450..<700:
                kind = .statusChanged
                let faulted = random(20) == 0
                fields = ["to": .string(faulted ? "Faulted" : ["Available", "Preparing", "Charging", "Finishing"][random(4)]),
                          "ocppErrorCode": .string(faulted ? ["InternalError", "OtherError", "GroundFailure"][random(3)] : "NoError")]
            case 700..<800: kind = .transactionStarted; fields = ["transactionId": .string("t\(count)")]
            case 800..<900: kind = .transactionEnded; fields = ["success": .bool(random(10) < 8), "energyWh": .number(Double(random(40_000)))]
            case 900..<930: kind = .booted
            case 930..<950: kind = random(2) == 0 ? .disconnected : .connected
            case 950..<980: kind = .authorizationRejected; fields = ["idTag": .string("TAG\(random(100))"), "status": .string("Invalid")]
            case 980..<995: kind = .commandResult; fields = ["action": .string("Reset"), "status": .string("Accepted")]
            default: kind = .firmwareStatus; fields = ["status": .string(["Installed", "InstallationFailed", "Downloading"][random(3)])]
            }
            return DomainEvent(id: "b\(count)", kind: kind, time: time, station: station, connector: kind == .statusChanged ? connector : nil,
                               site: site, vendor: vendor, model: "M", firmware: "1.0", fields: fields)
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
