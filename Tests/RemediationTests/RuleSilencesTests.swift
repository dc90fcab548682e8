import Alerts
@testable import CPMS
import Foundation
@testable import Remediation
@testable import RuleEngine
import StoreTesting
import Synchronization
import Testing
import VendorCatalog

/// Alert silences reach the rule engine: `unless: { silenced: true }` holds while a silence
/// covers the rule and its target, and only then.
@Suite(.timeLimit(.minutes(1))) struct RuleSilencesTests {
    static let rules = """
        - id: reset-faulted
          when: { event: statusChanged, where: { to: Faulted } }
          unless: { silenced: true }
          then:
            - reset: soft
        """
    static let start = Date(timeIntervalSince1970: 1_796_000_000)

    static func fault(_ station: String, at offset: TimeInterval) -> DomainEvent {
        DomainEvent(id: "\(station)-\(offset)", kind: .statusChanged, time: DomainEvent.storagePrecision(start.addingTimeInterval(offset)),
                    station: station, connector: 1, fields: ["to": .string("Faulted"), "ocppErrorCode": .string("InternalError")])
    }

    @Test(arguments: TestEngine.all) func aSilenceOnAStationHoldsItsRulesBackAndNoOtherStations(engine: TestEngine) async throws {
        let test = try TestDatabase(engine, name: "silences")
        defer { test.remove() }
        let store = try StationStore(location: test.location)
        let log = EventLog(store: store)
        let set = try #require(try? RuleSet.load(files: [("r.yaml", Self.rules)]).get())
        let runner = try await RuleRunner(ruleSet: set, catalog: nil, store: store, events: log, clock: { Self.start }, log: { _, _, _ in })
        // Silenced for an hour: CP-1 by station; a severity-only silence mutes alerts, not rules.
        _ = try await AlertStore(host: store).addSilence(rule: nil, station: "CP-1", site: nil, severity: nil, startsAt: StoreTime.format(Self.start),
                                       endsAt: StoreTime.format(Self.start.addingTimeInterval(3_600)), by: "dana", reason: "site works",
                                       now: StoreTime.format(Self.start))
        _ = try await AlertStore(host: store).addSilence(rule: nil, station: nil, site: nil, severity: .minor, startsAt: StoreTime.format(Self.start),
                                       endsAt: StoreTime.format(Self.start.addingTimeInterval(3_600)), by: "dana", reason: "noise",
                                       now: StoreTime.format(Self.start))
        await runner.refreshSilences()
        for event in [Self.fault("CP-1", at: 10), Self.fault("CP-2", at: 20), Self.fault("CP-1", at: 4_000)] {
            try await log.append(event)
        }
        while !log.isCaughtUp(RuleRunner.consumer) {
            let (batch, cursor) = await log.next(RuleRunner.consumer)
            await runner.process(batch, cursor: cursor)
        }
        let decisions = try await DecisionStore(host: store).decisions(limit: 100)
        // CP-1 inside the silence: held back, with the reason; CP-2 and CP-1 after it ended: acted on.
        #expect(decisions.filter { $0.kind == "act" }.count == 2)
        #expect(decisions.filter { $0.kind == "act" && $0.target.contains("CP-2") }.count == 1)
        let suppressed = decisions.filter { $0.kind != "act" && $0.reason.contains("silence") }
        #expect(suppressed.count == 1 && suppressed.first?.target.contains("CP-1") == true, "\(decisions.map { "\($0.kind) \($0.target) \($0.reason)" })")
        #expect(decisions.filter { $0.kind == "act" && $0.target.contains("CP-1") }.count == 1)
    }

    @Test func silencesScopedBySeverityOrLongEndedAreNotGivenToTheRules() {
        func row(severity: Severity?, ends: TimeInterval) -> SilenceRow {
            SilenceRow(id: 1, rule: nil, station: "CP-1", site: nil, severity: severity,
                                    startsAt: StoreTime.format(Self.start), endsAt: StoreTime.format(Self.start.addingTimeInterval(ends)),
                                    createdBy: "dana", reason: "r")
        }
        let now = Self.start.addingTimeInterval(100)
        #expect(RuleSilences.engineSilences([row(severity: nil, ends: 3_600)], now: now).count == 1)
        #expect(RuleSilences.engineSilences([row(severity: .major, ends: 3_600)], now: now).isEmpty)
        #expect(RuleSilences.engineSilences([row(severity: nil, ends: 3_600)], now: now.addingTimeInterval(8 * 86_400)).isEmpty)
    }
}
