import Alerts
import Audit
import CPMS
import Foundation

extension StationTimeline {
    /// Fetches the rows of `station`'s timeline within `from…to` (the store's form; nil: open)
    /// from the store and the modules' tables on it: the newest `limit` of each kind, the
    /// station's audit entries in the range and the fleet-wide ones that may touch it, and the
    /// findings of checking its decisions and commands against the trail. `frames` says whether
    /// every raw frame is read or only Vigil's own calls and their answers. `site` is the
    /// station's site (silences scoped to it cover the station).
    public static func read(station: String, site: String?, from: String?, to: String?, limit: Int,
                            frames: StationStore.FrameSelection, store: StationStore) async throws -> Rows {
        var rows = Rows(station: station)
        rows.connectivity = try await store.connectivity(station: station, from: from, to: to, limit: limit)
        rows.statusReports = try await store.statusReports(station: station, from: from, to: to, limit: limit)
        rows.openFaults = try await store.openFaults(station: station)
        rows.faultEvents = try await store.faultEvents(station: station, from: from, to: to, limit: limit).map(FaultEvent.init)
        rows.frames = try await store.frames(station: station, from: from, to: to, selection: frames, limit: limit)
        rows.decisions = try await DecisionStore(host: store).decisions(station: station, from: from, to: to, limit: limit)
        let decisionTrail = try await DecisionTrail.read(for: rows.decisions, from: store)
        rows.decisionFindings = decisionTrail.findings
        rows.commands = try await CommandStore(host: store).commands(station: station, from: from, to: to, limit: limit)
        rows.commandFindings = try await CommandTrail.read(for: rows.commands, from: store).findings.mapValues { $0.map(\.problem) }
        let alerts = AlertStore(host: store)
        rows.alerts = try await alerts.alerts(station: station, from: from, to: to, limit: limit)
        rows.deliveries = try await alerts.deliveries(alertIds: rows.alerts.map(\.id))
        rows.silences = try await alerts.silences(covering: station, site: site, from: from, to: to)
        // The station's entries, and the fleet-wide kinds `AuditClaims.concernsStation` may keep.
        let audit = AuditStore(host: store)
        let all = 10_000_000
        rows.audit = try await audit.auditEntries(AuditQuery(from: from, to: to, station: station, limit: all))
        for (kind, action) in [("operator", "kill switch"), ("system", "fleet breaker"), ("operator", "silence"), ("operator", "unsilence"),
                               ("alert", "deliver")] {
            rows.audit += try await audit.auditEntries(AuditQuery(from: from, to: to, action: action, kind: kind, limit: all))
                .filter { $0.record.station == nil }
        }
        return rows
    }
}
