import Testing
@testable import Simulator

/// The simulator's summary: the time to remediation is the median of the remediated faults'
/// times (the mean of the middle two for an even count) — it printed 180 s for 120 s and 180 s.
@Suite struct SummaryTests {
    static func remediated(_ station: String, injected: Double, recovered: Double) -> FleetSimulator.FaultOutcome {
        FleetSimulator.FaultOutcome(station: station, connector: 1, code: "InternalError", behaviour: .recoversAfterSoftReset,
                                    injectedAt: injected, firstCommandAt: injected + 5, recoveredAt: recovered)
    }

    @Test func theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        var summary = FleetSimulator.Summary()
        summary.faults = [Self.remediated("A", injected: 15, recovered: 195), Self.remediated("B", injected: 20, recovered: 140)]
        #expect(FleetSimulator.describe(summary).contains("  time to remediation: median 150 s, worst 180 s (simulated)"))
        summary.faults.append(Self.remediated("C", injected: 0, recovered: 60))
        #expect(FleetSimulator.describe(summary).contains("  time to remediation: median 120 s, worst 180 s (simulated)"))
    }
}
