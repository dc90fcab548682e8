import Alerts
import Audit
import CPMS
import DomainEvents
import Foundation
import RuleEngine
import ServiceLog
import VendorCatalog

/// What the executor learns from the event stream: its own footprint (boots that follow its
/// resets), reboot loops it causes, fleet-wide faults, and stations coming back for queued
/// commands.
extension RemediationExecutor {
    /// Whether the executor needs to see `event` (its event-log consumer filters with it).
    public nonisolated static func observes(_ event: DomainEvent) -> Bool {
        switch event.kind {
        case .booted, .connected: return true
        // A superseded report is history: replayed faults of an hour ago are no storm now.
        case .statusChanged: return event.statusTo == .faulted && !event.isSuperseded
        default: return false
        }
    }

    /// Takes in one event (tests; serve hands whole batches).
    public func observe(_ event: DomainEvent) async {
        await observe([event])
    }

    /// Takes in a batch from the event log, in order. The store is read once per batch for what
    /// its kinds need (the offline queue, recent resets), not once per event: a connect or boot
    /// storm of a thousand stations costs a few reads, and the executor stays free for the
    /// decisions the rules hand it.
    public func observe(_ events: [DomainEvent]) async {
        let relevant = events.filter(Self.observes)
        guard !relevant.isEmpty else { return }
        var queued: Set<String> = []
        if relevant.contains(where: { $0.kind == .connected }) {
            do {
                _ = try await commandRecords.expireQueuedCommands(now: now)
                queued = try await commandRecords.stationsWithQueuedCommands()
            } catch {
                log(.error, "cannot read the offline queue; nothing sent from it", ["error": "\(error)"])
            }
        }
        var resets: [String: CommandRow] = [:]
        var resetsReadable = true
        if relevant.contains(where: { $0.kind == .booted }) {
            let since = RuleRunner.timestamp(clock().addingTimeInterval(-policy.bootAttribution))
            do { resets = try await commandRecords.latestResets(since: since) } catch {
                resetsReadable = false
                log(.error, "cannot read the command record to attribute boots", ["error": "\(error)"])
            }
        }
        for event in relevant {
            switch event.kind {
            case .connected:
                if queued.contains(event.station) { await sendQueued(to: event.station) }
            case .booted:
                if resetsReadable, let reset = resets[event.station] { await attributeBoot(event, to: reset) }
            case .statusChanged:
                await countFault(event)
            default:
                break
            }
        }
    }

    /// A boot soon after a reset Vigil sent is Vigil's doing; too many of them is a loop that
    /// Vigil itself drives, so resets of that station stop and a person is told.
    func attributeBoot(_ event: DomainEvent, to reset: CommandRow) async {
        let time = clock()
        await auditor.record(AuditRecord(kind: "system", actor: "executor", station: event.station, site: event.site, rule: reset.rule,
                                         action: "boot attributed", outcome: "reset #\(reset.id)",
                                         details: "boot (\(event.fields["reason"]?.description ?? "no reason given")) follows reset #\(reset.id) sent at \(reset.createdAt)"))
        var boots = (attributedBoots[event.station] ?? []).filter { $0 > time.addingTimeInterval(-policy.rebootLoopWindow) }
        boots.append(time)
        attributedBoots[event.station] = boots
        guard boots.count >= policy.rebootLoopBoots else { return }
        attributedBoots[event.station] = []
        let until = RuleRunner.timestamp(time.addingTimeInterval(policy.rebootLoopHold))
        // Held in memory too: a breaker that cannot be written still holds (fail closed).
        heldStations[event.station] = time.addingTimeInterval(policy.rebootLoopHold)
        do { try await settings.setSetting("breaker.\(event.station)", until, by: "executor", now: now) } catch {
            log(.error, "cannot store the reboot-loop breaker; it holds in memory until Vigil stops", ["station": event.station, "error": "\(error)"])
        }
        await auditor.record(AuditRecord(kind: "system", actor: "executor", station: event.station, site: event.site, action: "reboot-loop breaker",
                                         outcome: "tripped", details: "\(boots.count) boots caused by Vigil's resets within \(Int(policy.rebootLoopWindow / 60)) min; no automatic reset until \(until)"))
        log(.warning, "reboot-loop breaker tripped", ["station": event.station, "until": until])
        await alerts.raise(AlertRequest(rule: "reboot-loop-breaker", target: event.station, station: event.station, site: event.site,
                                  route: "oncall", severity: .critical, title: "\(event.station) keeps rebooting after Vigil's resets",
                                  text: "\(boots.count) boots followed resets Vigil sent within \(Int(policy.rebootLoopWindow / 60)) minutes. Automatic resets of \(event.station) are held until \(until); check the station on site.",
                                  decisionId: nil))
    }

