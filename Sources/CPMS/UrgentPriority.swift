/// Puts the fault loop's tasks at high priority, where the executors that run urgent jobs first
/// (`ThreadExecutor`) and the store's group commit (`GroupCommit`) see it.
///
/// Asking for it when a child task is created is not enough: the Swift runtime (6.3, Linux)
/// starts a child task whose requested priority is above its parent's with that priority as its
/// *base* but runs its jobs at the parent's — `Task.currentPriority` reads medium, and every job
/// it enqueues after its first carries medium — so an urgent lane keyed on job priority never
/// saw the fault loop. Escalating the running task raises the priority its jobs carry.
public enum UrgentPriority {
    /// The priority the fault loop's work runs at.
    public static let level = TaskPriority.high

    /// Raises the current task to `level` (a no-op outside a task, or when it is already there).
    public static func raiseCurrentTask() {
        guard Task.currentPriority < level else { return }
        withUnsafeCurrentTask { $0?.escalatePriority(to: level) }
    }

    /// Whether the current task runs at the fault loop's priority.
    public static var isCurrentTaskUrgent: Bool { Task.currentPriority >= level }
}
