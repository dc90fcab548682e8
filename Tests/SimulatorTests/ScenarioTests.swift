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
        """
        guard case .failure(let error) = Scenario.load(text, file: "bad.yaml") else {
            Issue.record("a broken scenario loaded")
            return
        }
        #expect(error.errors.map(\.description) == [
            "bad.yaml:1:11: scenario: \"duration\" must be a duration such as 30s, 5m, 2h",
            "bad.yaml:5:25: scenario fault: no station \"A-9\" in this scenario (stations are named PREFIX-N, e.g. A-1)",
            "bad.yaml:5:41: scenario fault: \"behaviour\" must be one of recoversAfterSoftReset, needsHardReset, neverRecovers, rebootLoops, goesSilent, rejectsCommands, recoversAfterUnlock, recoversByItself, got \"explodes\"",
        ])
    }

    @Test func simulatedTimeRunsAtItsSpeed() async throws {
        let clock = SimClock(speed: 100)
        try await clock.sleep(5)   // 50 ms of real time
        #expect(clock.elapsed >= 5 && clock.elapsed < 60)
    }
}