    /// Many stations faulting at once points at the backend, the network or the grid, not at
    /// the stations: every automatic state-changing command is held for a while (ladders
    /// pause; taking a connector with a never-reset fault out of service still goes out), one
    /// grouped alert says what is held, and the rules learn of the hold by a `hold` event.
    func countFault(_ event: DomainEvent) async {
        let time = clock()
        recentFaults = recentFaults.filter { $0.value > time.addingTimeInterval(-policy.fleetBreakerWindow) }
        recentFaults[event.station] = time
        guard fleetHaltedUntil.map({ $0 <= time }) ?? true else {
            await updateHoldAlert()
            return
        }
        do {
            _ = try await fleetHold(at: time)
        } catch {
            log(.error, "fleet breaker cannot count stations", ["error": "\(error)"])
        }
    }

    /// Until when the fleet breaker holds, tripping or extending it when the share of
    /// stations faulting within the window is (still) over the limit; nil when it does not hold.
    func fleetHold(at time: Date) async throws -> Date? {
        if let until = fleetHaltedUntil, until > time { return until }
        recentFaults = recentFaults.filter { $0.value > time.addingTimeInterval(-policy.fleetBreakerWindow) }
        guard recentFaults.count >= policy.fleetBreakerMinFaults else {
            if fleetHaltedUntil != nil { await endHold(at: time) }
            return nil
        }
        let known = try await readGate("fleet breaker", { try await self.reads.stationCount() })
        guard known >= policy.fleetBreakerMinStations, Double(recentFaults.count) / Double(known) > policy.fleetBreakerShare else {
            if fleetHaltedUntil != nil { await endHold(at: time) }
            return nil
        }
        let extending = fleetHaltedUntil != nil
        let until = time.addingTimeInterval(policy.fleetBreakerWindow)
        fleetHaltedUntil = until
        fleetHoldStarted = fleetHoldStarted ?? time
        let stations = recentFaults.keys.sorted()
        await auditor.record(AuditRecord(kind: "system", actor: "executor", action: "fleet breaker", outcome: extending ? "extended" : "tripped",
                                         details: "\(stations.count) of \(known) stations faulted within \(Int(policy.fleetBreakerWindow / 60)) min: \(stations.joined(separator: ", ")); every automatic command held until \(RuleRunner.timestamp(until))"))
        log(.warning, extending ? "fleet breaker extended" : "fleet breaker tripped",
            ["stations": String(stations.count), "known": String(known), "until": RuleRunner.timestamp(until)])
        holdKnown = known
        feedback(DomainEvent(id: "hold-fleet-\(RuleRunner.timestamp(time))", kind: .hold, time: time, station: "",
                             fields: ["scope": .string("fleet"), "active": .bool(true), "until": .string(RuleRunner.timestamp(until)),
                                      "reason": .string("\(stations.count) of \(known) stations faulted within \(Int(policy.fleetBreakerWindow / 60)) min")]))
        await updateHoldAlert()
        return until
    }

