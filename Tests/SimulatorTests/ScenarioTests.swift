import Foundation
import Testing
@testable import Simulator

@Suite struct ScenarioTests {
    @Test func theShippedFilesLoad() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let personalities = try Personality.load(String(contentsOf: root.appendingPathComponent("Simulations/personalities.yaml"), encoding: .utf8),
                                                 file: "personalities.yaml").get()
        let scenario = try Scenario.load(String(contentsOf: root.appendingPathComponent("Simulations/demo.yaml"), encoding: .utf8), file: "demo.yaml").get()
        let names = Set(personalities.map(\.name))
        #expect(scenario.sites.flatMap(\.personalities).allSatisfy(names.contains))
        #expect(scenario.stations.map(\.id).prefix(3) == ["NORTH-1", "NORTH-2", "NORTH-3"])
        #expect(scenario.faults.count == 6 && scenario.duration == 240)
    }

    @Test func mistakesArePointedAt() {
        let text = """
        duration: 5 minutes
        sites:
          - { name: a, prefix: A, stations: 2, personalities: [x] }
        faults:
          - { at: 10s, station: A-9, behaviour: explodes }
          - { at: 20s, station: A-1, connector: none, errorCode: GroundFailur, behaviour: neverRecovers }
        """
        guard case .failure(let error) = Scenario.load(text, file: "bad.yaml") else {
            Issue.record("a broken scenario loaded")
            return
        }
        #expect(error.errors.map(\.description) == [
            "bad.yaml:1:11: scenario: \"duration\" must be a duration such as 30s, 5m, 2h",
            "bad.yaml:5:25: scenario fault: no station \"A-9\" in this scenario (stations are named PREFIX-N, e.g. A-1)",
            "bad.yaml:5:41: scenario fault: \"behaviour\" must be one of recoversAfterSoftReset, needsHardReset, neverRecovers, rebootLoops, goesSilent, rejectsCommands, recoversAfterUnlock, recoversByItself, got \"explodes\"",
            "bad.yaml:6:41: scenario fault: \"connector\" must be a connector number from 1, got \"none\"",
            "bad.yaml:6:58: scenario fault: \"errorCode\" must be an OCPP 1.6 error code other than NoError, got \"GroundFailur\" (did you mean \"GroundFailure\"?)",
        ])
    }

    /// A connector the station's personality does not have is found before the fleet runs, at
    /// the fault's line and column.
    @Test func aConnectorTheStationLacksIsPointedAtBeforeTheRun() throws {
        let personalities = try Personality.load("""
        - { name: single, vendor: ABB, model: Terra, firmware: "1.0", ocpp: ocpp1.6, connectors: 1 }
        """, file: "p.yaml").get()
        let scenario = try Scenario.load("""
        duration: 5m
        sites:
          - { name: a, prefix: A, stations: 1, personalities: [single] }
        faults:
          - { at: 10s, station: A-1, connector: 1, behaviour: neverRecovers }
          - { at: 20s, station: A-1, connector: 3, behaviour: neverRecovers }
        """, file: "s.yaml").get()
        #expect(scenario.problems(against: personalities).map(\.description) == ["s.yaml:6:41: scenario fault: A-1 (single) has 1 connector, got connector 3"])
    }

    @Test func simulatedTimeRunsAtItsSpeed() async throws {
        let clock = SimClock(speed: 100)
        let real = ContinuousClock.now
        try await clock.sleep(5)   // at least 50 ms of real time
        #expect(clock.elapsed >= 5)
        // Simulated time is real time × speed (how long the sleep really took does not matter).
        let realSeconds = Double((ContinuousClock.now - real).components.attoseconds) / 1e18 + Double((ContinuousClock.now - real).components.seconds)
        #expect(clock.elapsed <= (realSeconds + 0.1) * 100)
    }
}
