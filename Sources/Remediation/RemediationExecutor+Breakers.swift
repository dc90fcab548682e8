import Alerts
import Audit
import CPMS
import DomainEvents
import Foundation
import RuleEngine

/// What the executor learns from the event stream: its own footprint (boots that follow its
/// resets), reboot loops it causes, fleet-wide faults, and stations coming back for queued
/// commands.
extension RemediationExecutor {
    /// Whether the executor needs to see `event` (the bus subscriber filters with it).
    public nonisolated static func observes(_ event: DomainEvent) -> Bool {
        switch event.kind {
        case .booted, .connected: return true
        case .statusChanged: return event.fields["to"] == .string("Faulted")
        default: return false
        }
    }

    /// Takes in one event from the bus (in order; the bus buffers and bounds the backlog).
    public func observe(_ event: DomainEvent) async {
        guard Self.observes(event) else { return }
        await consider(event)
    }

    func consider(_ event: DomainEvent) async {
        switch event.kind {
        case .connected:
            await stationConnected(event.station)
        case .booted:
            await attributeBoot(event)
        case .statusChanged:
            await countFault(event)
        default:
            break
        }
    }

    /// A boot soon after a reset Vigil sent is Vigil's doing; too many of them is a loop that
    /// Vigil itself drives, so resets of that station stop and a person is told.
    func attributeBoot(_ event: DomainEvent) async {
        let time = clock()
        let since = RuleRunner.timestamp(time.addingTimeInterval(-policy.bootAttribution))
        guard let reset = try? await store.commands(station: event.station, limit: 20).last(where: {
            $0.action == "reset" && ["accepted", "scheduled", "timedOut", "unknown"].contains($0.status) && $0.createdAt >= since
        }) else { return }
        await auditor.record(AuditRecord(kind: "system", actor: "executor", station: event.station, site: event.site, rule: reset.rule,
                                         action: "boot attributed", outcome: "reset #\(reset.id)",
                                         details: "boot (\(event.fields["reason"]?.description ?? "no reason given")) follows reset #\(reset.id) sent at \(reset.createdAt)"))
        var boots = (attributedBoots[event.station] ?? []).filter { $0 > time.addingTimeInterval(-policy.rebootLoopWindow) }
        boots.append(time)
        attributedBoots[event.station] = boots
        guard boots.count >= policy.rebootLoopBoots else { return }
        attributedBoots[event.station] = []
        let until = RuleRunner.timestamp(time.addingTimeInterval(policy.rebootLoopHold))
        try? await store.setSetting("breaker.\(event.station)", until, by: "executor", now: now)
        await auditor.record(AuditRecord(kind: "system", actor: "executor", station: event.station, site: event.site, action: "reboot-loop breaker",
                                         outcome: "tripped", details: "\(boots.count) boots caused by Vigil's resets within \(Int(policy.rebootLoopWindow / 60)) min; no automatic reset until \(until)"))
        log("warning", "reboot-loop breaker tripped", ["station": event.station, "until": until])
        await alerts(AlertRequest(rule: "reboot-loop-breaker", target: event.station, station: event.station, site: event.site,
                                  route: "oncall", severity: "critical", title: "\(event.station) keeps rebooting after Vigil's resets",
                                  text: "\(boots.count) boots followed resets Vigil sent within \(Int(policy.rebootLoopWindow / 60)) minutes. Automatic resets of \(event.station) are held until \(until); check the station on site.",
                                  decisionId: nil))
    }

    /// Many stations faulting at once points at the backend, the network or the grid, not at
    /// the stations: stop automatic resets for a while and send one grouped alert.
    func countFault(_ event: DomainEvent) async {
        let time = clock()
        recentFaults = recentFaults.filter { $0.value > time.addingTimeInterval(-policy.fleetBreakerWindow) }
        recentFaults[event.station] = time
        guard fleetHaltedUntil.map({ $0 <= time }) ?? true else { return }
        let known = (try? await store.stationCount()) ?? 0
        guard known >= policy.fleetBreakerMinStations, recentFaults.count >= policy.fleetBreakerMinFaults,
              Double(recentFaults.count) / Double(known) > policy.fleetBreakerShare else { return }
        let until = time.addingTimeInterval(policy.fleetBreakerWindow)
        fleetHaltedUntil = until
        let stations = recentFaults.keys.sorted()
        await auditor.record(AuditRecord(kind: "system", actor: "executor", action: "fleet breaker", outcome: "tripped",
                                         details: "\(stations.count) of \(known) stations faulted within \(Int(policy.fleetBreakerWindow / 60)) min: \(stations.joined(separator: ", ")); automatic resets held until \(RuleRunner.timestamp(until))"))
        log("warning", "fleet breaker tripped", ["stations": String(stations.count), "known": String(known)])
        await alerts(AlertRequest(rule: "fleet-breaker", target: "fleet", station: nil, site: nil, route: "oncall", severity: "critical",
                                  title: "\(stations.count) of \(known) stations faulted within \(Int(policy.fleetBreakerWindow / 60)) minutes",
                                  text: "So many stations faulting together points at the backend, the network or the grid. Automatic resets are held until \(RuleRunner.timestamp(until)). Stations: \(stations.joined(separator: ", ")).",
                                  decisionId: nil))
    }

    /// The kill switch, for the CLI and the API; every change is audited with who made it.
    public static func setKillSwitch(_ on: Bool, store: StationStore, by person: String, reason: String, auditor: Auditor) async throws {
        try await store.setSetting(killSwitchKey, on ? "true" : "false", by: person, now: RuleRunner.timestamp(Date()))
        await auditor.record(AuditRecord(kind: "operator", actor: person, action: on ? "kill switch on" : "kill switch off",
                                         outcome: "done", details: reason))
    }
}
