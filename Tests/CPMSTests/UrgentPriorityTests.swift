@testable import CPMS
import Testing

/// The fault loop's priority reaches the task that does the work (issue #15): a handler body for
/// a fault report, and what it writes, run urgent; a routine report's do not.
@Suite struct UrgentPriorityTests {
    @Test func aFaultReportsHandlerRunsUrgentAndARoutineOneDoesNot() async throws {
        let fault = try await Task(priority: .medium) {
            try await StationHandlers.faultFirst(true) { UrgentPriority.isCurrentTaskUrgent }
        }.value
        let routine = try await Task(priority: .medium) {
            try await StationHandlers.faultFirst(false) { UrgentPriority.isCurrentTaskUrgent }
        }.value
        #expect(fault)
        #expect(!routine)
    }

    @Test func aChildTaskRaisedItselfStaysUrgentAcrossAnActorHop() async {
        actor Probe { func urgent() -> Bool { UrgentPriority.isCurrentTaskUrgent } }
        let probe = Probe()
        let urgent = await Task(priority: .medium) {
            await withTaskGroup(of: Bool.self) { group in
                group.addTask(priority: UrgentPriority.level) {
                    UrgentPriority.raiseCurrentTask()
                    return await probe.urgent()
                }
                return await group.next() ?? false
            }
        }.value
        #expect(urgent)
    }
}
