import CPMS
import Foundation
import Testing
@testable import Remediation

/// Remediation effectiveness on hand-built commands and fault episodes with known answers.
@Suite struct RemediationEffectivenessTests {
    typealias Action = RemediationEffectiveness.Action

    /// 2026-12-01T00:00:00Z.
    static let midnight = Date(timeIntervalSince1970: 1_796_083_200)
    static func at(_ hours: Double) -> Date { midnight.addingTimeInterval(hours * 3_600) }
    static let day = DateInterval(start: at(0), end: at(24))
    static func minutes(_ hours: Double, _ minutes: Double) -> Date { at(hours + minutes / 60) }

    static func episode(_ start: Date, _ end: Date?) -> FaultEpisodes.Episode {
        FaultEpisodes.Episode(start: start, recovered: end, ocppErrorCode: "InternalError", vendorErrorCode: nil)
    }

    /// - CP-1 EVSE 1 faulted 10:00–10:20 (1 200 s); soft-reset (verified) at 10:05: with an action.
    /// - CP-1 EVSE 2 faulted 14:00–15:00 (3 600 s); the only action on EVSE 2 (trigger) was at
    ///   10:06, outside it: without an action.
    /// - CP-2 EVSE 1 faulted 16:00–16:10 (600 s); soft-reset (accepted, judged not recovered) at
    ///   16:01, and an unlock refused by a gate (not an action).
    /// soft-reset: 2 actions, 1 verified (0.5), recoveries [1 200, 600] → median 900.
    /// trigger: 1 action, none verified, no recovery. With an action: median of [1 200, 600] =
    /// 900; without: 3 600. By model: ABB X (CP-1: soft-reset and trigger) 2 actions, ABB Y 1.
    @Test func actionsVerificationAndRecoveryWithAndWithoutVigil() {
        let actions = [
            Action(rule: "soft-reset", station: "CP-1", connector: 1, vendor: "ABB", model: "X", createdAt: Self.minutes(10, 5),
                   status: .accepted, verified: true),
            Action(rule: "trigger", station: "CP-1", connector: 2, vendor: "ABB", model: "X", createdAt: Self.minutes(10, 6),
                   status: .accepted, verified: nil),
            Action(rule: "soft-reset", station: "CP-2", connector: nil, vendor: "ABB", model: "Y", createdAt: Self.minutes(16, 1),
                   status: .accepted, verified: false),
            Action(rule: "unlock", station: "CP-2", connector: 1, vendor: "ABB", model: "Y", createdAt: Self.minutes(16, 2),
                   status: .refused, verified: nil),
            Action(rule: "soft-reset", station: "CP-2", connector: 1, vendor: "ABB", model: "Y", createdAt: Self.at(-3),   // before the range
                   status: .accepted, verified: true),
        ]
        let faults = [
            RemediationEffectiveness.Faults(station: "CP-1", evse: 1, episodes: [Self.episode(Self.at(10), Self.minutes(10, 20))]),
            RemediationEffectiveness.Faults(station: "CP-1", evse: 2, episodes: [Self.episode(Self.at(14), Self.at(15))]),
            RemediationEffectiveness.Faults(station: "CP-2", evse: 1, episodes: [Self.episode(Self.at(16), Self.minutes(16, 10)),
                                                                                Self.episode(Self.at(20), nil)]),   // not recovered: in neither median
        ]
        let figures = RemediationEffectiveness.compute(actions: actions, faults: faults, range: Self.day)
        #expect(figures.byRule.map(\.key) == [["soft-reset"], ["trigger"]])
        let reset = figures.byRule[0]
        #expect(reset.actions == 2 && reset.verified == 1 && reset.verifiedShare == 0.5)
        #expect(reset.medianRecoverySeconds == 900)
        #expect(figures.byRule[1].actions == 1 && figures.byRule[1].verified == 0 && figures.byRule[1].medianRecoverySeconds == nil)
        #expect(figures.byModel.map(\.key) == [["ABB", "X"], ["ABB", "Y"]])
        #expect(figures.byModel[0].actions == 2 && figures.byModel[0].medianRecoverySeconds == 1_200)
        #expect(figures.byModel[1].actions == 1 && figures.byModel[1].verifiedShare == 0)
        #expect(figures.medianRecoveryWithActionSeconds == 900)
        #expect(figures.medianRecoveryWithoutActionSeconds == 3_600)
    }

    @Test func nothingToJudgeGivesNilNotZero() {
        let figures = RemediationEffectiveness.compute(actions: [], faults: [], range: Self.day)
        #expect(figures.byRule.isEmpty && figures.byModel.isEmpty)
        #expect(figures.medianRecoveryWithActionSeconds == nil && figures.medianRecoveryWithoutActionSeconds == nil)
    }
}
