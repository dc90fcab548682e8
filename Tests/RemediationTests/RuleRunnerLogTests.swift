import Foundation
import StoreTesting
import Synchronization
import Testing
@testable import CPMS
@testable import Remediation
@testable import RuleEngine

/// The rule runner as the event log's consumer: a runner killed mid-stream and started again
/// resumes at its cursor — every event decided, none decided (so acted on) twice — and what it
/// decides under load equals a replay of the recorded log.
@Suite(.timeLimit(.minutes(1))) struct RuleRunnerLogTests {
    static let rules = """
        - id: reset-faulted
          when: { event: statusChanged, where: { to: Faulted } }
          then:
            - reset: soft
        - id: flapping
          when:
            event: statusChanged
            where: { to: Faulted }
            count: { atLeast: 2, within: 1h, by: station }
          then:
            - alert: { route: oncall, severity: major, title: "{{station}} faulted twice", text: "twice" }
        """

    /// What the runner handed on to the executor.
    final class Handed: Sendable {
        let items = Mutex<[String]>([])
        var all: [String] { items.withLock { $0 } }
    }

    static let start = Date(timeIntervalSince1970: 1_796_000_000)

    func path() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vigil-runner-\(UUID().uuidString).sqlite").path
    }

    /// Heartbeats and meter samples from 20 stations with a fault now and then (every station
    /// faults twice, so the counting rule fires too).
    static func traffic(_ range: Range<Int>) -> [DomainEvent] {
        range.map { index in
            let station = "CP-\(index % 20)"
            let time = DomainEvent.storagePrecision(start.addingTimeInterval(Double(index) * 0.25))
            if index % 7 == 3 {
                return DomainEvent(id: "e\(index)", kind: .statusChanged, time: time, station: station, connector: 1,
                                   fields: ["to": .string("Faulted"), "ocppErrorCode": .string("InternalError")])
            }
            return DomainEvent(id: "e\(index)", kind: index % 2 == 0 ? .heartbeat : .meterSample, time: time, station: station,
                               connector: 1, fields: [:])
        }
    }

    func runner(_ store: StationStore, _ log: EventLog, handed: Handed) async throws -> RuleRunner {
        let set = try #require(try? RuleSet.load(files: [("r.yaml", Self.rules)]).get())
        let runner = try await RuleRunner(ruleSet: set, catalog: nil, store: store, events: log, clock: { Self.start }, log: { _, _, _ in })
        await runner.setDecisionHandler { stored in
            handed.items.withLock { $0 += stored.map { "\($0.decision.rule) \($0.decision.kind.rawValue) \($0.decision.target.key) \($0.decision.eventIds)" } }
        }
        return runner
    }

    /// Takes and processes batches until nothing waits.
    func drain(_ runner: RuleRunner, _ log: EventLog, limit: Int = 16) async {
        while !log.isCaughtUp(RuleRunner.consumer) {
            let (batch, cursor) = await log.next(RuleRunner.consumer, limit: limit)
            await runner.process(batch, cursor: cursor)
        }
    }

    func decisionKeys(_ store: StationStore) async throws -> [String] {
        try await DecisionStore(host: store).decisions(limit: 10_000).map { "\($0.rule) \($0.kind) \($0.target)" }.sorted()
    }

    /// A saved state that took long to encode spaces the periodic saves: at most about 2 % of
    /// the time goes to encoding, and never less often than every two minutes.
    @Test func aSlowStateSaveSpacesTheNextOnes() async throws {
        let path = path()
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        let log = EventLog(store: store)
        let runner = try await runner(store, log, handed: Handed())
        await runner.stateEncoded(taking: 1.5)
        #expect(await runner.saveInterval == 75)
        await runner.stateEncoded(taking: 30)
        #expect(await runner.saveInterval == 120)
        await runner.stateEncoded(taking: 0.01)
        #expect(await runner.saveInterval == 10)
        // saveState returns once the state is stored, with the cursor the runner stands at.
        for event in Self.traffic(0..<40) { try await log.append(event) }
        await drain(runner, log)
        await runner.saveCursor()   // what the last batches decided (nothing) is recorded: the state may be saved
        await runner.saveState()
        let saved = try await DecisionStore(host: store).ruleState()
        #expect(saved?.cursor == log.cursor(RuleRunner.consumer) && (saved?.cursor?.position ?? 0) > 0)
    }

    /// Several nodes: the role is checked in the transaction that records decisions. A runner
    /// whose node lost the role (paused past it, replaced) — or cannot read it — records,
    /// saves and hands on nothing more, and says so once.
    @Test(arguments: [false, true]) func aRunnerThatLostTheRoleRecordsNoDecision(unreadable: Bool) async throws {
        struct Unreadable: Error {}
        let path = path()
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        let log = EventLog(store: store)
        let handed = Handed()
        let runner = try await runner(store, log, handed: handed)
        let held = Mutex(true), stopped = Mutex(0)
        await runner.setRoleFence({ { _ in
            if held.withLock({ $0 }) { return true }
            if unreadable { throw Unreadable() }
            return false
        } }, onLost: { stopped.withLock { $0 += 1 } })
        for event in Self.traffic(0..<8) { try await log.append(event) }
        await drain(runner, log)
        let before = try await decisionKeys(store), handedBefore = handed.all.count
        #expect(!before.isEmpty && stopped.withLock { $0 } == 0)
        await runner.saveCursor()
        let cursorBefore = try await store.eventCursor(consumer: RuleRunner.consumer)?.cursor
        #expect(cursorBefore != nil)
        held.withLock { $0 = false }
        for event in Self.traffic(8..<40) { try await log.append(event) }
        await drain(runner, log)
        await runner.saveCursor()
        #expect(try await decisionKeys(store) == before)
        #expect(handed.all.count == handedBefore)   // nothing handed on to act on
        let lost = await runner.hasLostRole
        #expect(stopped.withLock { $0 } == 1 && lost)
        // The cursor stays where the last recorded batch left it: the role's holder replays from there.
        #expect(try await store.eventCursor(consumer: RuleRunner.consumer)?.cursor == cursorBefore)
    }

    @Test func aRunnerKilledMidStreamResumesWithoutLosingOrRepeatingADecision() async throws {
        // The reference: one runner, never stopped.
        let referencePath = path()
        defer { removeSQLiteFiles(referencePath) }
        let referenceStore = try StationStore(path: referencePath)
        let referenceLog = EventLog(store: referenceStore)
        let referenceHanded = Handed()
        let reference = try await runner(referenceStore, referenceLog, handed: referenceHanded)
        for event in Self.traffic(0..<300) { try await referenceLog.append(event) }
        await drain(reference, referenceLog)

        let path = path()
        defer { removeSQLiteFiles(path) }
        let handedBefore = Handed()
        var savedAt = EventCursor(position: 0)
        do {
            let store = try StationStore(path: path)
            let log = EventLog(store: store)
            let first = try await runner(store, log, handed: handedBefore)
            for event in Self.traffic(0..<200) { try await log.append(event) }
            // Four batches decided, the state saved; five more decided and recorded; then killed.
            for _ in 0..<4 {
                let (batch, cursor) = await log.next(RuleRunner.consumer, limit: 15)
                await first.process(batch, cursor: cursor)
            }
            await first.saveState()
            savedAt = log.cursor(RuleRunner.consumer)
            for _ in 0..<5 {
                let (batch, cursor) = await log.next(RuleRunner.consumer, limit: 10)
                await first.process(batch, cursor: cursor)
            }
        }
        let store = try StationStore(path: path)
        let log = EventLog(store: store)
        let handedAfter = Handed()
        let second = try await runner(store, log, handed: handedAfter)
        for event in Self.traffic(200..<300) { try await log.append(event) }
        await drain(second, log)

        // Every decision once: the same as the runner that never stopped.
        #expect(try await decisionKeys(store) == decisionKeys(referenceStore))
        let before = handedBefore.all, after = handedAfter.all
        #expect(!before.isEmpty && !after.isEmpty)
        #expect(Set(before).isDisjoint(with: after))   // nothing handed to the executor twice
        #expect((before + after).sorted() == referenceHanded.all.sorted())
        // Replayed from the saved state on: what the state had not seen, decided or not.
        #expect(await second.evaluatedCount == 300 - savedAt.position - savedAt.ahead.count)
        #expect(savedAt.position + savedAt.ahead.count >= 60)
    }

    /// A runner killed before it ever saved its state (the state is saved every 10 s) — here and
    /// on a node that takes the remediation over: the next one replays from the state saved when
    /// the first one started, so a window counted or a ladder begun before the kill goes on.
    /// The decisions of a runner that never stopped, over `traffic(range)`.
    func referenceDecisions(_ range: Range<Int>) async throws -> [String] {
        let referencePath = path()
        defer { removeSQLiteFiles(referencePath) }
        let referenceStore = try StationStore(path: referencePath)
        let referenceLog = EventLog(store: referenceStore)
        let reference = try await runner(referenceStore, referenceLog, handed: Handed())
        for event in Self.traffic(range) { try await referenceLog.append(event) }
        await drain(reference, referenceLog)
        return try await decisionKeys(referenceStore)
    }

    @Test func aRunnerKilledBeforeItsFirstSaveStillContinuesItsWindows() async throws {
        let expected = try await referenceDecisions(0..<300)

        let path = path()
        defer { removeSQLiteFiles(path) }
        let handedBefore = Handed()
        do {
            let store = try StationStore(path: path)
            let log = EventLog(store: store)
            let first = try await runner(store, log, handed: handedBefore)
            for event in Self.traffic(0..<150) { try await log.append(event) }
            await drain(first, log)   // decided and recorded, never saved by the runner itself
        }
        let store = try StationStore(path: path)
        let log = EventLog(store: store)
        let handedAfter = Handed()
        let second = try await runner(store, log, handed: handedAfter)
        for event in Self.traffic(150..<300) { try await log.append(event) }
        await drain(second, log)

        #expect(!handedBefore.all.isEmpty)
        #expect(Set(handedBefore.all).isDisjoint(with: handedAfter.all))
        // The second faults of the first stations, counted with the first ones seen before the kill.
        #expect(try await decisionKeys(store) == expected)
        #expect(await second.evaluatedCount == 300)
    }

    /// A runner killed before it recorded anything or ticked (its cursor never stored): the
    /// events it was handed are in the log, and the next runner decides every one of them —
    /// none taken for decided because no cursor said where deciding had stopped.
    @Test func aRunnerKilledBeforeItsFirstRecordLeavesEveryEventToTheNext() async throws {
        let expected = try await referenceDecisions(0..<100)

        let path = path()
        defer { removeSQLiteFiles(path) }
        do {
            let store = try StationStore(path: path)
            let log = EventLog(store: store)
            _ = try await runner(store, log, handed: Handed())   // saves its first state, then is killed
            for event in Self.traffic(0..<100) { try await log.append(event) }
            #expect(try await store.eventCursor(consumer: RuleRunner.consumer) == nil)
        }
        let store = try StationStore(path: path)
        let log = EventLog(store: store)
        let handed = Handed()
        let second = try await runner(store, log, handed: handed)
        await drain(second, log)

        let decided = try await decisionKeys(store)
        #expect(!decided.isEmpty)
        #expect(decided == expected)
        #expect(handed.all.count == decided.count)   // every one acted on
    }

    /// Faults overtake bulk traffic in the runner's queue, yet what it decides equals a replay
    /// of the recorded log in sequence order (`vigil rules replay`): each station's events keep
    /// their order.
    @Test func decisionsUnderLoadEqualAReplayOfTheRecordedLog() async throws {
        let path = path()
        defer { removeSQLiteFiles(path) }
        let store = try StationStore(path: path)
        let log = EventLog(store: store)
        let handed = Handed()
        let runner = try await runner(store, log, handed: handed)
        // Appended concurrently by 20 "connections", consumed while they append.
        let events = Self.traffic(0..<600)
        let consumer = Task { await drainUntil(runner, log, count: 600) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for station in 0..<20 {
                group.addTask {
                    for event in events where event.station == "CP-\(station)" { try await log.append(event) }
                }
            }
            try await group.waitForAll()
        }
        await consumer.value
        let served = try await decisionKeys(store)

        let set = try #require(try? RuleSet.load(files: [("r.yaml", Self.rules)]).get())
        var replay = RuleReplay(engine: RuleEngine(ruleSet: set, catalog: nil))
        var replayed: [String] = []
        for event in try await store.sequencedEvents(after: 0, limit: 10_000) {
            replayed += replay.feed(event.event).map { "\($0.rule) \($0.kind.rawValue) \($0.target.key)" }
        }
        #expect(!served.isEmpty)
        #expect(served == replayed.sorted())
    }

    func drainUntil(_ runner: RuleRunner, _ log: EventLog, count: Int) async {
        var taken = 0
        while taken < count {
            let (batch, cursor) = await log.next(RuleRunner.consumer, limit: 32)
            taken += batch.count
            await runner.process(batch, cursor: cursor)
        }
    }
}
