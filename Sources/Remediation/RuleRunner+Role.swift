import Store

/// Several nodes: the rule runner decides only while its node holds the remediation role. The
/// check (`ClusterRole.fence`) runs inside the transaction that records a batch of decisions, so
/// a node paused past its role (and since replaced) puts no second "act" for the same fault on
/// the record; before the tick saves the shared cursor or state it is read on its own. Not held,
/// or not readable: nothing is written, `roleLost` runs (serve exits) and the runner records,
/// saves and hands on nothing more (`hasLostRole`) — the holder replays from the recorded
/// cursor, so nothing is lost.
extension RuleRunner {
    /// Whether this node still holds the role, read inside a write's transaction.
    public typealias RoleFence = @Sendable (any SQLDatabase) throws -> Bool

    /// What a write of the runner's may do now.
    enum WritePermission {
        /// One node: no role to check.
        case unfenced
        /// Run the check in the write's transaction.
        case fenced(RoleFence)
    }

    /// Several nodes: see the type's note. `fence` gives the check for a write (nil: the role is
    /// not held at all).
    public func setRoleFence(_ fence: @escaping @Sendable () async -> RoleFence?, onLost: @escaping @Sendable () async -> Void) {
        roleFence = fence
        roleLost = onLost
    }

    /// What a write may do now; nil once the role is lost (it writes nothing).
    func writePermission() async -> WritePermission? {
        guard !hasLostRole else { return nil }
        guard let roleFence else { return .unfenced }
        guard let fence = await roleFence() else {
            await loseRole("the remediation role is not held")
            return nil
        }
        return .fenced(fence)
    }

    /// Whether the shared cursor and state may be saved: on several nodes, read that the role is
    /// still this node's (unreadable counts as lost: fail closed).
    func mayWriteShared() async -> Bool {
        switch await writePermission() {
        case nil: return false
        case .unfenced?: return true
        case .fenced(let fence)?:
            if await DecisionStore(host: store).stillDeciding(fence) { return true }
            await loseRole("another node holds the remediation role, or it cannot be read")
            return false
        }
    }

    /// Stops the runner's writes for good, telling `roleLost` once.
    func loseRole(_ why: String) async {
        guard !hasLostRole else { return }
        hasLostRole = true
        log(.error, "this node no longer decides: \(why); nothing more is recorded", [:])
        await roleLost?()
    }
}