    /// The hold is over: the grouped alert resolves, held ladders re-check on their own.
    func endHold(at time: Date) async {
        guard let started = fleetHoldStarted else { fleetHaltedUntil = nil; return }
        fleetHaltedUntil = nil
        fleetHoldStarted = nil
        let held = heldByHold
        heldByHold = []
        heldByHoldSet = []
        await auditor.record(AuditRecord(kind: "system", actor: "executor", action: "fleet breaker", outcome: "released",
                                         details: "held since \(RuleRunner.timestamp(started)); \(held.count) distinct command(s) and alert(s) were held; paused ladders re-check their condition"))
        log(.warning, "fleet breaker released", ["held": String(held.count), "since": RuleRunner.timestamp(started)])
        // On-call hears that the hold is over, and what happens to what it held.
        await alerts.resolve(rule: "fleet-breaker", target: "fleet", text: """
            The fleet breaker released at \(RuleRunner.timestamp(time)) (held since \(RuleRunner.timestamp(started))): fewer stations fault now. \
            \(held.count) command(s) and alert(s) were held. Held commands now go out only where their fault is still there: each paused \
            ladder checks its condition again, and a connector that reported a status in service since is left alone. Alerts folded into \
            this one are not sent again. `vigil rules decisions --kind resumed` and `vigil remediation commands` show what ran.
            """)
        feedback(DomainEvent(id: "hold-fleet-end-\(RuleRunner.timestamp(time))", kind: .hold, time: time, station: "",
                             fields: ["scope": .string("fleet"), "active": .bool(false), "until": .string(RuleRunner.timestamp(time)),
                                      "reason": .string("fewer stations fault now")]))
        // Not inside the gate check that found the hold over: on their own, after it.
        if !heldForRelease.isEmpty { Task { await self.releaseHeld() } }
    }

    /// Lists a held command and target (or alert) on the hold's page, once: a ladder held again
    /// when the hold is extended is the same entry.
    func noteHeld(_ entry: String) {
        if heldByHoldSet.insert(entry).inserted { heldByHold.append(entry) }
    }

    /// The one grouped page of a hold: which stations faulted, what is held where, and until
    /// when. Updates go to the same open alert (no new page per held command).
    func updateHoldAlert() async {
        // The registry as it is now (stations declared during the hold count), and never fewer
        // than the stations that faulted ("10 of 9" was on a page). Only the page's wording
        // depends on this read: an unreadable count keeps the one the hold tripped with. Read
        // before the hold's state, which may change while the read waits.
        let registered = try? await reads.stationCount()
        guard let until = fleetHaltedUntil else { return }
        let stations = recentFaults.keys.sorted()
        holdKnown = max(registered ?? holdKnown, stations.count)
        var text = "\(stations.count) of \(holdKnown) stations faulted within \(Int(policy.fleetBreakerWindow / 60)) minutes: that points at the backend, the network or the grid. "
            + "Every automatic reset, disable, enable and unlock is held until \(RuleRunner.timestamp(until)) (taking a connector with a safety fault out of service still goes out); "
            + "held ladders check their condition again when the hold ends. Stations: \(stations.joined(separator: ", "))."
        if !heldByHold.isEmpty {
            text += "\nHeld: " + heldByHold.suffix(50).joined(separator: "; ")
            if heldByHold.count > 50 { text += " (and \(heldByHold.count - 50) more)" }
        }
        await alerts.raise(AlertRequest(rule: "fleet-breaker", target: "fleet", station: nil, site: nil, route: "oncall", severity: .critical,
                                  title: "\(stations.count) of \(holdKnown) stations faulted within \(Int(policy.fleetBreakerWindow / 60)) minutes: automatic actions held",
                                  text: text, decisionId: nil))
    }

    /// The kill switch, for the CLI and the API; every change is audited with who made it.
    public static func setKillSwitch(_ on: Bool, store: StationStore, by person: String, reason: String, auditor: Auditor) async throws {
        try await RemediationSettings(host: store).setSetting(killSwitchKey, on ? "true" : "false", by: person, now: RuleRunner.timestamp(Date()))
        await auditor.record(AuditRecord(kind: "operator", actor: person, action: on ? "kill switch on" : "kill switch off",
                                         outcome: "done", details: reason))
    }
}
